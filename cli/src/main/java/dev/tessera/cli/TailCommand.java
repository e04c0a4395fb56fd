package dev.tessera.cli;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.runtime.DeadLetterRecords;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.schemas.SchemaRegistry;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tessera tail}: the last records of a source's topic (or of its dead-letter topic) as the
 * producers wrote them, each with the fields the source's features read as Tessera decodes them, so
 * a field name can be checked against real events (what {@code tessera doctor} asks for when a field
 * is absent) and a dead letter read with its reason. Reads without a consumer group: it commits
 * nothing and moves no one's offsets.
 */
@Command(name = "tail", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print the last records of a source's topic as the producers wrote them, each with the fields its"
                + " features read as Tessera decodes them (absent fields say so); --dead-letters reads <topic>.dlq with each"
                + " record's reason. Commits nothing."},
        footer = {"%nExamples:",
            "  tessera tail --source payments                  (next to a running tessera demo)",
            "  tessera tail --features examples/commerce --source payments --bootstrap-servers localhost:9092",
            "  tessera tail --source payments --bootstrap-servers localhost:9092 --dead-letters -n 3"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:printed (maybe nothing: an empty topic)", "1:bad definitions, unknown source, Kafka unreachable",
            "2:invalid command line (also: no --bootstrap-servers and no demo running)"})
final class TailCommand implements Callable<Integer> {
    private static final int MAX_SHOWN_CHARS = 2_000;

    @Mixin
    CommonOptions common;

    @Option(names = "--source", paramLabel = "SOURCE", required = true, description = "The source whose topic to read.")
    String sourceName;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "The Kafka cluster. Default: the broker of the tessera demo running with --data (and its definitions,"
                    + " unless --features is given).")
    String bootstrapServers;

    @Option(names = "-n", paramLabel = "N", defaultValue = "5", description = "How many records, the newest. Default: ${DEFAULT-VALUE}")
    int count;

    @Option(names = "--dead-letters", description = "Read the source's dead-letter topic (<topic>.dlq) instead.")
    boolean deadLetters;

    @Option(names = "--schema-registry", paramLabel = "URL", description = "The Schema Registry of avro-confluent sources.")
    String schemaRegistry;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (bootstrapServers == null) {
            DemoBroker demo = DemoBroker.running(common.data).orElse(null);
            if (demo == null) {
                err.println("no --bootstrap-servers given, and no tessera demo is running with --data " + common.data
                        + "; give the Kafka cluster: --bootstrap-servers HOST:PORT");
                return 2;
            }
            bootstrapServers = demo.bootstrapServers();
            if (!spec.commandLine().getParseResult().hasMatchedOption("--features")) {
                common.features = demo.features();
            }
        }
        Definitions defs = common.definitions(err);
        if (defs == null) {
            return 1;
        }
        if (count < 1) {
            err.println("-n must be at least 1, got " + count);
            return 2;
        }
        Source source = defs.source(sourceName).orElse(null);
        if (source == null) {
            err.println("unknown source '" + sourceName + "'; " + dev.tessera.api.ClosestNames.hint(sourceName, defs.sources().keySet(),
                    "sources"));
            return 1;
        }
        FieldLayout layout = SourceFields.layout(defs, source);
        List<String> read = new ArrayList<>();
        for (FeatureGroup g : defs.groupsOf(source)) {
            for (String f : GroupAggregator.requiredFields(g)) {
                if (!read.contains(f)) {
                    read.add(f);
                }
            }
        }
        SchemaRegistry registry = schemaRegistry == null ? null : Registries.external(schemaRegistry);
        EventDecoder decoder = EventDecoders.forSource(source, common.features, layout, EventDecoders.DEFAULT_MAX_RECORD_BYTES, registry);
        String topic = source.topic() + (deadLetters ? DeadLetterRecords.SUFFIX : "");
        List<ConsumerRecord<byte[], byte[]>> last;
        try {
            last = lastRecords(topic);
        } catch (org.apache.kafka.common.KafkaException e) {
            err.println("cannot read topic " + topic + " at " + bootstrapServers + ": " + e.getMessage()
                    + "; check --bootstrap-servers (tessera demo prints its broker as 'kafka in-process at ...')");
            return 1;
        }
        if (last == null) {
            err.println("topic " + topic + " does not exist at " + bootstrapServers + (deadLetters ? " (nothing was dead-lettered"
                    + " there yet, or the runtime did not create it)" : "; check kafka.topic of source " + source.name()));
            return 1;
        }
        if (last.isEmpty()) {
            out.println("topic " + topic + " is empty");
            out.flush();
            return 0;
        }
        out.println("the last " + last.size() + (last.size() == 1 ? " record" : " records") + " of " + topic
                + (read.isEmpty() ? "" : "; 'read:' is what the features take from each: " + String.join(", ", read)));
        for (ConsumerRecord<byte[], byte[]> r : last) {
            out.println();
            out.println("partition " + r.partition() + " offset " + r.offset() + " at " + Instant.ofEpochMilli(r.timestamp()));
            if (deadLetters) {
                String reason = header(r, "tessera.reason");
                if (reason != null) {
                    out.println("  dead-lettered: " + reason + ": " + header(r, "tessera.message") + " (from " + header(r, "tessera.topic")
                            + " partition " + header(r, "tessera.partition") + " offset " + header(r, "tessera.offset") + ")");
                }
            }
            out.println("  " + shown(r.value()));
            Decoded d = r.value() == null ? null : decoder.decode(r.value());
            if (d == null || !d.isAccepted()) {
                out.println("  does not decode: " + (d == null ? "no value (a tombstone)" : d.message()));
            } else if (!read.isEmpty()) {
                StringBuilder sb = new StringBuilder("  read:");
                for (String f : read) {
                    Object v = d.event().get(layout.requireSlot(f));
                    sb.append(' ').append(f).append('=').append(v == null ? "(absent or null)" : v instanceof String s ? "'" + s + "'" : v);
                }
                out.println(sb);
            }
        }
        out.flush();
        return 0;
    }

    /** The newest {@link #count} records of {@code topic} over all its partitions, oldest first; null when there is no such topic. */
    private List<ConsumerRecord<byte[], byte[]>> lastRecords(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            Map<String, List<PartitionInfo>> topics = c.listTopics(Duration.ofSeconds(10));
            List<PartitionInfo> parts = topics.get(topic);
            if (parts == null) {
                return null;
            }
            List<TopicPartition> tps = parts.stream().map(pi -> new TopicPartition(topic, pi.partition())).toList();
            c.assign(tps);
            Map<TopicPartition, Long> begin = c.beginningOffsets(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            for (TopicPartition tp : tps) {
                c.seek(tp, Math.max(begin.get(tp), end.get(tp) - count));
            }
            List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(got::add);
            }
            got.sort(Comparator.comparingLong((ConsumerRecord<byte[], byte[]> r) -> r.timestamp())
                    .thenComparingInt(ConsumerRecord::partition).thenComparingLong(ConsumerRecord::offset));
            return got.subList(Math.max(0, got.size() - count), got.size());
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The value as text when it is UTF-8 (cut at 2,000 characters), else its size. */
    private static String shown(byte[] value) {
        if (value == null) {
            return "(no value)";
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString();
            return s.length() > MAX_SHOWN_CHARS ? s.substring(0, MAX_SHOWN_CHARS) + "... (" + s.length() + " characters)" : s;
        } catch (CharacterCodingException e) {
            return "(" + value.length + " bytes, not text: Avro or another binary format)";
        }
    }
}
