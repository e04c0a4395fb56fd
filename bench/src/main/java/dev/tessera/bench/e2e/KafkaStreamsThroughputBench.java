package dev.tessera.bench.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.TimeSpan;
import dev.tessera.bench.e2e.FlinkBenchJob.Args;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Throughput per core, CPU and peak memory of a hand-written Kafka Streams application computing the
 * examples' {@code account_payments} features (issue [Bench], item 1b: Tessera embedded against a
 * Kafka Streams application with windowed aggregations and a RocksDB store, on the same events and
 * the same features), on the payments of {@link RuntimeThroughputBench} and
 * {@link FlinkThroughputBench} ({@link PaymentEvents}: same generator, same topic, 4 partitions).
 *
 * <ol>
 *   <li>{@code N} payments ({@code --events}, default 2,000,000) of {@code --accounts} accounts
 *       (default 100,000), their event times over the last {@code --event-span-s} seconds (3,600),
 *       are produced to the in-process broker first, and {@code W} other ones
 *       ({@code --warmup-events}, default 2,000,000; 0 for none) to {@code <topic>.warmup}.</li>
 *   <li>The application ({@link KafkaStreamsBaseline}: parse, one repartition by account, one
 *       tumbling-window aggregation per hop into RocksDB window stores, exactly-once v2 committed every
 *       second as Tessera commits, one stream thread) runs in a JVM of its own ({@link KafkaStreamsBenchJob}, {@code --app-jvm} flags,
 *       default {@code -Xmx4g}): first over the warm-up topic (its own application id and state
 *       directory: as Nexmark, whose per-core figures are measured after a warm-up phase), then over
 *       the {@code N} events, timed from {@code KafkaStreams.start()} until its committed offsets
 *       reach the end of the input and then of the repartition topic.</li>
 *   <li>Check: the 1d payment count of the 100 hottest accounts and 100 random ones, read by
 *       interactive queries (the tumbling windows of the last day summed), must equal the payments
 *       produced for them; the run fails otherwise. The hottest account's features are printed.</li>
 * </ol>
 *
 * <p><b>CPU</b>: the application JVM's process CPU from start to done (every thread: the stream
 * thread, its producer's and consumer's network threads, RocksDB's flushes and compactions, GC),
 * less the benchmark's own polling and sampling threads; by thread from {@link ThreadCpuSampler}.
 * Events per CPU-second with one stream thread is the per-core figure. The broker (this JVM) is
 * reported apart: besides serving the input topic it carries the application's repartition topic,
 * its five changelog topics and its transactions, work a Kafka Streams deployment puts on its
 * brokers. <b>Memory</b>: the application JVM's peak RSS (VmHWM, reset after the warm-up) and its
 * peak heap in use (before each collection).
 *
 * <p>Grace ({@code --grace-s}): by default the source's lateness plus the event span, the most a
 * replay of this backlog can run ahead on a repartition partition (see {@link KafkaStreamsBaseline};
 * with the lateness alone Kafka Streams drops events as late, which the check then reports).
 *
 * <p>Same features: {@link KafkaStreamsBaseline#HOPS} is checked against the definitions in
 * {@code --features} (default {@code examples/commerce}): each window of {@code account_payments}
 * must have the hop Tessera uses for it.
 *
 * <p>Run (from the repository root; a few minutes):
 * {@code mvn -o -q package -pl bench -DskipTests && java -Xmx2g -cp bench/target/benchmarks.jar
 * dev.tessera.bench.e2e.KafkaStreamsThroughputBench} (defaults: {@code --events 2000000 --accounts
 * 100000 --warmup-events 2000000 --app-jvm "-Xmx4g"}). A machine-readable line {@code RESULT {...}}
 * ends the output.
 */
public final class KafkaStreamsThroughputBench {
    private static final String GROUP = "account_payments";
    private static final int PARTITIONS = EmbeddedKafka.DEFAULT_PARTITIONS;
    private static final List<Process> CHILDREN = new ArrayList<>();

    private KafkaStreamsThroughputBench() {}

    /** The measured run's figures. */
    record Run(long events, long wallMs, long runningMs, long cpuMs, long gcMs, long brokerCpuMs, long peakRssMb, long peakHeapMb,
               String threads, long warmupEvents, long warmupWallMs, long warmupCpuMs) {
        long eventsPerSecond() {
            return Math.round(events * 1000.0 / wallMs);
        }

        long eventsPerCpuSecond() {
            return Math.round(events * 1000.0 / cpuMs);
        }

        long warmupEventsPerCpuSecond() {
            return warmupCpuMs == 0 ? 0 : Math.round(warmupEvents * 1000.0 / warmupCpuMs);
        }
    }

    public static void main(String[] args) throws Exception {
        int events = Args.integer(args, "--events", 2_000_000);
        int warmupEvents = Args.integer(args, "--warmup-events", 2_000_000);
        int accounts = Args.integer(args, "--accounts", 100_000);
        long spanMs = Args.integer(args, "--event-span-s", 3600) * 1000L;
        int threads = Args.integer(args, "--threads", 1);
        String appJvm = Args.string(args, "--app-jvm", "-Xmx4g");
        Path features = Path.of(Args.string(args, "--features", "examples/commerce"));
        // the source's lateness plus the replay's skew (KafkaStreamsBaseline: grace)
        String streamsConfig = Args.string(args, "--streams-config", "");
        int graceS = Args.integer(args, "--grace-s", (int) (KafkaStreamsBaseline.LATENESS.toSeconds() + spanMs / 1000));

        Path work = Files.createTempDirectory("tessera-ksbench");
        Runtime.getRuntime().addShutdownHook(new Thread(KafkaStreamsThroughputBench::destroyChildren));
        if (!streamsConfig.isBlank()) {
            System.out.printf("EXPERIMENT: Kafka Streams settings over the baseline's: %s%n",
                    KafkaStreamsBenchJob.streamsConfig(streamsConfig));
        }
        System.out.printf("machine: %d cores, max heap %d MB, %s; application JVM: %s; stream threads %d; grace %d s (lateness %d s"
                        + " + the replay's event span)%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.vm.version"), appJvm, threads, graceS,
                KafkaStreamsBaseline.LATENESS.toSeconds());
        Definitions defs = DefinitionLoader.load(FlinkThroughputBench.restrictToGroups(features, Set.of(GROUP), work.resolve("features")));
        checkHops(defs.groups().get(GROUP));
        String topic = defs.source("payments").orElseThrow(() -> new IllegalArgumentException(
                "the definitions in " + features + " have no source named payments")).topic();
        String warmupTopic = topic + ".warmup";

        Run run;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
            Map<String, Integer> topics = new LinkedHashMap<>();
            topics.put(topic, PARTITIONS);
            if (warmupEvents > 0) {
                topics.put(warmupTopic, PARTITIONS);
            }
            kafka.createTopics(topics);
            int[] perAccount = new int[accounts];
            PaymentEvents.produceMeasuredAndWarmup(kafka.bootstrapServers(), topic, new Random(1), events, accounts, spanMs, perAccount, warmupTopic,
                    warmupEvents);
            int[] checked = checkedAccounts(accounts);
            Path checkFile = work.resolve("check-accounts.txt");
            Files.write(checkFile, Arrays.stream(checked).mapToObj(a -> "a-" + a).toList());
            run = runApplication(appJvm, work, kafka.bootstrapServers(), topic, warmupEvents > 0 ? warmupTopic : null, threads, events,
                    warmupEvents, graceS, streamsConfig, checkFile, checked, perAccount);
        } finally {
            destroyChildren();
            ServingStack.deleteTree(work);
        }
        print(run, streamsConfig);
    }

    /** Each windowed feature of the group must have, in Tessera, the hop the baseline's store for it uses. */
    private static void checkHops(FeatureGroup group) {
        Map<String, List<String>> byWindow = new LinkedHashMap<>();
        for (Feature f : group.features()) {
            for (TimeSpan w : f.windows()) {
                Duration hop = KafkaStreamsBaseline.HOPS.get(w.text());
                if (hop == null || hop.toMillis() != f.hopFor(w).millis()) {
                    throw new IllegalStateException("feature " + f.servedName(w) + " has hop " + f.hopFor(w).text() + " in Tessera, but the"
                            + " Kafka Streams baseline aggregates its " + w.text() + " windows over " + hop
                            + ": update KafkaStreamsBaseline.HOPS and its stores");
                }
                byWindow.computeIfAbsent(w.text() + " hop " + f.hopFor(w).text(), x -> new ArrayList<>()).add(f.name());
            }
            if (f.lifetime()) {
                byWindow.computeIfAbsent("lifetime", x -> new ArrayList<>()).add(f.name());
            }
        }
        System.out.printf("group %s (%s): %s%n", group.name(), group.source(), byWindow);
    }

    /** The 100 hottest accounts (the generator's skew makes account 0 the hottest) and 100 drawn at random. */
    private static int[] checkedAccounts(int accounts) {
        Random pick = new Random(7);
        int n = Math.min(200, accounts);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i < 100 ? i : pick.nextInt(accounts);
        }
        return out;
    }

    private static Run runApplication(String jvm, Path work, String bootstrap, String topic, String warmupTopic, int threads, long events,
                                      long warmupEvents, int graceS, String streamsConfig, Path checkFile, int[] checked, int[] perAccount)
            throws Exception {
        Path result = work.resolve("result.properties");
        Path warmupDone = work.resolve("warmup.done");
        Path done = work.resolve("measured.done");
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(jvm.trim().split("\\s+")));
        cmd.addAll(List.of("-Djava.io.tmpdir=" + tmp, "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn", "-cp",
                System.getProperty("java.class.path"), KafkaStreamsBenchJob.class.getName(), "--bootstrap", bootstrap, "--topic", topic,
                "--work", work.resolve("app").toString(), "--partitions", Integer.toString(PARTITIONS),
                "--threads", Integer.toString(threads),
                "--grace-s", Integer.toString(graceS), "--streams-config", streamsConfig,
                "--result", result.toString(), "--done", done.toString(), "--check-accounts", checkFile.toString()));
        if (warmupTopic != null) {
            cmd.addAll(List.of("--warmup-topic", warmupTopic, "--warmup-done", warmupDone.toString()));
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        synchronized (KafkaStreamsThroughputBench.class) {
            CHILDREN.add(p);
        }
        p.getOutputStream().close();
        while (warmupTopic != null && !Files.exists(warmupDone) && p.isAlive()) {
            Thread.sleep(20); // the broker's CPU counts from the measured run's start
        }
        long brokerCpu0 = os.getProcessCpuTime();
        while (!Files.exists(done) && p.isAlive()) {
            Thread.sleep(20); // ... to its end
        }
        long brokerCpu = (os.getProcessCpuTime() - brokerCpu0) / 1_000_000;
        if (!p.waitFor(2, TimeUnit.HOURS) || p.exitValue() != 0) {
            throw new IllegalStateException("the Kafka Streams application's JVM " + (p.isAlive() ? "ran over 2 hours" : "exited with "
                    + p.exitValue()));
        }
        Properties r = new Properties();
        try (InputStream in = Files.newInputStream(result)) {
            r.load(in);
        }
        long dropped = Long.parseLong(r.getProperty("dropped"));
        if (dropped != 0) {
            System.out.printf("Kafka Streams dropped %,d records as late or expired (counted once per aggregation)%n", dropped);
        }
        for (int a : checked) {
            long got = Long.parseLong(r.getProperty("count_1d.a-" + a));
            if (got != perAccount[a]) {
                throw new IllegalStateException("account a-" + a + ": payment_count_1d read from the Kafka Streams application is " + got
                        + ", but " + perAccount[a] + " of its payments were produced");
            }
        }
        System.out.printf("checked: payment_count_1d of %d accounts (interactive queries) equals the payments produced%n", checked.length);
        long invalid = Long.parseLong(r.getProperty("invalid"));
        if (invalid != 0) {
            throw new IllegalStateException(invalid + " events did not parse in the Kafka Streams application: the generator makes none");
        }
        return new Run(events, Long.parseLong(r.getProperty("wall_ms")), Long.parseLong(r.getProperty("running_ms")),
                Long.parseLong(r.getProperty("cpu_ms")), Long.parseLong(r.getProperty("gc_ms")), brokerCpu,
                Long.parseLong(r.getProperty("peak_rss_mb")), Long.parseLong(r.getProperty("peak_heap_mb")), r.getProperty("threads", ""),
                warmupEvents, Long.parseLong(r.getProperty("warmup_wall_ms", "0")), Long.parseLong(r.getProperty("warmup_cpu_ms", "0")));
    }

    private static void print(Run r, String streamsConfig) throws Exception {
        System.out.printf("THROUGHPUT kafka-streams: %,d events in %.2f s (RUNNING after %.2f s): %,d events/s; application JVM CPU %.1f s"
                        + " = %,d events per CPU-second (GC %.1f s); peak RSS %,d MB, peak heap %,d MB; broker JVM CPU %.1f s (input,"
                        + " repartition and changelog topics, transactions)%n", r.events(), r.wallMs() / 1e3, r.runningMs() / 1e3,
                r.eventsPerSecond(), r.cpuMs() / 1e3, r.eventsPerCpuSecond(), r.gcMs() / 1e3, r.peakRssMb(), r.peakHeapMb(),
                r.brokerCpuMs() / 1e3);
        System.out.printf("  application JVM CPU seconds by thread (largest): %s%n", r.threads());
        if (r.warmupEvents() > 0) {
            System.out.printf("  after its warm-up run in the same JVM: %,d other events in %.2f s, CPU %.1f s = %,d events per CPU-second"
                    + " (a cold JVM's figure)%n", r.warmupEvents(), r.warmupWallMs() / 1e3, r.warmupCpuMs() / 1e3,
                    r.warmupEventsPerCpuSecond());
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("engine", "kafka-streams");
        line.put("events", r.events());
        line.put("wall_ms", r.wallMs());
        line.put("cpu_ms", r.cpuMs());
        line.put("events_per_s", r.eventsPerSecond());
        line.put("events_per_cpu_s", r.eventsPerCpuSecond());
        line.put("peak_rss_mb", r.peakRssMb());
        line.put("broker_cpu_ms", r.brokerCpuMs());
        line.put("warmup_events_per_cpu_s", r.warmupEventsPerCpuSecond());
        line.put("peak_heap_mb", r.peakHeapMb());
        if (!streamsConfig.isBlank()) {
            line.put("experiment_streams_config", KafkaStreamsBenchJob.streamsConfig(streamsConfig));
        }
        System.out.println("RESULT " + new ObjectMapper().writeValueAsString(line));
    }

    private static synchronized void destroyChildren() {
        for (Process p : CHILDREN) {
            p.destroyForcibly();
        }
        CHILDREN.clear();
    }
}
