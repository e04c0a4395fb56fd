package dev.tessera.bench.e2e;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.tessera.bench.e2e.FlinkBenchJob.Args;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * The Kafka Streams application of {@link KafkaStreamsThroughputBench} ({@link KafkaStreamsBaseline}),
 * alone in its JVM, reading the broker of the parent process.
 *
 * <p>Why a JVM of its own: its process CPU is then the application's alone (not the broker's or
 * the producer's), as {@link FlinkBenchJob} measures a Flink job. Warm-up first
 * ({@code --warmup-topic T}): the same application over topic {@code T} with an application id and
 * state directory of its own, run to its end and closed; then {@code --warmup-done} is written,
 * the peak RSS and peak heap are reset, and the measured run starts on code the JIT compiler has
 * compiled, as Nexmark measures after a warm-up phase.
 *
 * <p>A run is timed from {@code KafkaStreams.start()} (its group join, internal topic creation and
 * task assignment included, as a Flink job's task deployment is) until it is done: the committed
 * offsets of the application (its consumer group is the application id) reach the end offsets of
 * the input topic and then of the repartition topic (the aggregations read that one; the input
 * offsets alone would stop the clock with the last events still to be aggregated). An Admin client
 * polls them every {@value #POLL_MS} ms; its thread's CPU, this thread's and the
 * {@link ThreadCpuSampler}'s are the benchmark's and are not counted. At done {@code --done} is
 * written (the parent samples the broker's CPU there); then the 1d payment count of each account in
 * {@code --check-accounts} is read by interactive queries into {@code --result} (a properties file)
 * with the figures, and the hottest account's features are printed.
 */
public final class KafkaStreamsBenchJob {
    private static final long POLL_MS = 50;
    private static final String POLLER_ID = "ks-bench-done-poller";

    private KafkaStreamsBenchJob() {}

    public static void main(String[] args) throws Exception {
        String bootstrap = Args.required(args, "--bootstrap");
        Path work = Path.of(Args.required(args, "--work"));
        int partitions = Args.integer(args, "--partitions", 4);
        int threads = Args.integer(args, "--threads", 1);
        String warmupTopic = Args.string(args, "--warmup-topic", null);
        Map<String, String> overrides = streamsConfig(Args.string(args, "--streams-config", ""));
        Duration grace = Duration.ofSeconds(Args.integer(args, "--grace-s", (int) KafkaStreamsBaseline.LATENESS.toSeconds()));
        PeakHeap peakHeap = PeakHeap.install();
        StringBuilder out = new StringBuilder();
        if (warmupTopic != null) {
            try (Run warm = Run.start("ks-bench-warmup", warmupTopic, bootstrap, work.resolve("warmup-state"), partitions, threads, grace,
                    overrides)) {
                out.append(warm.awaitDone().properties("warmup_"));
            }
            ServingStack.deleteTree(work.resolve("warmup-state"));
            Files.writeString(Path.of(Args.required(args, "--warmup-done")), "done\n");
        }
        System.gc(); // the warm-up's garbage is not the measured run's peak
        resetPeakRss();
        peakHeap.reset();
        try (Run run = Run.start("ks-bench", Args.required(args, "--topic"), bootstrap, work.resolve("state"), partitions, threads, grace,
                overrides)) {
            Measured m = run.awaitDone();
            Files.writeString(Path.of(Args.required(args, "--done")), "done\n");
            out.append(m.properties(""));
            out.append("peak_rss_mb=").append(peakRssKb() / 1024).append('\n');
            out.append("peak_heap_mb=").append(peakHeap.peakBytes() >> 20).append('\n');
            long now = System.currentTimeMillis();
            List<String> accounts = Files.readAllLines(Path.of(Args.required(args, "--check-accounts")));
            for (String account : accounts) {
                out.append("count_1d.").append(account).append('=')
                        .append(KafkaStreamsBaseline.paymentCount1d(run.streams, account, now)).append('\n');
            }
            if (!accounts.isEmpty()) {
                System.out.printf("kafka-streams features of %s: %s%n", accounts.get(0),
                        KafkaStreamsBaseline.features(run.streams, accounts.get(0), now));
            }
        }
        Files.writeString(Path.of(Args.required(args, "--result")), out.toString());
        System.exit(0);
    }

    /** {@code key=value,key=value}: settings over the baseline's (experiments only; the benchmark's figures use none). */
    static Map<String, String> streamsConfig(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : spec.split(",")) {
            if (kv.isBlank()) {
                continue;
            }
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--streams-config takes key=value pairs separated by commas, got '" + kv + "'");
            }
            out.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return out;
    }

    /** One run's figures, from {@code start()} to done. */
    record Measured(long wallMs, long runningMs, long cpuMs, long gcMs, long invalid, long dropped, String threads) {
        String properties(String prefix) {
            return prefix + "wall_ms=" + wallMs + "\n" + prefix + "running_ms=" + runningMs + "\n" + prefix + "cpu_ms=" + cpuMs + "\n"
                    + prefix + "gc_ms=" + gcMs + "\n" + prefix + "invalid=" + invalid + "\n" + prefix + "dropped=" + dropped + "\n"
                    + prefix + "threads=" + threads + "\n";
        }
    }

    /** One started application and what measures it. */
    private static final class Run implements AutoCloseable {
        final KafkaStreams streams;
        private final String applicationId;
        private final String topic;
        private final int partitions;
        private final Admin admin;
        private final LongAdder invalid = new LongAdder();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final AtomicLong runningAt = new AtomicLong();
        private final Map<TopicPartition, Long> inputEnds;
        private ThreadCpuSampler sampler;
        private long start;
        private long cpu0;
        private long gc0;
        private long ownCpu0;

        private Run(String applicationId, String topic, String bootstrap, Path stateDir, int partitions, int threads, Duration grace,
                    Map<String, String> overrides) throws Exception {
            this.applicationId = applicationId;
            this.topic = topic;
            this.partitions = partitions;
            Properties settings = KafkaStreamsBaseline.settings(applicationId, bootstrap, stateDir, threads);
            settings.putAll(overrides);
            streams = new KafkaStreams(KafkaStreamsBaseline.topology(topic, partitions, grace, settings, invalid), settings);
            streams.setUncaughtExceptionHandler(e -> {
                failure.compareAndSet(null, e);
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.RUNNING) {
                    runningAt.compareAndSet(0, System.nanoTime());
                }
            });
            admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    AdminClientConfig.CLIENT_ID_CONFIG, POLLER_ID + "-" + applicationId));
            inputEnds = endOffsets(topic, IsolationLevel.READ_UNCOMMITTED);
        }

        static Run start(String applicationId, String topic, String bootstrap, Path stateDir, int partitions, int threads, Duration grace,
                         Map<String, String> overrides) throws Exception {
            Run r = new Run(applicationId, topic, bootstrap, stateDir, partitions, threads, grace, overrides);
            r.sampler = ThreadCpuSampler.start();
            r.gc0 = gcMillis();
            r.cpu0 = processCpuNanos();
            r.start = System.nanoTime();
            r.streams.start();
            r.ownCpu0 = benchmarkCpuNanos(); // from here on this thread only polls: start() above is the application's work
            return r;
        }

        /** Polls the committed offsets until the input and then the repartition topic are consumed to their ends. */
        Measured awaitDone() throws Exception {
            String repartition = applicationId + "-" + KafkaStreamsBaseline.REPARTITION + "-repartition";
            long deadline = System.nanoTime() + TimeUnit.HOURS.toNanos(2);
            boolean inputDone = false;
            Map<TopicPartition, Long> repartitionEnds = null;
            while (true) {
                if (failure.get() != null || streams.state() == KafkaStreams.State.ERROR) {
                    throw new IllegalStateException("the Kafka Streams application " + applicationId + " failed", failure.get());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the Kafka Streams application " + applicationId + " did not finish in 2 hours");
                }
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
                if (!inputDone) {
                    inputDone = reached(committed, inputEnds);
                    if (inputDone) {
                        // input consumed and committed (in the transactions that wrote the repartition records): the
                        // repartition topic is complete, and its read-committed end (after the last commit marker) final
                        repartitionEnds = endOffsets(repartition, IsolationLevel.READ_COMMITTED);
                    }
                }
                if (inputDone && reached(committed, repartitionEnds)) {
                    break;
                }
                Thread.sleep(POLL_MS);
            }
            long wallNanos = System.nanoTime() - start;
            long cpuNanos = processCpuNanos() - cpu0;
            long ownNanos = benchmarkCpuNanos() - ownCpu0;
            ThreadCpuSampler.Usage usage = sampler.stopWithoutSelf();
            long samplerMs = usage.samplerMs();
            String threads = usage.largest(8);
            long running = runningAt.get() == 0 ? -1 : (runningAt.get() - start) / 1_000_000;
            return new Measured(wallNanos / 1_000_000, running, (cpuNanos - ownNanos) / 1_000_000 - samplerMs, gcMillis() - gc0,
                    invalid.sum(), droppedRecords(), threads);
        }

        /** Kafka Streams' count of records dropped (late for their window, or expired), over its tasks. */
        private long droppedRecords() {
            double dropped = 0;
            for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
                if (e.getKey().name().equals("dropped-records-total") && e.getKey().group().equals("stream-task-metrics")) {
                    dropped += ((Number) e.getValue().metricValue()).doubleValue();
                }
            }
            return Math.round(dropped);
        }

        private boolean reached(Map<TopicPartition, OffsetAndMetadata> committed, Map<TopicPartition, Long> ends) {
            for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                if (e.getValue() > 0 && (c == null || c.offset() < e.getValue())) {
                    return false;
                }
            }
            return true;
        }

        private Map<TopicPartition, Long> endOffsets(String name, IsolationLevel isolation) throws Exception {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(name, p), OffsetSpec.latest());
            }
            Map<TopicPartition, Long> ends = new LinkedHashMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(isolation)).all().get()
                    .forEach((tp, info) -> ends.put(tp, info.offset()));
            return ends;
        }

        @Override
        public void close() {
            streams.close();
            admin.close();
            sampler.close();
        }
    }

    /**
     * CPU of the threads that measure rather than run the application: this (main) thread and the
     * done-poller's Admin client thread ({@code kafka-admin-client-thread | ks-bench-done-poller-...}).
     */
    private static long benchmarkCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long total = mx.getCurrentThreadCpuTime();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().contains(POLLER_ID)) {
                total += Math.max(0, mx.getThreadCpuTime(t.getId()));
            }
        }
        return total;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long gcMillis() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }

    /** Resets VmHWM to the current RSS (Linux: writing 5 to clear_refs); without it the peak is the JVM's lifetime's. */
    private static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            System.out.println("peak RSS not reset (" + e + "): it includes the warm-up");
        }
    }

    /** VmHWM of /proc/self/status: the peak resident set size, in KiB (0 without /proc). */
    private static long peakRssKb() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return 0;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }

    /** The largest heap in use seen: the heap just before each collection (the peaks between them), and now. */
    private static final class PeakHeap {
        private final AtomicLong peak = new AtomicLong();

        static PeakHeap install() {
            PeakHeap h = new PeakHeap();
            Set<String> heapPools = new HashSet<>();
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    heapPools.add(pool.getName());
                }
            }
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter emitter) {
                    emitter.addNotificationListener((n, hb) -> {
                        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                            return;
                        }
                        var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                        if (info.getGcCause().equals("System.gc()")) {
                            return; // the one between warm-up and measured run (notifications may arrive after the reset)
                        }
                        long used = 0;
                        for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageBeforeGc().entrySet()) {
                            used += heapPools.contains(e.getKey()) ? e.getValue().getUsed() : 0;
                        }
                        h.peak.accumulateAndGet(used, Math::max);
                    }, null, null);
                }
            }
            return h;
        }

        void reset() {
            peak.set(0);
        }

        long peakBytes() {
            return Math.max(peak.get(), ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
    }
}
