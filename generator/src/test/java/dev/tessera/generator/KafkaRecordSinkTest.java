package dev.tessera.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.TesseraException;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka sink and the live generator against a real in-process broker. */
class KafkaRecordSinkTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    private static EmbeddedKafka kafka;
    private static int topicSet;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    /** A fresh topic per source (3 partitions each), so the tests do not see each other's records. */
    private static Map<String, String> freshTopics() {
        int n = ++topicSet;
        Map<String, String> topics = new LinkedHashMap<>();
        Map<String, Integer> partitions = new LinkedHashMap<>();
        for (CommerceSource s : CommerceSource.values()) {
            topics.put(s.sourceName(), "t" + n + "." + s.defaultTopic());
            partitions.put("t" + n + "." + s.defaultTopic(), 3);
        }
        kafka.createTopics(partitions);
        return topics;
    }

    @Test
    void everyRecordGoesToItsSourcesTopicKeyedByAccountInOrderPerAccount() {
        Map<String, String> topics = freshTopics();
        GeneratorConfig config = GeneratorConfig.builder().seed(9).accounts(300).eventsPerSecond(10).events(4_000).build();
        GenerationStats stats;
        try (KafkaRecordSink sink = KafkaRecordSink.open(kafka.bootstrapServers(), topics)) {
            stats = new CommerceWorld(config).run(sink);
        }
        List<GeneratedRecord> expected = Collected.run(config).records;
        Map<String, List<ConsumerRecord<byte[], byte[]>>> consumed = consume(topics.values(), expected.size());

        for (CommerceSource s : CommerceSource.values()) {
            List<ConsumerRecord<byte[], byte[]>> got = consumed.get(topics.get(s.sourceName()));
            assertThat((long) got.size()).as(s.sourceName()).isEqualTo(stats.records().get(s));
            // per account, the records arrive in delivery order (one partition per key)
            Map<String, List<String>> sentByKey = new HashMap<>();
            expected.stream().filter(r -> r.source() == s)
                    .forEach(r -> sentByKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.text()));
            Map<String, List<String>> gotByKey = new HashMap<>();
            Map<String, Integer> partitionOfKey = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : got) {
                String key = new String(r.key(), StandardCharsets.UTF_8);
                gotByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(new String(r.value(), StandardCharsets.UTF_8));
                assertThat(partitionOfKey.merge(key, r.partition(), (a, b) -> a)).as("one partition per account")
                        .isEqualTo(r.partition());
            }
            assertThat(gotByKey).as(s.sourceName()).isEqualTo(sentByKey);
        }
    }

    @Test
    void liveGenerationStampsTheWallClockAndFlushesEverythingOnClose() {
        Map<String, String> topics = freshTopics();
        long before = System.currentTimeMillis();
        GenerationStats stats;
        LiveGeneration live = LiveGenerator.start(GeneratorConfig.liveBuilder().accounts(500).eventsPerSecond(400).build(),
                kafka.bootstrapServers(), topics);
        try (live) {
            awaitRecords(live, 200);
            assertThat(live.running()).isTrue();
            assertThat(live.activeKeys(2).accounts()).hasSize(2);
        } finally {
            stats = live.stats();
        }
        long after = System.currentTimeMillis();
        assertThat(live.running()).isFalse();
        assertThat(live.failure()).isNull();
        Map<String, List<ConsumerRecord<byte[], byte[]>>> consumed = consume(topics.values(), stats.totalRecords());
        assertThat(consumed.values().stream().mapToLong(List::size).sum()).isEqualTo(stats.totalRecords());
        for (List<ConsumerRecord<byte[], byte[]>> records : consumed.values()) {
            for (ConsumerRecord<byte[], byte[]> r : records) {
                var o = OutputReader.parse(r.value());
                if (o != null && o.path("event_time").isIntegralNumber()) {
                    long t = o.get("event_time").asLong();
                    if (t < after * 10) { // not a future record (those are in microseconds)
                        assertThat(t).as("stamped with the wall clock (or deliberately late)")
                                .isBetween(before - 3 * 3_600_000L, after);
                    }
                }
            }
        }
        assertThat(stats.firstEventTime()).isBetween(before, after);
        assertThat(stats.lastEventTime()).isBetween(before, after);
    }

    @Test
    void aLiveRunThroughTheCallersProducerLeavesItOpen() {
        Map<String, String> topics = freshTopics();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                KafkaRecordSink.producerSettings(kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            GeneratorConfig config = GeneratorConfig.liveBuilder().accounts(200).eventsPerSecond(2_000).events(300).build();
            LiveGeneration live = LiveGenerator.start(config, producer, topics);
            while (live.running()) {
                Thread.onSpinWait();
            }
            live.close();
            assertThat(live.stats().totalRecords()).isEqualTo(300);
            assertThat(consume(topics.values(), 300).values().stream().mapToLong(List::size).sum()).isEqualTo(300);
            assertThat(producer.partitionsFor(topics.get("payments"))).as("the producer still works").hasSize(3);
        }
    }

    @Test
    void missingTopicsAreNamedWithTheFix() {
        assertThatThrownBy(() -> KafkaRecordSink.open(kafka.bootstrapServers(), Map.of("payments", "no.such.topic")))
                .isInstanceOf(TesseraException.class)
                .hasMessage("topic no.such.topic does not exist on " + kafka.bootstrapServers() + "; create it (tessera run"
                        + " --embedded-kafka creates every source's topic), or point --bootstrap-servers at the cluster that"
                        + " has them");
        assertThatThrownBy(() -> LiveGenerator.start(GeneratorConfig.liveBuilder().build(), kafka.bootstrapServers(),
                Map.of("payments", "x")))
                .isInstanceOf(TesseraException.class)
                .hasMessageStartingWith("no topic for sources chargebacks, logins, signups; give a topic for each");
    }

    private static void awaitRecords(LiveGeneration live, long n) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (live.stats().totalRecords() < n) {
            assertThat(live.failure()).isNull();
            assertThat(System.nanoTime()).as("%d records within %s", n, WAIT).isLessThan(deadline);
            sleep(20);
        }
    }

    private static Map<String, List<ConsumerRecord<byte[], byte[]>>> consume(java.util.Collection<String> topics, long n) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, List<ConsumerRecord<byte[], byte[]>>> byTopic = new HashMap<>();
        topics.forEach(t -> byTopic.put(t, new ArrayList<>()));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String t : topics) {
                consumer.partitionsFor(t).forEach(i -> partitions.add(new TopicPartition(t, i.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long count = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (count < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    byTopic.get(r.topic()).add(r);
                    count++;
                }
            }
            // anything beyond n would be a bug too: one more short poll
            consumer.poll(Duration.ofMillis(200)).forEach(r -> byTopic.get(r.topic()).add(r));
        }
        return byTopic;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
