package dev.tessera.bench.e2e;

import dev.tessera.flink.DefinitionBundle;
import dev.tessera.flink.FlinkJob;
import dev.tessera.flink.FlinkJobOptions;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.runtime.RuntimeConfig;
import dev.tessera.runtime.StoreFeatureReader;
import dev.tessera.runtime.StreamRuntime;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * One measured Flink job of {@link FlinkThroughputBench}, alone in its JVM: the Tessera Flink job
 * ({@code --job tessera}) or the hand-written Flink SQL baseline ({@code --job sql},
 * {@link HopSqlBaseline}), on a MiniCluster, reading the broker of the parent process.
 *
 * <p>Why a JVM of its own: the process CPU it measures is then the job's alone (not the broker's,
 * the producer's or the Redis poller's), and neither job runs on code the other one warmed up.
 * Bounded ({@code --bounded true}): runs to the end offsets, then writes wall time and process CPU
 * from the job's start (status RUNNING; the MiniCluster's own start is not counted) to its end,
 * Flink's net runtime and GC time to {@code --result} (a properties file). Unbounded: runs until its
 * standard input closes (the parent is done, or died), then cancels the job.
 *
 * <p>Warm-up ({@code --warmup-topic T --warmup-features DIR --warmup-done FILE}): first the same
 * job, bounded, over topic {@code T} (definitions {@code DIR} read it) into namespace
 * {@code warmup-<namespace>}, its figures written with the prefix {@code warmup_}; then
 * {@code FILE} is written (the parent samples the Redis server's CPU there) and the measured job
 * runs on code the JIT compiler has already compiled, as Nexmark measures after a warm-up phase.
 */
public final class FlinkBenchJob {
    private FlinkBenchJob() {}

    public static void main(String[] args) throws Exception {
        String job = Args.string(args, "--job", "tessera");
        Path work = Path.of(Args.required(args, "--work"));
        boolean bounded = Boolean.parseBoolean(Args.string(args, "--bounded", "true"));
        String namespace = Args.string(args, "--namespace", "fbench:");
        String consumerGroup = Args.string(args, "--consumer-group", "fbench-" + job);
        StringBuilder out = new StringBuilder();
        String warmupTopic = Args.string(args, "--warmup-topic", null);
        if (warmupTopic != null) {
            // the same job over other events first, in this JVM: the measured one runs on warmed-up code (as Nexmark measures)
            Measured warm = run(args, job, work.resolve("warmup"), true, Path.of(Args.required(args, "--warmup-features")), warmupTopic,
                    "warmup-" + namespace, consumerGroup + "-warmup");
            out.append(warm.properties("warmup_"));
            Files.writeString(Path.of(Args.required(args, "--warmup-done")), "done\n");
        }
        Measured m = run(args, job, work, bounded, Path.of(Args.required(args, "--features")), Args.required(args, "--topic"), namespace,
                consumerGroup);
        if (!bounded) {
            return;
        }
        out.append(m.properties(""));
        Files.writeString(Path.of(Args.required(args, "--result")), out.toString());
        System.exit(0); // the MiniCluster's non-daemon threads would keep the JVM alive a while
    }

    /** One job's figures, from its start (status RUNNING) to its end. */
    private record Measured(long wallMs, long cpuMs, long netRuntimeMs, long gcMs, String threads, String extra) {
        String properties(String prefix) {
            return prefix + "wall_ms=" + wallMs + "\n" + prefix + "cpu_ms=" + cpuMs + "\n" + prefix + "net_runtime_ms=" + netRuntimeMs
                    + "\n" + prefix + "gc_ms=" + gcMs + "\n" + prefix + "threads=" + threads + "\n" + prefix + "peak_rss_mb="
                    + peakRssMb() + "\n" + (prefix.isEmpty() ? extra : "");
        }
    }

    /** The process's peak resident memory so far (VmHWM), in MB; -1 where /proc is missing. */
    static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    /**
     * Builds and runs one job on a MiniCluster of its own; bounded: waits for its end and returns its
     * figures; unbounded: runs until standard input closes (the parent is done, or died), cancels it
     * and returns null.
     */
    private static Measured run(String[] args, String job, Path work, boolean bounded, Path features, String topic, String namespace,
                                String consumerGroup) throws Exception {
        if (job.equals("embedded")) {
            return runEmbedded(args, work, features);
        }
        int parallelism = Args.integer(args, "--parallelism", 1);
        String bootstrap = Args.required(args, "--bootstrap");
        StreamExecutionEnvironment env = FlinkJob.localEnvironment(work.resolve("checkpoints"), null, work.resolve("flink-tmp"));
        if (bounded) {
            // Checkpoints run as in production while the input lasts, but at its end the tasks do not
            // wait for one more checkpoint (up to an interval, 10 s) before they finish: that wait
            // is not work, and would be most of a short run's time.
            Configuration noFinalCheckpoint = new Configuration();
            noFinalCheckpoint.set(CheckpointingOptions.ENABLE_CHECKPOINTS_AFTER_TASKS_FINISH, false);
            env.configure(noFinalCheckpoint);
        }
        FlinkJobOptions o = new FlinkJobOptions();
        o.features = features;
        o.bootstrapServers = bootstrap;
        o.redis = List.of(Args.string(args, "--redis", "redis://127.0.0.1:6379"));
        o.redisNamespace = namespace;
        o.consumerGroup = consumerGroup;
        o.parallelism = parallelism;
        o.bounded = bounded;
        // experiments: --job-jvm "... -Dtessera.bench.flush-interval=1s"
        o.flushInterval = System.getProperty("tessera.bench.flush-interval", o.flushInterval);
        o.checkpointInterval = System.getProperty("tessera.bench.checkpoint-interval", o.checkpointInterval);
        o.validate();
        if (job.equals("tessera")) {
            FlinkJob.build(env, DefinitionBundle.of(o.features), o);
        } else if (job.equals("sql")) {
            List<String> groups = Arrays.asList(Args.string(args, "--groups", "account_payments").split(","));
            String plan = HopSqlBaseline.attach(env, groups, topic, bootstrap, consumerGroup, parallelism, o.checkpointIntervalMillis(),
                    bounded);
            Files.createDirectories(work);
            Files.writeString(work.resolve("sql-plan.txt"), plan);
        } else {
            throw new IllegalArgumentException("--job must be tessera, sql or embedded, got " + job);
        }

        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        JobClient client = env.executeAsync("fbench " + job);
        // measured from the job's start: the MiniCluster's start (seconds, the same for both jobs) is not the job's
        JobStatus status;
        while ((status = client.getJobStatus().get()) != JobStatus.RUNNING && !status.isGloballyTerminalState()) {
            Thread.sleep(1);
        }
        ThreadCpuSampler threads = ThreadCpuSampler.start();
        long gc0 = gcMillis();
        long cpu0 = os.getProcessCpuTime();
        long start = System.nanoTime();
        if (!bounded) {
            while (System.in.read() >= 0) {
                // the parent closes our standard input when it is done
            }
            client.cancel().get();
            return null;
        }
        JobExecutionResult result = client.getJobExecutionResult().get();
        long wallNanos = System.nanoTime() - start;
        long cpuNanos = os.getProcessCpuTime() - cpu0;
        return measured(threads, wallNanos, cpuNanos, result.getNetRuntime(), gc0);
    }

    private static Measured measured(ThreadCpuSampler threads, long wallNanos, long cpuNanos, long netRuntimeMs, long gc0) {
        ThreadCpuSampler.Usage usage = threads.stopWithoutSelf();
        return new Measured(wallNanos / 1_000_000, cpuNanos / 1_000_000 - usage.samplerMs(), netRuntimeMs, gcMillis() - gc0, usage.largest(8), "");
    }

    /**
     * The embedded runtime ({@code --job embedded}): {@code StreamRuntime} with its RocksDB store, as
     * {@code tessera run} starts it, from the start until everything in the topic is applied and
     * committed ({@code awaitCaughtUp}; closing the runtime afterwards is not timed, as the Kafka Streams
     * baseline's closing is not); then the checked accounts' {@code payment_count_1d}
     * ({@link FlinkThroughputBench#checkedAccounts}) go to the result as {@code count.<account>}.
     */
    private static Measured runEmbedded(String[] args, Path work, Path features) throws Exception {
        Definitions defs = DefinitionLoader.load(features);
        // when the first and the last event were applied (the applier thread writes, this one reads after awaitCaughtUp)
        AtomicLongArray applied = new AtomicLongArray(2);
        RuntimeConfig config = RuntimeConfig.defaults(Args.required(args, "--bootstrap")).withAppliedListener((src, producedAt, at) -> {
            long t = System.nanoTime();
            if (applied.get(0) == 0) {
                applied.set(0, t);
            }
            applied.lazySet(1, t);
        });
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Files.createDirectories(work);
        try (TileStore store = RocksDbTileStore.open(Files.createTempDirectory(work, "embedded-store"))) {
            ThreadCpuSampler threads = ThreadCpuSampler.start();
            long gc0 = gcMillis();
            long cpu0 = os.getProcessCpuTime();
            long start = System.nanoTime();
            long wallNanos;
            Measured m;
            StreamRuntime rt = StreamRuntime.start(defs, features, store, config);
            try {
                // done when every event is applied and committed, as the Kafka Streams baseline is done when its
                // committed offsets reach the ends (KafkaStreamsBenchJob): closing is not part of either
                rt.awaitCaughtUp(Duration.ofHours(2));
                wallNanos = System.nanoTime() - start;
                long cpuNanos = os.getProcessCpuTime() - cpu0;
                m = measured(threads, wallNanos, cpuNanos, wallNanos / 1_000_000, gc0);
            } finally {
                rt.close();
            }
            System.out.printf("  embedded timeline (ms from StreamRuntime.start): first event applied %,d, last %,d, all committed %,d,"
                            + " closed %,d%n", (applied.get(0) - start) / 1_000_000, (applied.get(1) - start) / 1_000_000,
                    wallNanos / 1_000_000, (System.nanoTime() - start) / 1_000_000);
            StringBuilder counts = new StringBuilder();
            StoreFeatureReader reader = new StoreFeatureReader(defs, store);
            long now = System.currentTimeMillis();
            for (int account : FlinkThroughputBench.checkedAccounts(Args.integer(args, "--accounts", 0))) {
                Object v = reader.read(FlinkThroughputBench.PROBE_GROUP, List.of("a-" + account), now).asMap()
                        .get(FlinkThroughputBench.PROBE_FEATURE);
                counts.append("count.a-").append(account).append('=').append(v == null ? 0 : ((Number) v).longValue()).append('\n');
            }
            return new Measured(m.wallMs(), m.cpuMs(), m.netRuntimeMs(), m.gcMs(), m.threads(), counts.toString());
        }
    }

    private static long gcMillis() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }

    /** {@code --name value} arguments. */
    static final class Args {
        private Args() {}

        static String string(String[] args, String name, String dflt) {
            for (int i = 0; i < args.length - 1; i++) {
                if (args[i].equals(name)) {
                    return args[i + 1];
                }
            }
            return dflt;
        }

        static String required(String[] args, String name) {
            String v = string(args, name, null);
            if (v == null) {
                throw new IllegalArgumentException("missing " + name + " VALUE");
            }
            return v;
        }

        static int integer(String[] args, String name, int dflt) {
            return Integer.parseInt(string(args, name, Integer.toString(dflt)).replace("_", ""));
        }
    }
}
