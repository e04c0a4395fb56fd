package dev.tessera.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tessera.api.TesseraException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded schema registry: the Confluent registry's model (subjects, versions, global ids,
 * compatibility levels) in one process, so that local mode needs no external service.
 * {@link SchemaRegistryServer} serves it over the same REST API.
 *
 * <h2>Durability</h2>
 * Producers write schema ids into Kafka records, so an id must mean the same schema forever. Every
 * change is appended to a log file ({@value #LOG_FILE}: one JSON object a line, a registration or a
 * compatibility setting) and forced to disk before the call returns; opening replays it. A last
 * line cut short by a crash (no newline) was never acknowledged, and is dropped; any other
 * unreadable line is corruption and opening fails naming it. Without a folder
 * ({@link #inMemory()}) nothing is kept.
 *
 * <p>Thread-safe: every method holds the registry's lock (registrations are rare; reads are served
 * from {@link CachedSchemaRegistry} on hot paths).
 */
public final class LocalSchemaRegistry implements SchemaRegistry, AutoCloseable {
    public static final String LOG_FILE = "registry.jsonl";
    private static final Logger LOG = LoggerFactory.getLogger(LocalSchemaRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FileChannel log;
    private final Path logPath;
    private final boolean readOnly;
    private final Map<Integer, Schema> byId = new HashMap<>();
    private final Map<String, Integer> idBySchema = new HashMap<>();
    private final Map<String, List<RegisteredSchema>> subjects = new LinkedHashMap<>();
    private final Map<String, Compatibility> subjectLevels = new HashMap<>();
    private Compatibility global = Compatibility.BACKWARD;
    private int nextId = 1;

    private LocalSchemaRegistry(Path logPath, FileChannel log, boolean readOnly) {
        this.logPath = logPath;
        this.log = log;
        this.readOnly = readOnly;
    }

    public static LocalSchemaRegistry inMemory() {
        return new LocalSchemaRegistry(null, null, false);
    }

    /**
     * The registry kept in {@code dir} as it is now, for reading only: offline jobs (backfill,
     * training sets) resolve the schema ids of archived records with it while {@code tessera run}
     * may be appending. Changes throw {@link SchemaRegistryException}; nothing is written or
     * truncated. A missing folder is an empty registry.
     */
    public static LocalSchemaRegistry openReadOnly(Path dir) {
        Path file = dir.resolve(LOG_FILE);
        LocalSchemaRegistry registry = new LocalSchemaRegistry(file, null, true);
        if (!Files.exists(file)) {
            return registry;
        }
        try {
            List<JsonNode> entries = readLog(file).entries();
            for (int i = 0; i < entries.size(); i++) {
                registry.replay(file, i + 1, entries.get(i));
            }
            return registry;
        } catch (IOException e) {
            throw new TesseraException("cannot read the schema registry log " + file + ": " + e.getMessage(), e);
        }
    }

    /** The log's complete lines, parsed, where they end, and the file's size (an unfinished line follows). */
    private record Log(List<JsonNode> entries, long complete, long size) {
    }

    private static Log readLog(Path file) throws IOException {
        List<JsonNode> entries = new ArrayList<>();
        byte[] bytes = Files.readAllBytes(file);
        int start = 0;
        int line = 1;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                entries.add(parse(file, line, new String(bytes, start, i - start, StandardCharsets.UTF_8)));
                start = i + 1;
                line++;
            }
        }
        return new Log(entries, start, bytes.length);
    }

    /**
     * Opens (or creates) the registry kept in {@code dir}.
     *
     * @throws TesseraException when the log cannot be read or is corrupt, naming the file and line
     */
    public static LocalSchemaRegistry open(Path dir) {
        Path file = dir.resolve(LOG_FILE);
        try {
            Files.createDirectories(dir);
            Log read = Files.exists(file) ? readLog(file) : new Log(List.of(), 0, 0);
            long keep = read.complete();
            if (keep < read.size()) {
                LOG.warn("schema registry log {}: dropping an unfinished last line ({} bytes) left by a crash"
                        + " before it was acknowledged", file, read.size() - keep);
            }
            List<JsonNode> entries = read.entries();
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ);
            channel.truncate(keep);
            channel.position(keep);
            LocalSchemaRegistry registry = new LocalSchemaRegistry(file, channel, false);
            for (int i = 0; i < entries.size(); i++) {
                registry.replay(file, i + 1, entries.get(i));
            }
            return registry;
        } catch (IOException e) {
            throw new TesseraException("cannot open the schema registry log " + file + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode parse(Path file, int line, String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw corrupt(file, line, "not JSON (" + e.getMessage() + ")");
        }
    }

    private static TesseraException corrupt(Path file, int line, String what) {
        return new TesseraException("schema registry log " + file + " is corrupt at line " + line + ": " + what
                + "; restore it from a backup (schema ids in Kafka records refer to it)");
    }

    private void replay(Path file, int line, JsonNode e) {
        String op = e.path("op").asText();
        try {
            switch (op) {
                case "register" -> {
                    int id = e.get("id").asInt();
                    Schema schema = new Schema.Parser().parse(e.get("schema").asText());
                    add(e.get("subject").asText(), e.get("version").asInt(), id, schema);
                }
                case "config" -> {
                    Compatibility level = Compatibility.valueOf(e.get("compatibility").asText());
                    JsonNode subject = e.get("subject");
                    if (subject == null || subject.isNull()) {
                        global = level;
                    } else {
                        subjectLevels.put(subject.asText(), level);
                    }
                }
                default -> throw corrupt(file, line, "unknown op '" + op + "'");
            }
        } catch (RuntimeException ex) {
            if (ex instanceof TesseraException t) {
                throw t;
            }
            throw corrupt(file, line, ex.toString());
        }
    }

    private void add(String subject, int version, int id, Schema schema) {
        String canonical = schema.toString();
        Schema known = byId.get(id);
        if (known == null) {
            byId.put(id, schema);
            idBySchema.put(canonical, id);
        } else {
            schema = known;
        }
        subjects.computeIfAbsent(subject, s -> new ArrayList<>()).add(new RegisteredSchema(subject, version, id, schema));
        nextId = Math.max(nextId, id + 1);
    }

    private void append(ObjectNode entry) {
        if (readOnly) {
            throw new SchemaRegistryException(SchemaRegistryException.UNSUPPORTED, "the schema registry in " + logPath
                    + " is open for reading only (an offline job); register schemas with the running tessera, or"
                    + " through its REST API");
        }
        if (log == null) {
            return;
        }
        try {
            ByteBuffer bytes = ByteBuffer.wrap((JSON.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                log.write(bytes);
            }
            log.force(false);
        } catch (IOException e) {
            throw new TesseraException("cannot write the schema registry log " + logPath + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized RegisteredSchema byId(int id) {
        Schema s = byId.get(id);
        if (s == null) {
            throw new SchemaRegistryException(SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return new RegisteredSchema(null, 0, id, s);
    }

    @Override
    public synchronized RegisteredSchema register(String subject, Schema schema) {
        checkSubject(subject);
        Optional<RegisteredSchema> existing = lookup(subject, schema);
        if (existing.isPresent()) {
            return existing.get();
        }
        List<RegisteredSchema> earlier = subjects.getOrDefault(subject, List.of());
        Compatibility level = compatibility(subject);
        List<String> problems = level.problems(schema, earlier);
        if (!problems.isEmpty()) {
            throw new SchemaRegistryException(SchemaRegistryException.INCOMPATIBLE, "Schema being registered is"
                    + " incompatible with an earlier schema for subject \"" + subject + "\" (compatibility " + level
                    + "): " + String.join("; ", problems));
        }
        int id = idBySchema.getOrDefault(schema.toString(), nextId);
        int version = earlier.isEmpty() ? 1 : earlier.get(earlier.size() - 1).version() + 1;
        ObjectNode entry = JSON.createObjectNode().put("op", "register").put("subject", subject).put("version", version)
                .put("id", id).put("schema", schema.toString());
        append(entry);
        add(subject, version, id, schema);
        return latest(subject);
    }

    private RegisteredSchema latest(String subject) {
        List<RegisteredSchema> versions = subjects.get(subject);
        return versions.get(versions.size() - 1);
    }

    private static void checkSubject(String subject) {
        if (subject == null || subject.isBlank() || subject.length() > 255
                || subject.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new SchemaRegistryException(SchemaRegistryException.INVALID_SUBJECT, "subject name '" + subject
                    + "' is not valid: use 1 to 255 printable characters, e.g. <topic>-value");
        }
    }

    @Override
    public synchronized Optional<RegisteredSchema> lookup(String subject, Schema schema) {
        String canonical = schema.toString();
        for (RegisteredSchema r : subjects.getOrDefault(subject, List.of())) {
            if (r.schema().toString().equals(canonical)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized RegisteredSchema version(String subject, int version) {
        List<RegisteredSchema> versions = versionsOf(subject);
        if (version == LATEST) {
            return versions.get(versions.size() - 1);
        }
        for (RegisteredSchema r : versions) {
            if (r.version() == version) {
                return r;
            }
        }
        throw new SchemaRegistryException(SchemaRegistryException.VERSION_NOT_FOUND, "Version " + version
                + " not found for subject '" + subject + "' (its versions: " + versions(subject) + ")");
    }

    private List<RegisteredSchema> versionsOf(String subject) {
        List<RegisteredSchema> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw new SchemaRegistryException(SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject
                    + "' not found");
        }
        return versions;
    }

    @Override
    public synchronized List<Integer> versions(String subject) {
        return versionsOf(subject).stream().map(RegisteredSchema::version).toList();
    }

    @Override
    public synchronized List<String> subjects() {
        return List.copyOf(subjects.keySet());
    }

    @Override
    public synchronized List<RegisteredSchema> usesOf(int id) {
        byId(id);
        List<RegisteredSchema> uses = new ArrayList<>();
        for (List<RegisteredSchema> versions : subjects.values()) {
            for (RegisteredSchema r : versions) {
                if (r.id() == id) {
                    uses.add(r);
                }
            }
        }
        return uses;
    }

    @Override
    public synchronized Compatibility compatibility(String subject) {
        return subjectLevels.getOrDefault(subject, global);
    }

    @Override
    public synchronized Optional<Compatibility> subjectCompatibility(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    @Override
    public synchronized Compatibility globalCompatibility() {
        return global;
    }

    @Override
    public synchronized void setCompatibility(String subject, Compatibility level) {
        if (subject != null) {
            checkSubject(subject);
        }
        append(JSON.createObjectNode().put("op", "config").put("subject", subject).put("compatibility", level.name()));
        if (subject == null) {
            global = level;
        } else {
            subjectLevels.put(subject, level);
        }
    }

    @Override
    public synchronized List<String> test(String subject, int version, Schema schema) {
        List<RegisteredSchema> earlier = version == LATEST ? versionsOf(subject) : List.of(version(subject, version));
        return compatibility(subject).problems(schema, earlier);
    }

    /** Parses a schema's JSON text; error {@code 42201} naming what is wrong. */
    public static Schema parse(String text) {
        try {
            return new Schema.Parser().parse(text);
        } catch (SchemaParseException | NullPointerException e) {
            throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: "
                    + e.getMessage());
        } catch (RuntimeException e) { // Jackson's parse errors surface unchecked
            throw new SchemaRegistryException(SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: not Avro"
                    + " schema JSON (" + e.getMessage() + ")");
        }
    }

    @Override
    public synchronized void close() {
        if (log != null) {
            try {
                log.close();
            } catch (IOException e) {
                LOG.warn("closing schema registry log {}: {}", logPath, e.toString());
            }
        }
    }
}
