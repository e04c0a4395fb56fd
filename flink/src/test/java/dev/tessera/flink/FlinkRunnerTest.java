package dev.tessera.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.runtime.FeatureReader;
import dev.tessera.runtime.FeatureValues;
import dev.tessera.runtime.PaymentsWorld;
import dev.tessera.runtime.RuntimeConfig;
import dev.tessera.runtime.StoreFeatureReader;
import dev.tessera.runtime.StreamRuntime;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.InMemoryTileStore;
import dev.tessera.store.RedisServerProcess;
import dev.tessera.store.RedisTileStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Flink job on a MiniCluster, the in-process broker and a real {@code redis-server}: the runtime
 * tests' adversarial stream (out of order, late, duplicated, malformed, keyless, badly timed,
 * future, oversized, wrongly typed) gives in Redis, read by a stateless serving reader, the naive
 * oracle's values, and exactly what the embedded runtime serves from the same topic; dead letters by
 * reason equal the injected ones.
 */
class FlinkRunnerTest {
    static final int ACCOUNTS = 40;
    static final int MAX_RECORD_BYTES = 64 * 1024;

    @TempDir
    static Path tmp;
    static EmbeddedKafka kafka;
    static RedisServerProcess redis;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
        redis = RedisServerProcess.start();
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void theAdversarialStreamGivesTheOraclesAndTheEmbeddedRuntimesValues() throws Exception {
        String topic = "flink.payments";
        kafka.createTopics(Map.of(topic, PaymentsWorld.PARTITIONS, topic + ".dlq", 1));
        Path defsDir = Files.createDirectories(tmp.resolve("features"));
        Files.writeString(defsDir.resolve("payments.yaml"),
                PaymentsWorld.DEFINITIONS.replace(PaymentsWorld.TOPIC, topic) + PaymentsWorld.COMPOSITE_GROUP);
        Definitions defs = DefinitionLoader.load(defsDir);
        PaymentsWorld.Adversarial stream = PaymentsWorld.adversarial(new Random(42), System.currentTimeMillis());

        FlinkJobOptions o = options("it");
        StreamExecutionEnvironment env = FlinkJob.localEnvironment(tmp.resolve("checkpoints"), null, tmp.resolve("flink-tmp"));
        FlinkJob.build(env, DefinitionBundle.of(defsDir), o);
        RuntimeConfig config = RuntimeConfig.defaults(kafka.bootstrapServers()).withCommitInterval(Duration.ofMillis(50))
                .withDeadLetters(false); // the Flink job writes the dead-letter topic
        config = new RuntimeConfig(config.bootstrapServers(), config.commitInterval(), config.maxRecordsPerCommit(),
                config.queueCapacity(), config.maxPollRecords(), MAX_RECORD_BYTES, false, config.clock());
        JobClient job = null;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(FlinkTests.producerProps(kafka));
             RedisTileStore store = RedisTileStore.open(redis.uri(), "it:");
             StreamRuntime embedded = StreamRuntime.start(defs, defsDir, new InMemoryTileStore(), config)) {
            send(producer, topic, stream.phase1());
            job = env.executeAsync("flink-runner-test");
            StoreFeatureReader served = new StoreFeatureReader(defs, store);
            List<NaiveOracle.Ev> phase1 = stream.phase1().stream().map(PaymentsWorld.Produced::event).toList();
            // phase 1 applied everywhere: every partition's watermark is set before the late events come
            awaitOracle(served, phase1);
            embedded.awaitCaughtUp(Duration.ofSeconds(60));

            send(producer, topic, stream.phase2());
            embedded.awaitCaughtUp(Duration.ofSeconds(60));
            awaitOracle(served, stream.applied());

            FeatureReader live = embedded.reader();
            long readAt = System.currentTimeMillis();
            int found = 0;
            for (String group : live.groups()) {
                assertThat(served.newestEventTime(group)).as("newest event time written for %s", group)
                        .isEqualTo(live.newestEventTime(group));
                for (List<String> key : PaymentsWorld.keysOf(group, ACCOUNTS)) {
                    FeatureValues expected = live.read(group, key, readAt);
                    assertThat(served.read(group, key, readAt)).as("%s %s", group, key).isEqualTo(expected);
                    found += expected.found() ? 1 : 0;
                }
            }
            assertThat(found).as("entities with state").isGreaterThan(ACCOUNTS / 2 + 20);

            Map<String, Integer> deadLetters = awaitDeadLetters(topic + ".dlq", stream.injected());
            assertThat(deadLetters).isEqualTo(stream.injected());
        } finally {
            if (job != null) {
                job.cancel().get();
            }
        }
    }

    /**
     * On a real 3-master Redis Cluster (writes atomic per entity, ADR 018), a bounded run of the job
     * over payments with duplicates leaves the oracle's values, and the serving reader over the
     * cluster reads them.
     */
    @Test
    void onARedisClusterTheValuesEqualTheOracle() throws Exception {
        String topic = "cluster.payments";
        kafka.createTopics(Map.of(topic, PaymentsWorld.PARTITIONS, topic + ".dlq", 1));
        Path defsDir = Files.createDirectories(tmp.resolve("cluster-features"));
        Files.writeString(defsDir.resolve("payments.yaml"), PaymentsWorld.DEFINITIONS.replace(PaymentsWorld.TOPIC, topic));
        Definitions defs = DefinitionLoader.load(defsDir);
        long now = System.currentTimeMillis();
        Random rnd = new Random(3);
        List<PaymentsWorld.Produced> payments = PaymentsWorld.payments(rnd, 5_000, ACCOUNTS, now - 3 * 3_600_000L, now - 60_000, 0);
        List<PaymentsWorld.Produced> withDuplicates = new ArrayList<>();
        for (PaymentsWorld.Produced p : payments) {
            withDuplicates.add(p);
            if (rnd.nextInt(25) == 0) {
                withDuplicates.add(p);
            }
        }
        try (dev.tessera.store.RedisClusterProcess cluster = dev.tessera.store.RedisClusterProcess.start();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(FlinkTests.producerProps(kafka))) {
            send(producer, topic, withDuplicates);
            FlinkJobOptions o = options("cl");
            o.redis = cluster.uris();
            o.redisCluster = true;
            o.bounded = true;
            o.validate();
            StreamExecutionEnvironment env = FlinkJob.localEnvironment(tmp.resolve("cluster-checkpoints"), null,
                    tmp.resolve("cluster-tmp"));
            FlinkJob.build(env, DefinitionBundle.of(defsDir), o);
            env.execute("flink-on-redis-cluster-test");
            try (RedisTileStore store = RedisTileStore.openCluster(cluster.uris(), "cl:")) {
                List<NaiveOracle.Ev> applied = payments.stream().map(PaymentsWorld.Produced::event).toList();
                assertThat(PaymentsWorld.assertMatchesOracle(new StoreFeatureReader(defs, store), applied, ACCOUNTS))
                        .as("accounts with payments").isGreaterThan(ACCOUNTS / 2);
            }
        }
    }

    static FlinkJobOptions options(String name) {
        FlinkJobOptions o = FlinkTests.options(kafka, redis.uri(), name);
        o.maxRecordBytes = MAX_RECORD_BYTES;
        o.validate();
        return o;
    }

    /** Waits until every account's values in Redis equal the oracle's over {@code applied}; fails with the last difference. */
    static void awaitOracle(FeatureReader reader, List<NaiveOracle.Ev> applied) throws InterruptedException {
        await("the values in Redis equal the oracle's", Duration.ofSeconds(120), () -> {
            try {
                PaymentsWorld.assertMatchesOracle(reader, applied, ACCOUNTS);
                return null;
            } catch (AssertionError e) {
                return e.getMessage();
            }
        });
    }

    /** Polls {@code check} (null: done, else what is still wrong) every 250 ms until it passes or {@code timeout} ends. */
    static void await(String what, Duration timeout, Supplier<String> check) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        String wrong;
        while ((wrong = check.get()) != null) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + timeout + " waiting until " + what + "; still: " + wrong);
            }
            Thread.sleep(250);
        }
    }

    static Map<String, Integer> awaitDeadLetters(String dlq, Map<String, Integer> expected) throws InterruptedException {
        Map<String, Integer> byReason = new TreeMap<>();
        await("the dead letters arrive", Duration.ofSeconds(60), () -> {
            byReason.clear();
            byReason.putAll(deadLettersByReason(dlq));
            return byReason.equals(expected) ? null : byReason.toString();
        });
        return byReason;
    }

    static Map<String, Integer> deadLettersByReason(String dlq) {
        Map<String, Integer> byReason = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(FlinkTests.consumerProps(kafka, "dlq-reader"))) {
            TopicPartition tp = new TopicPartition(dlq, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    byReason.merge(new String(r.headers().lastHeader("tessera.reason").value(), StandardCharsets.UTF_8), 1,
                            Integer::sum);
                }
            }
        }
        return byReason;
    }

    static void send(KafkaProducer<byte[], byte[]> producer, String topic, List<PaymentsWorld.Produced> records) throws Exception {
        List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
        for (PaymentsWorld.Produced r : records) {
            acks.add(producer.send(new ProducerRecord<>(topic, r.partition(), r.key().getBytes(StandardCharsets.UTF_8), r.value())));
        }
        for (var f : acks) {
            f.get();
        }
    }
}
