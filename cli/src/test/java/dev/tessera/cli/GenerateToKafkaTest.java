package dev.tessera.cli;

import static dev.tessera.cli.GenerateCommandTest.EXAMPLES;
import static dev.tessera.cli.GenerateCommandTest.SOURCES;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.runtime.kafka.EmbeddedKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tessera generate --bootstrap-servers} against one in-process broker. */
class GenerateToKafkaTest {
    @TempDir
    static Path tmp;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    private static CommandLineTest.Run tessera(String... args) {
        return CommandLineTest.tessera(args);
    }

    @Test
    void producesToTheTopicsOfTheDefinitions() {
        Map<String, Integer> topics = new LinkedHashMap<>();
        SOURCES.forEach(s -> topics.put("commerce." + s, 2));
        kafka.createTopics(topics);
        CommandLineTest.Run run = tessera("generate", "--features", EXAMPLES.toString(), "--bootstrap-servers",
                kafka.bootstrapServers(), "--events", "2500", "--chargeback-delay", "1m..10m");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("produced to " + kafka.bootstrapServers() + ": 2,500 events")
                .containsPattern("(?m)^  payments +[0-9,]+  commerce\\.payments$");
        for (String source : SOURCES) {
            assertThat(count(kafka, "commerce." + source)).as(source).isEqualTo(GenerateCommandTest.printed(run, source));
        }
    }

    /** A live run's stalled source: the summary counts what reached the topic, and says how much more was held back. */
    @Test
    void aStalledSourceIsCountedAsProducedNotAsGenerated() {
        kafka.createTopics(Map.of("commerce.payments", 2));
        long before = count(kafka, "commerce.payments");
        CommandLineTest.Run run = tessera("generate", "--features", EXAMPLES.toString(), "--bootstrap-servers", kafka.bootstrapServers(),
                "--source", "payments", "--live", "--rate", "400", "--duration", "4s", "--stall", "payments@2s", "--no-progress");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("stalled payments: its events are no longer produced")
                .containsPattern("(?m)^  payments +[0-9,]+  commerce\\.payments \\([0-9,]+ more not produced: stalled\\)$");
        assertThat(count(kafka, "commerce.payments") - before).isEqualTo(GenerateCommandTest.printed(run, "payments"));
    }

    /** Two live runs without --seed make two worlds: the second's ids are new, not the first's again (dropped as duplicates). */
    @Test
    void liveRunsWithoutASeedProduceNewIds() throws IOException {
        Path defs = paymentsOnly("ids-defs", "ids.payments");
        kafka.createTopics(Map.of("ids.payments", 2));
        for (int run = 0; run < 2; run++) {
            long records = count(kafka, "ids.payments");
            long ids = paymentIds(kafka, "ids.payments").size();
            CommandLineTest.Run r = tessera("generate", "--features", defs.toString(), "--bootstrap-servers", kafka.bootstrapServers(),
                    "--source", "payments", "--live", "--rate", "300", "--duration", "2s", "--no-disorder", "--no-progress");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).containsPattern("events/s on the wall clock, seed [0-9]+ ");
            long added = count(kafka, "ids.payments") - records;
            assertThat(added).isPositive();
            assertThat(paymentIds(kafka, "ids.payments").size() - ids).as("run %d: every new record a new id", run).isEqualTo(added);
        }
    }

    private static java.util.Set<String> paymentIds(EmbeddedKafka kafka, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        java.util.Set<String> ids = new java.util.HashSet<>();
        java.util.regex.Pattern id = java.util.regex.Pattern.compile("\"payment_id\":\"([^\"]+)\"");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(rec -> {
                    java.util.regex.Matcher m = id.matcher(new String(rec.value(), java.nio.charset.StandardCharsets.UTF_8));
                    if (m.find()) {
                        ids.add(m.group(1));
                    }
                });
            }
        }
        return ids;
    }

    @Test
    void aMissingTopicIsAnErrorThatSaysWhatToDo() throws IOException {
        Path defs = paymentsOnly("defs", "missing.payments");
        CommandLineTest.Run run = tessera("generate", "--features", defs.toString(), "--bootstrap-servers",
                kafka.bootstrapServers(), "--source", "payments", "--events", "10");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("error: topic missing.payments does not exist on " + kafka.bootstrapServers()
                + "; create it (tessera run --embedded-kafka creates every source's topic), or point"
                + " --bootstrap-servers at the cluster that has them" + System.lineSeparator());
    }

    @Test
    void sourcesTheDefinitionsLackAreNamedWithTheFix() throws IOException {
        Path defs = paymentsOnly("payments-only", "commerce.payments");
        CommandLineTest.Run run = tessera("generate", "--features", defs.toString(), "--bootstrap-servers",
                kafka.bootstrapServers(), "--events", "10");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: the definitions in " + defs + " have no source 'logins', so it has no topic;"
                + " add it (see examples/commerce/sources.yaml), or generate only the sources they define: --source payments");
    }

    /** Definitions in {@code tmp/<dir>} of one JSON source, payments, on {@code topic}. */
    private static Path paymentsOnly(String dir, String topic) throws IOException {
        Path defs = Files.createDirectories(tmp.resolve(dir));
        Files.writeString(defs.resolve("payments.yaml"), """
                kind: Source
                name: payments
                kafka: { topic: %s }
                format: json
                timestamp: event_time
                id: payment_id
                """.formatted(topic));
        return defs;
    }

    private static long count(EmbeddedKafka kafka, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            return c.endOffsets(parts, Duration.ofSeconds(30)).values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
