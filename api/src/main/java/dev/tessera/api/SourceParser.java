package dev.tessera.api;

import dev.tessera.api.YamlMapping.Scalar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** {@code kind: Source}: a Kafka topic, its encoding, and the time rules of SPEC §3. */
final class SourceParser {
    static final List<String> FIELDS = List.of("kind", "name", "kafka", "format", "schema", "fields", "timestamp", "id",
            "lateness", "idle_timeout", "dedup_horizon", "max_clock_skew", "expect", "alerts", "description", "owner", "tags");
    static final List<String> KAFKA_FIELDS = List.of("topic");
    /** Kafka's own rule for topic names. */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final TimeSpan MIN_DEDUP_HORIZON = TimeSpan.parse("1h");

    private SourceParser() {
    }

    static void parse(YamlMapping m, DefinitionSet set) {
        Problems problems = set.problems;
        int mark = problems.count();
        String name = set.declare(m, DefinitionKind.SOURCE);
        m.checkFields(FIELDS);
        String topic = topic(m, name);
        SourceFormat format = format(m);
        String schema = schema(m, set, format, name);
        Map<String, FieldType> fields = fields(m, format);
        Scalar timestamp = m.has("timestamp") ? m.fieldName("timestamp")
                : m.required("timestamp", "add timestamp: <field>, the event-time field (epoch millis or ISO-8601"
                        + " string), e.g. timestamp: event_time");
        Scalar id = m.fieldName("id");
        TimeSpan lateness = orDefault(m, "lateness", Source.DEFAULT_LATENESS);
        TimeSpan idleTimeout = orDefault(m, "idle_timeout", Source.DEFAULT_IDLE_TIMEOUT);
        TimeSpan maxClockSkew = orDefault(m, "max_clock_skew", Source.DEFAULT_MAX_CLOCK_SKEW);
        TimeSpan dedupHorizon = null;
        if (lateness != null) {
            TimeSpan byDefault = lateness.compareTo(MIN_DEDUP_HORIZON) > 0 ? lateness : MIN_DEDUP_HORIZON;
            dedupHorizon = orDefault(m, "dedup_horizon", byDefault);
            if (dedupHorizon != null && dedupHorizon.compareTo(lateness) < 0) {
                problems.add(m.at("dedup_horizon"), "dedup_horizon " + dedupHorizon + " of " + m.subject()
                        + " is shorter than its lateness " + lateness, "set dedup_horizon to at least " + lateness
                        + " (a late event accepted after its id was forgotten would count twice), or remove it"
                        + " for the default, the larger of lateness and 1h");
            }
        }
        Map<String, Expectation> expectations = ExpectationParser.sourceFields(m);
        AlertThresholds alerts = ExpectationParser.alerts(m);
        Meta meta = m.meta();
        if (!problems.addedSince(mark)) {
            set.sources.put(name, new Source(name, topic, format, schema, fields, timestamp.value(),
                    id == null ? null : id.value(), lateness, idleTimeout, dedupHorizon, maxClockSkew, meta,
                    expectations, alerts));
        }
    }

    private static String topic(YamlMapping m, String name) {
        String example = "{ topic: commerce." + (name == null ? "events" : name) + " }";
        if (!m.has("kafka")) {
            m.problems().add(m.location(), m.subject() + " has no kafka topic", "add kafka: " + example);
            return null;
        }
        YamlMapping kafka = m.mapping("kafka", "kafka: " + example);
        if (kafka == null) {
            return null;
        }
        kafka.describeAs("kafka of " + m.subject());
        kafka.checkFields(KAFKA_FIELDS);
        Scalar topic = kafka.required("topic", "add topic: <topic name>, e.g. kafka: " + example);
        if (topic != null && !TOPIC.matcher(topic.value()).matches()) {
            m.problems().add(topic.at(), "'" + topic.value() + "' is not a valid Kafka topic name in " + m.subject(),
                    "topic names use only letters, digits, '.', '_' and '-', at most 249 characters");
            return null;
        }
        return topic == null ? null : topic.value();
    }

