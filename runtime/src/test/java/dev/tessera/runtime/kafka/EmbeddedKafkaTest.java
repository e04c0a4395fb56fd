package dev.tessera.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.TesseraException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process broker, driven by real producers and consumers. */
class EmbeddedKafkaTest {
    @TempDir
    static Path sharedDir;

    private static EmbeddedKafka shared;

    @BeforeAll
    static void startShared() {
        shared = EmbeddedKafka.start(sharedDir.resolve("kafka"));
    }

    @AfterAll
    static void stopShared() {
        if (shared != null) {
            shared.close();
        }
    }

    /** A second broker on a running one's folder (a second tessera run on the same --data) gets one clear error. */
    @Test
    void aSecondBrokerOnTheSameFolderIsRefusedWithWhatToDo() {
        assertThatThrownBy(() -> EmbeddedKafka.start(sharedDir.resolve("kafka")))
                .isInstanceOf(TesseraException.class)
                .hasMessageContaining("another Kafka broker is using " + sharedDir.resolve("kafka").toAbsolutePath())
                .hasMessageContaining("another --data directory");
        assertThat(shared.bootstrapServers()).isNotBlank();
    }

    @Test
    void tenThousandIdempotentRecordsComeBackReadCommitted() throws Exception {
        shared.createTopics(Map.of("payments", 4, "logins", 2));
        shared.createTopics(Map.of("payments", 4)); // existing topics are fine

        try (KafkaProducer<String, String> producer = producer(shared, Map.of())) {
            for (int i = 0; i < 10_000; i++) {
                producer.send(new ProducerRecord<>("payments", "k" + (i % 97), "v" + i));
            }
            producer.flush();
        }

        List<ConsumerRecord<String, String>> records = readAll(shared, "payments", "read_committed", 10_000);
        assertThat(records).hasSize(10_000);
        Set<String> values = new HashSet<>();
        records.forEach(r -> values.add(r.value()));
        assertThat(values).hasSize(10_000).contains("v0", "v9999");
        assertThat(partitionsOf(shared, "payments")).isEqualTo(4);
        assertThat(partitionsOf(shared, "logins")).isEqualTo(2);
    }

    @Test
    void abortedTransactionsAreInvisibleToReadCommitted() throws Exception {
        shared.createTopics(Map.of("tx", 3));
        try (KafkaProducer<String, String> producer = producer(shared,
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tessera-test-tx"))) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>("tx", "k" + i, "committed-" + i));
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>("tx", "k" + i, "aborted-" + i));
            }
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("tx", "k" + i, "after-" + i));
            }
            producer.commitTransaction();
        }

        List<ConsumerRecord<String, String>> committed = readAll(shared, "tx", "read_committed", 110);
        assertThat(committed).hasSize(110);
        assertThat(committed).noneMatch(r -> r.value().startsWith("aborted-"));
        // the aborted records were written: read_uncommitted sees them
        List<ConsumerRecord<String, String>> uncommitted = readAll(shared, "tx", "read_uncommitted", 160);
        assertThat(uncommitted).hasSize(160).anyMatch(r -> r.value().startsWith("aborted-"));
    }

    @Test
    void restartOverTheSameLogDirKeepsTopicsAndRecords(@TempDir Path dir) throws Exception {
        Path logDir = dir.resolve("kafka");
        try (EmbeddedKafka first = EmbeddedKafka.start(logDir)) {
            first.createTopics(Map.of("kept", 2));
            try (KafkaProducer<String, String> producer = producer(first, Map.of())) {
                for (int i = 0; i < 1_000; i++) {
                    producer.send(new ProducerRecord<>("kept", "k" + i, "v" + i));
                }
            }
            first.close(); // close is idempotent: try-with-resources closes again
        }
        try (EmbeddedKafka second = EmbeddedKafka.start(logDir)) {
            second.createTopics(Map.of("kept", 2));
            assertThat(partitionsOf(second, "kept")).isEqualTo(2);
            List<ConsumerRecord<String, String>> records = readAll(second, "kept", "read_committed", 1_000);
            assertThat(records).hasSize(1_000);
        }
        assertThat(logDir.resolve("meta.properties")).exists();
    }

    @Test
    void twoInstancesRunSideBySideOnTheirOwnDirectoriesAndPorts(@TempDir Path dir) throws Exception {
        int fixedPort = freePort();
        try (EmbeddedKafka a = EmbeddedKafka.start(dir.resolve("a"));
                EmbeddedKafka b = EmbeddedKafka.start(dir.resolve("b"), fixedPort)) {
            assertThat(b.bootstrapServers()).isEqualTo("localhost:" + fixedPort);
            assertThat(a.bootstrapServers()).isNotEqualTo(b.bootstrapServers());
            a.createTopics(Map.of("only-a", 1));
            b.createTopics(Map.of("only-b", 1));
            try (KafkaProducer<String, String> pa = producer(a, Map.of());
                    KafkaProducer<String, String> pb = producer(b, Map.of())) {
                pa.send(new ProducerRecord<>("only-a", "k", "from-a")).get();
                pb.send(new ProducerRecord<>("only-b", "k", "from-b")).get();
            }
            assertThat(topics(a)).contains("only-a").doesNotContain("only-b");
            assertThat(topics(b)).contains("only-b").doesNotContain("only-a");
            assertThat(readAll(a, "only-a", "read_committed", 1)).extracting(ConsumerRecord::value)
                    .containsExactly("from-a");
            assertThat(readAll(b, "only-b", "read_committed", 1)).extracting(ConsumerRecord::value)
                    .containsExactly("from-b");
        }
    }

    @Test
    void aFixedPortInUseIsReportedWithTheFix(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> EmbeddedKafka.start(dir, taken.getLocalPort()))
                    .isInstanceOf(TesseraException.class)
                    .hasMessageContaining("port " + taken.getLocalPort() + " is in use")
                    .hasMessageContaining("pass 0 to pick a free port");
        }
    }

    @Test
    void topicsNeedAtLeastOnePartition() {
        assertThatThrownBy(() -> shared.createTopics(Map.of("empty", 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("topic 'empty' needs at least 1 partition, got 0");
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafka kafka, Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5));
        config.putAll(extra);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    /** Reads every partition of {@code topic} from the beginning until {@code expected} records arrived. */
    private static List<ConsumerRecord<String, String>> readAll(EmbeddedKafka kafka, String topic, String isolation,
            int expected) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // a safety stop for a broken broker, not a timing assertion: the count is what is checked
            long stopAt = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            int emptyPollsAfterExpected = 0;
            while (System.nanoTime() < stopAt && emptyPollsAfterExpected < 2) {
                int before = out.size();
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                if (out.size() >= expected && out.size() == before) {
                    emptyPollsAfterExpected++;
                }
            }
        }
        return out;
    }

    private static int partitionsOf(EmbeddedKafka kafka, String topic) throws ExecutionException, InterruptedException {
        try (Admin admin = admin(kafka)) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        }
    }

    private static Set<String> topics(EmbeddedKafka kafka) throws ExecutionException, InterruptedException {
        try (Admin admin = admin(kafka)) {
            return admin.listTopics().names().get();
        }
    }

    private static Admin admin(EmbeddedKafka kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
