package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.InMemoryTileStore;
import dev.tessera.store.TileStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime on a real in-process Kafka broker: a stream with out-of-order, late-beyond-grace,
 * duplicate, malformed, keyless, badly timed, oversized, wrongly typed and future events gives, for
 * every account and every served feature, the naive oracle's value over exactly the good events;
 * dead-letter counts per reason (in the counters and on the dead-letter topic) equal the injected ones.
 */
class RuntimeEndToEndTest {
    @TempDir
    static Path tmp;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void valuesEqualTheOracleAndRejectsAreCountedByReason() throws Exception {
        kafka.createTopics(Map.of(PaymentsWorld.TOPIC, PaymentsWorld.PARTITIONS, PaymentsWorld.TOPIC + ".dlq", 1));
        Path defsDir = PaymentsWorld.writeDefinitions(tmp.resolve("features"));
        Definitions defs = DefinitionLoader.load(defsDir);
        long now = System.currentTimeMillis();
        Random rnd = new Random(42);

        PaymentsWorld.Adversarial stream = PaymentsWorld.adversarial(rnd, now);
        List<PaymentsWorld.Produced> phase1 = stream.phase1();
        List<PaymentsWorld.Produced> withDuplicates = stream.phase2();
        Map<String, Integer> injected = stream.injected();
        int duplicates = stream.duplicates();
        RuntimeConfig config = RuntimeConfig.defaults(kafka.bootstrapServers()).withCommitInterval(Duration.ofMillis(50));
        config = new RuntimeConfig(config.bootstrapServers(), config.commitInterval(), config.maxRecordsPerCommit(),
                config.queueCapacity(), config.maxPollRecords(), 64 * 1024, true, config.clock());
        try (TileStore store = new InMemoryTileStore();
             KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers())) {
            send(producer, phase1);
            try (StreamRuntime rt = StreamRuntime.start(defs, defsDir, store, config)) {
                rt.awaitCaughtUp(Duration.ofSeconds(60)); // the watermark is established by phase 1
                send(producer, withDuplicates);
                rt.awaitCaughtUp(Duration.ofSeconds(60));

                Map<String, Long> counters = rt.counters("payments");
                for (var e : injected.entrySet()) {
                    assertThat(counters.get(e.getKey())).as("dead letters of reason %s", e.getKey()).isEqualTo((long) e.getValue());
                }
                assertThat(counters.get("duplicate")).isEqualTo((long) duplicates);
                long good = stream.applied().size();
                assertThat(counters.get("accepted")).isEqualTo(good);
                assertThat(counters.get("in")).isEqualTo(phase1.size() + withDuplicates.size());
                assertMatchesOracle(rt.reader(), stream.applied(), 40);
            }
            assertThat(deadLettersByReason()).isEqualTo(injected);
        }
    }

    /**
     * With a commit interval of an hour, a backlog is still committed once the input goes quiet: the
     * committed offsets reach the end, and the store (read through {@link StoreFeatureReader}, as a
     * stateless serving node reads it, not the runtime's memory) holds the oracle's values while the
     * runtime still runs. Without the quiet-input commit nothing would be committed for an hour.
     */
    @Test
    void aQuietInputIsCommittedWithoutWaitingForTheInterval() throws Exception {
        String topic = "test.quiet-payments"; // a topic of its own: the other test's records are not in it
        kafka.createTopics(Map.of(topic, PaymentsWorld.PARTITIONS));
        Path defsDir = Files.createDirectories(tmp.resolve("features-quiet"));
        Files.writeString(defsDir.resolve("payments.yaml"), PaymentsWorld.DEFINITIONS.replace(PaymentsWorld.TOPIC, topic));
        Definitions defs = DefinitionLoader.load(defsDir);
        long now = System.currentTimeMillis();
        List<PaymentsWorld.Produced> payments = PaymentsWorld.payments(new Random(7), 3_000, 30, now - 3_600_000L, now - 1_000, 0);
        RuntimeConfig config = RuntimeConfig.defaults(kafka.bootstrapServers()).withCommitInterval(Duration.ofHours(1))
                .withDeadLetters(false);
        try (TileStore store = new InMemoryTileStore();
             KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers())) {
            send(producer, payments, topic);
            try (StreamRuntime rt = StreamRuntime.start(defs, defsDir, store, config)) {
                rt.awaitCaughtUp(Duration.ofSeconds(60)); // committed offsets at the topic's end
                assertThat(rt.counters("payments").get("accepted")).isEqualTo((long) payments.size());
                List<NaiveOracle.Ev> applied = payments.stream().map(PaymentsWorld.Produced::event).toList();
                assertThat(PaymentsWorld.assertMatchesOracle(new StoreFeatureReader(defs, store), applied, 30))
                        .as("accounts with payments today, read from the committed store").isGreaterThan(15);
            }
        }
    }

    static void assertMatchesOracle(FeatureReader reader, List<NaiveOracle.Ev> applied, int accounts) {
        assertThat(reader.servedNames("account_payments")).containsExactlyElementsOf(PaymentsWorld.oracleSpecs().keySet());
        assertThat(PaymentsWorld.assertMatchesOracle(reader, applied, accounts)).as("accounts with payments today")
                .isGreaterThan(accounts / 2);
    }

    static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    static void send(KafkaProducer<String, byte[]> producer, List<PaymentsWorld.Produced> records) throws Exception {
        send(producer, records, PaymentsWorld.TOPIC);
    }

    static void send(KafkaProducer<String, byte[]> producer, List<PaymentsWorld.Produced> records, String topic) throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (PaymentsWorld.Produced r : records) {
            acks.add(producer.send(new ProducerRecord<>(topic, r.partition(), r.key(), r.value())));
        }
        for (Future<RecordMetadata> f : acks) {
            f.get();
        }
    }

    static Map<String, Integer> deadLettersByReason() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        Map<String, Integer> byReason = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(PaymentsWorld.TOPIC + ".dlq", 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    String reason = new String(r.headers().lastHeader("tessera.reason").value(), StandardCharsets.UTF_8);
                    byReason.merge(reason, 1, Integer::sum);
                }
            }
        }
        return byReason;
    }
}
