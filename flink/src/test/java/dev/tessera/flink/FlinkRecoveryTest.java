package dev.tessera.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.runtime.PaymentsWorld;
import dev.tessera.runtime.StoreFeatureReader;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.RedisServerProcess;
import dev.tessera.store.RedisTileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Flink job through failures, on the in-process broker and a real {@code redis-server}:
 * <ul>
 *   <li>the job's JVM ({@code FlinkJob --local}, a child process) is killed with SIGKILL mid-stream,
 *       after some checkpoints, while events keep arriving; started again, it resumes from its newest
 *       checkpoint, and the values in Redis equal the naive oracle over every good event, once;</li>
 *   <li>Redis is killed while the job writes and started again later (append-only file on): the job
 *       retries, loses nothing, and the values equal the oracle.</li>
 * </ul>
 */
class FlinkRecoveryTest {
    @TempDir
    static Path tmp;
    static EmbeddedKafka kafka;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Definitions definitions(String topic, Path dir) throws Exception {
        kafka.createTopics(Map.of(topic, PaymentsWorld.PARTITIONS, topic + ".dlq", 1));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("payments.yaml"), PaymentsWorld.DEFINITIONS.replace(PaymentsWorld.TOPIC, topic));
        return DefinitionLoader.load(dir);
    }

    /** Good payments of two phases, three hours ago to one hour ago and from there to a minute ago. */
    private record Phases(List<PaymentsWorld.Produced> first, List<PaymentsWorld.Produced> second) {
        static Phases of(Random rnd, int first, int second) {
            long now = System.currentTimeMillis();
            long start = now - 3 * 3_600_000L;
            return new Phases(PaymentsWorld.payments(rnd, first, FlinkRunnerTest.ACCOUNTS, start, start + 3_600_000L, 0),
                    PaymentsWorld.payments(rnd, second, FlinkRunnerTest.ACCOUNTS, start + 3_600_000L, now - 60_000, 100_000));
        }

        static List<NaiveOracle.Ev> events(List<PaymentsWorld.Produced> produced) {
            return new ArrayList<>(produced.stream().map(PaymentsWorld.Produced::event).toList());
        }
    }

    /** Topic {@code <name>.payments}, its definitions in {@code <name>-features}, and two phases of payments. */
    private record Setup(String topic, Path defsDir, Definitions defs, Random rnd, Phases phases) {
        List<PaymentsWorld.Produced> first() {
            return phases.first();
        }

        List<PaymentsWorld.Produced> second() {
            return phases.second();
        }

        static Setup of(String name, long seed, int first, int second) throws Exception {
            String topic = name + ".payments";
            Path defsDir = tmp.resolve(name + "-features");
            Definitions defs = definitions(topic, defsDir);
            Random rnd = new Random(seed);
            return new Setup(topic, defsDir, defs, rnd, Phases.of(rnd, first, second));
        }
    }

    /** Good payments with exact re-sends (duplicates), and the events the oracle sees. */
    private static List<PaymentsWorld.Produced> withDuplicates(List<PaymentsWorld.Produced> good, Random rnd) {
        List<PaymentsWorld.Produced> out = new ArrayList<>();
        for (PaymentsWorld.Produced p : good) {
            out.add(p);
            if (rnd.nextInt(30) == 0) {
                out.add(p);
            }
        }
        return out;
    }

    @Test
    @org.junit.jupiter.api.Tag("reliability")
    void killedWithSigkillMidStreamAndRestoredFromItsCheckpointTheValuesEqualTheOracle() throws Exception {
        Setup setup = Setup.of("crash", 11, 4_000, 6_000);
        List<NaiveOracle.Ev> applied = Phases.events(setup.first());
        applied.addAll(Phases.events(setup.second()));
        Path checkpoints = tmp.resolve("crash-checkpoints");
        try (RedisServerProcess redis = RedisServerProcess.start();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(FlinkTests.producerProps(kafka));
             RedisTileStore store = RedisTileStore.open(redis.uri(), "crash:")) {
            StoreFeatureReader served = new StoreFeatureReader(setup.defs(), store);
            FlinkRunnerTest.send(producer, setup.topic(), withDuplicates(setup.first(), setup.rnd()));
            Process job = startJob(setup.defsDir(), redis, checkpoints, "first");
            List<PaymentsWorld.Produced> rest = withDuplicates(setup.second(), setup.rnd());
            int sent = 0;
            try {
                FlinkRunnerTest.await("the first checkpoint completes", Duration.ofSeconds(120),
                        () -> FlinkJob.latestCheckpoint(checkpoints).isPresent() ? null : "no checkpoint in " + checkpoints);
                // keep producing while checkpoints complete; kill the job in the middle of it
                Path before = FlinkJob.latestCheckpoint(checkpoints).orElseThrow();
                int chunk = rest.size() / 10;
                for (; sent < rest.size() / 2; sent += chunk) {
                    FlinkRunnerTest.send(producer, setup.topic(), rest.subList(sent, Math.min(rest.size(), sent + chunk)));
                    Thread.sleep(300);
                }
                FlinkRunnerTest.await("a checkpoint taken after the first one", Duration.ofSeconds(60),
                        () -> FlinkJob.latestCheckpoint(checkpoints).filter(c -> !c.equals(before)).isPresent() ? null : "still " + before);
            } finally {
                job.destroyForcibly(); // SIGKILL: nothing is flushed, closed or committed
                job.waitFor();
            }
            Optional<Path> resumeFrom = FlinkJob.latestCheckpoint(checkpoints);
            assertThat(resumeFrom).as("a checkpoint to resume from").isPresent();
            FlinkRunnerTest.send(producer, setup.topic(), rest.subList(sent, rest.size()));
            Process again = startJob(setup.defsDir(), redis, checkpoints, "second");
            try {
                FlinkRunnerTest.awaitOracle(served, applied);
            } finally {
                again.destroyForcibly();
                again.waitFor();
            }
            assertThat(Files.readString(tmp.resolve("job-second.log"))).contains("resuming from checkpoint " + resumeFrom.get());
        }
    }

    private static Process startJob(Path defsDir, RedisServerProcess redis, Path checkpoints, String name) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Djava.io.tmpdir=" + tmp, "-Dorg.slf4j.simpleLogger.log.dev.tessera=info", "-cp", System.getProperty("java.class.path"), FlinkJob.class.getName(), "--local",
                "--features", defsDir.toString(), "--bootstrap-servers", kafka.bootstrapServers(), "--redis", redis.uri(),
                "--redis-namespace", "crash:", "--consumer-group", "crash", "--checkpoint-dir", checkpoints.toString(),
                "--checkpoint-interval", "500ms", "--parallelism", "2");
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("job-" + name + ".log").toFile()).start();
    }

    @Test
    @org.junit.jupiter.api.Tag("reliability")
    void redisGoesDownWhileTheJobWritesTheJobRetriesAndLosesNothing() throws Exception {
        Setup setup = Setup.of("outage", 5, 3_000, 3_000);
        List<NaiveOracle.Ev> applied = Phases.events(setup.first());
        try (RedisServerProcess redis = RedisServerProcess.start(List.of("--appendonly", "yes", "--appendfsync", "always"));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(FlinkTests.producerProps(kafka))) {
            FlinkJobOptions o = new FlinkJobOptions();
            o.bootstrapServers = kafka.bootstrapServers();
            o.redis = List.of(redis.uri());
            o.redisNamespace = "outage:";
            o.consumerGroup = "outage";
            o.checkpointInterval = "1s";
            o.parallelism = 2;
            StreamExecutionEnvironment env = FlinkJob.localEnvironment(tmp.resolve("outage-checkpoints"), null,
                    tmp.resolve("outage-tmp"));
            FlinkJob.build(env, DefinitionBundle.of(setup.defsDir()), o);
            JobClient job = env.executeAsync("redis-outage-test");
            try {
                FlinkRunnerTest.send(producer, setup.topic(), withDuplicates(setup.first(), setup.rnd()));
                try (RedisTileStore store = RedisTileStore.open(redis.uri(), "outage:")) {
                    FlinkRunnerTest.awaitOracle(new StoreFeatureReader(setup.defs(), store), applied);
                }
                redis.kill();
                FlinkRunnerTest.send(producer, setup.topic(), withDuplicates(setup.second(), setup.rnd())); // applied while Redis is down
                applied.addAll(Phases.events(setup.second()));
                Thread.sleep(3_000); // several flush intervals and checkpoints fail to reach Redis meanwhile
                assertThat(job.getJobStatus().get().isTerminalState()).as("the job is still running").isFalse();
                redis.restart();
                try (RedisTileStore store = RedisTileStore.open(redis.uri(), "outage:")) {
                    FlinkRunnerTest.awaitOracle(new StoreFeatureReader(setup.defs(), store), applied);
                }
            } finally {
                job.cancel().get();
            }
        }
    }
}
