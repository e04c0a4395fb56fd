package dev.tessera.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tessera.inference.Experiment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Guardrail rollbacks that outlive the process: a variant rolled back stays with control after a
 * restart, until the experiment changes (another name or salt, or the variant another version).
 * Kept in one small JSON file, replaced atomically (write, then rename) at each rollback; in memory
 * only for {@link #inMemory()}.
 */
public final class ExperimentStates {
    private final Path file;
    private final Map<String, LiveExperiment.Rollback> rollbacks = new HashMap<>();
    private final ObjectMapper json = new ObjectMapper();

    private ExperimentStates(Path file) {
        this.file = file;
        if (file != null && Files.isRegularFile(file)) {
            try {
                JsonNode root = json.readTree(file.toFile());
                root.fields().forEachRemaining(e -> rollbacks.put(e.getKey(),
                        new LiveExperiment.Rollback(e.getValue().path("reason").asText(), e.getValue().path("at").asLong())));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the experiment state " + file + ": " + e.getMessage()
                        + " (delete it to start every experiment afresh)", e);
            }
        }
    }

    public static ExperimentStates inMemory() {
        return new ExperimentStates(null);
    }

    /** Kept in {@code file} (created with its folder at the first rollback). */
    public static ExperimentStates file(Path file) {
        return new ExperimentStates(file);
    }

    private static String key(Experiment x, String variant) {
        int version = x.variants().stream().filter(v -> v.name().equals(variant)).findFirst().map(Experiment.Variant::version).orElse(0);
        return x.name() + "/" + x.salt() + "/" + variant + "/v" + version;
    }

    synchronized LiveExperiment.Rollback rollback(Experiment x, String variant) {
        return rollbacks.get(key(x, variant));
    }

    synchronized void saveRollback(Experiment x, String variant, LiveExperiment.Rollback r) {
        rollbacks.put(key(x, variant), r);
        if (file == null) {
            return;
        }
        ObjectNode root = json.createObjectNode();
        rollbacks.forEach((k, v) -> root.putObject(k).put("reason", v.reason()).put("at", v.at()));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the experiment state " + file + ": " + e.getMessage(), e);
        }
    }
}