    private static SourceFormat format(YamlMapping m) {
        Scalar format = m.scalar("format");
        if (format == null) {
            return SourceFormat.JSON;
        }
        SourceFormat f = SourceFormat.fromYaml(format.value()).orElse(null);
        if (f == null) {
            m.problems().add(format.at(), "unknown format '" + format.value() + "' in " + m.subject(),
                    ClosestNames.hint(format.value(), SourceFormat.yamlNames(), "formats")
                            + " (avro: plain Avro binary of the schema file; avro-confluent: the Confluent wire"
                            + " format, with writer schemas from the schema registry)");
        }
        return f;
    }

    /** The declared fields of a JSON source ({@code fields: {amount: double, ...}}); empty when absent. */
    private static Map<String, FieldType> fields(YamlMapping m, SourceFormat format) {
        Map<String, FieldType> fields = new LinkedHashMap<>();
        if (!m.has("fields")) {
            return fields;
        }
        String example = "fields: { amount: double, status: string, account_id: string }";
        if (format != null && format.avro()) {
            m.problems().add(m.at("fields"), m.subject() + " is " + format.yamlName() + " and declares fields",
                    "an Avro source's fields and types come from its schema file; remove fields:");
            return fields;
        }
        YamlMapping declared = m.mapping("fields", example);
        if (declared == null) {
            return fields;
        }
        declared.describeAs("fields of " + m.subject());
        for (Map.Entry<Scalar, Scalar> e : declared.scalarEntries("<field>: <type>, e.g. " + example)) {
            Scalar name = e.getKey();
            Scalar type = e.getValue();
            boolean validName = declared.validField(name, "fields");
            FieldType t = FieldType.fromYaml(type.value()).orElse(null);
            if (t == null) {
                m.problems().add(type.at(), "unknown type '" + type.value() + "' for field '" + name.value() + "' in "
                        + m.subject(), typeHint(type.value()));
            } else if (validName) {
                fields.put(name.value(), t);
            }
        }
        return fields;
    }

    private static String typeHint(String wrong) {
        String w = wrong.toLowerCase(Locale.ROOT);
        if (w.startsWith("int") || w.equals("bigint") || w.equals("timestamp")) {
            return "write long (whole numbers; epoch millis for times)";
        }
        if (w.equals("float") || w.equals("number") || w.equals("decimal") || w.equals("real")) {
            return "write double";
        }
        if (w.equals("bool")) {
            return "write boolean";
        }
        if (w.equals("str") || w.equals("text") || w.equals("varchar")) {
            return "write string";
        }
        return ClosestNames.hint(wrong, FieldType.yamlNames(), "types");
    }

    /** The schema path if given and valid; an Avro source must have one. */
    private static String schema(YamlMapping m, DefinitionSet set, SourceFormat format, String name) {
        Scalar schema = m.scalar("schema");
        if (schema == null) {
            if (format != null && format.avro() && !m.has("schema")) {
                m.problems().add(m.location(), format.yamlName() + " " + m.subject() + " has no schema",
                        "add schema: schemas/" + (name == null ? "events" : name) + ".avsc, the Avro schema file"
                                + " (path relative to the definitions folder"
                                + (format == SourceFormat.AVRO_CONFLUENT ? "; the schema events are read with and the"
                                + " definitions are checked against, whatever compatible version producers write"
                                : "") + "), or use format: json");
            }
            return null;
        }
        Path root = set.dir.toAbsolutePath().normalize();
        Path file = root.resolve(schema.value()).normalize();
        if (!file.startsWith(root)) {
            m.problems().add(schema.at(), "schema path '" + schema.value() + "' of " + m.subject()
                    + " leads outside the definitions folder", "keep schema files inside the definitions folder"
                    + " (so they are versioned with the definitions) and give the path relative to it");
            return null;
        }
        if (!Files.isRegularFile(file)) {
            List<String> existing = schemaFiles(root);
            m.problems().add(schema.at(), "schema file '" + schema.value() + "' of " + m.subject()
                            + " does not exist",
                    "schema paths are relative to the definitions folder; "
                            + (existing.isEmpty() ? "it holds no .avsc files"
                            : ClosestNames.hint(schema.value(), existing, ".avsc files there")));
            return null;
        }
        String relative = DefinitionFiles.relative(root, file);
        set.schemaFiles.add(relative);
        return relative;
    }

    private static List<String> schemaFiles(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(".avsc")).map(p -> DefinitionFiles.relative(root, p))
                    .sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static TimeSpan orDefault(YamlMapping m, String key, TimeSpan byDefault) {
        return m.has(key) ? m.duration(key) : byDefault;
    }
}
