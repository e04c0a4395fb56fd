package dev.tessera.bench.e2e;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.api.TimeSpan;
import dev.tessera.bench.e2e.FlinkBenchJob.Args;
import dev.tessera.runtime.StoreFeatureReader;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.RedisTileStore;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Throughput per core and freshness of the Tessera Flink runner (issue [Scale-out]: at least
 * 110,000 events/s per core, at least 3× a hand-written Flink SQL job computing the same features,
 * freshness p99 of 1 s or less), on the events of {@link RuntimeThroughputBench} ({@link PaymentEvents}).
 *
 * <ol>
 *   <li><b>Tessera</b> ({@code --mode tessera|both}): {@code N} payments are produced to the
 *       in-process broker first; then the Tessera Flink job ({@code FlinkJob.build}, bounded, on a
 *       MiniCluster of parallelism {@code P}) reads them to the end offsets, aggregates and writes
 *       the tiles to a {@code redis-server} started for the run. Timed from job submission to job
 *       end (the sink flushes every tile at end of input); a sample of accounts' counts read back
 *       through {@link StoreFeatureReader} is checked against the produced events.</li>
 *   <li><b>Embedded</b> ({@code --mode embedded}): Tessera's embedded runtime ({@code StreamRuntime}
 *       with its RocksDB store, as {@code tessera run} starts it) in a JVM of its own over the same
 *       topic, timed from {@code StreamRuntime.start} until everything is applied and committed (not
 *       its closing, as the Kafka Streams baseline's is not timed); its {@code payment_count_1d} of the
 *       checked accounts is read back from its store and compared with the produced counts.</li>
 *   <li><b>Baseline</b> ({@code --mode sql|both}): the same features written by hand in Flink SQL,
 *       HOP window TVFs with Tessera's windows and hops, results to the blackhole connector
 *       ({@link HopSqlBaseline}), bounded over the same topic on the same parallelism.</li>
 *   <li><b>Freshness</b> (with Tessera, {@code --freshness-seconds} &gt; 0): the job runs unbounded
 *       (from the end of the topic: it does not replay the {@code N} events, so the accounts are new
 *       to it at first; the settle time covers that) while payments are produced
 *       at {@code --rate} (default half the measured Tessera throughput); every 100 ms a marker
 *       payment of a probe account is produced, and a poller reads the probe's
 *       {@code payment_count_1d} from Redis through {@link StoreFeatureReader} every 2 ms; the time
 *       from sending a marker to the count including it goes to an HdrHistogram. Markers of the
 *       first {@code --settle-s} seconds at the rate are not recorded. The unbounded job's JVM
 *       first runs the warm-up job as the measured ones do (below), so the figure is the steady
 *       state's, as the embedded runtime's (measured after its throughput run in the same JVM).
 *       {@code --freshness-runs N} repeats the phase with a new job each time (default 1).</li>
 * </ol>
 *
 * <p><b>Engines and runs</b>: {@code --mode} is one engine ({@code tessera}, {@code sql},
 * {@code embedded}), several separated by commas, {@code both} (tessera and sql) or {@code all};
 * {@code --runs N} runs each engine {@code N} times (a consumer group per run) and prints each run,
 * the medians with minimum and maximum, the ratios of the medians, and one {@code RESULT} JSON line
 * per run (what {@code CompareAll} collects). Peak memory is the job JVM's VmHWM.
 *
 * <p><b>CPU</b>: each job runs in a JVM of its own ({@link FlinkBenchJob}, {@code --job-jvm} flags,
 * default {@code -Xmx4g}; the embedded runtime's JVM also gets {@code --embedded-jvm}, default the
 * {@code tessera} launcher's {@code -XX:MaxTenuringThreshold=1}, as {@code tessera run} starts),
 * which measures its process CPU from submission to end: Flink's CPU only.
 *
 * <p><b>Warm-up</b> ({@code --warmup-events W}, default 2,000,000; 0 for none): as Nexmark, whose
 * published per-core figures are measured after a warm-up phase, each JVM first runs the same job
 * over {@code W} other payments (topic {@code <topic>.warmup}, other Redis keys), then the measured
 * one: the figures are then the steady state's, not the JIT compiler's and the class loading of a
 * cold JVM (a tenth of a 10-million-event job's CPU). The warm-up job's own figures are printed too:
 * a cold JVM's. The broker (this JVM)
 * and {@code redis-server} are reported apart; events per CPU-second "with Redis" adds the Redis
 * server's CPU to Tessera's (the baseline's blackhole sink has none). With {@code P = 1}, events per
 * CPU-second is the per-core figure of the issue.
 *
 * <p><b>Same features</b>: Tessera runs the definitions restricted to {@code --groups} (default
 * {@code account_payments}; the Entity and Source documents and those groups, no services), the
 * SQL job the hand-written queries of the same groups ({@code account_payments}, {@code card_payments}).
 *
 * <p>Run (from the repository root; several minutes, most of them the SQL job's):
 * {@code mvn -B -ntp -q package -pl bench -am -DskipTests && java -Xmx2g -cp bench/target/benchmarks.jar
 * dev.tessera.bench.e2e.FlinkThroughputBench --events 2000000 --job-jvm "-Xmx4g"}. Figures of runs under
 * about a million events are mostly the JIT compiler's and the job's start.
 */
public final class FlinkThroughputBench {
    static final String PROBE_GROUP = "account_payments";
    static final String PROBE_FEATURE = "payment_count_1d";
    /** The engines {@code --mode} names, and what they are. */
    static final Map<String, String> ENGINES = Map.of("tessera", "Tessera Flink runner", "sql", "Flink SQL, HOP windows",
            "embedded", "Tessera embedded runtime");
    private static final int PARTITIONS = 4;
    private static final List<Process> CHILDREN = new ArrayList<>();

    private FlinkThroughputBench() {}

    /** One bounded job's figures. */
    record Run(String name, long events, long wallMs, long netRuntimeMs, long cpuMs, long gcMs, long redisCpuMs, long brokerCpuMs,
               String threads, Warmup warmup, long peakRssMb, Map<String, Long> counts) {
        double eventsPerSecond() {
            return events * 1000.0 / wallMs;
        }

        double eventsPerCpuSecond() {
            return events * 1000.0 / cpuMs;
        }

        double eventsPerCpuSecondWithRedis() {
            return events * 1000.0 / (cpuMs + redisCpuMs);
        }
    }

    /** The warm-up job's figures (the same job over other events, first in the same JVM): a cold JVM's. */
    record Warmup(long events, long wallMs, long cpuMs) {
        double eventsPerCpuSecond() {
            return events * 1000.0 / cpuMs;
        }
    }

    public static void main(String[] args) throws Exception {
        int events = Args.integer(args, "--events", 2_000_000);
        int warmupEvents = Args.integer(args, "--warmup-events", 2_000_000);
        int accounts = Args.integer(args, "--accounts", 100_000);
        int parallelism = Args.integer(args, "--parallelism", 1);
        String mode = Args.string(args, "--mode", "both");
        int runsPerEngine = Args.integer(args, "--runs", 1);
        int freshnessSeconds = Args.integer(args, "--freshness-seconds", 30);
        int freshnessRuns = Args.integer(args, "--freshness-runs", 1);
        int rateArg = Args.integer(args, "--rate", 0);
        int settle = Args.integer(args, "--settle-s", 5);
        long spanMs = Args.integer(args, "--event-span-s", 3600) * 1000L;
        String jobJvm = Args.string(args, "--job-jvm", "-Xmx4g");
        // the embedded runtime's JVM also gets what the `tessera` launcher starts `tessera run` with
        String embeddedJvm = Args.string(args, "--embedded-jvm", "-XX:MaxTenuringThreshold=1");
        Path features = Path.of(Args.string(args, "--features", "examples/commerce"));
        String sqlPlan = Args.string(args, "--sql-plan", null); // file: the SQL job's EXPLAIN output
        List<String> engines = switch (mode) {
            case "both" -> List.of("tessera", "sql");
            case "all" -> List.of("embedded", "tessera", "sql");
            default -> List.of(mode.split(","));
        };
        if (!ENGINES.keySet().containsAll(engines)) {
            throw new IllegalArgumentException("--mode must be both, all, or engines of " + ENGINES.keySet() + " separated by commas, got "
                    + mode);
        }
        boolean tessera = engines.contains("tessera");

        Path work = Files.createTempDirectory("tessera-fbench");
        Runtime.getRuntime().addShutdownHook(new Thread(FlinkThroughputBench::destroyChildren));
        System.out.printf("machine: %d cores, max heap %d MB, %s; job JVMs: %s (the embedded runtime's also %s); parallelism %d%n",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.vm.version"), jobJvm, embeddedJvm, parallelism);
        Definitions all = DefinitionLoader.load(features);
        Set<String> groups = new LinkedHashSet<>();
        for (String g : Args.string(args, "--groups", PROBE_GROUP).split(",")) {
            groups.addAll(g.equals("all") ? all.groups().keySet() : List.of(g));
        }
        Path defsDir = restrictToGroups(features, groups, work.resolve("features"));
        Definitions defs = DefinitionLoader.load(defsDir);
        describe(defs);
        String topic = defs.source("payments").orElseThrow(() -> new IllegalArgumentException(
                "the definitions in " + features + " have no source named payments")).topic();

        List<Run> runs = new ArrayList<>();
        List<String> freshness = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"));
             RedisServer redis = RedisServer.start(work.resolve("redis"))) {
            Map<String, Integer> topics = new LinkedHashMap<>();
            for (Source s : defs.sources().values()) {
                topics.put(s.topic(), PARTITIONS);
                topics.put(s.topic() + ".dlq", 1);
            }
            String warmupTopic = topic + ".warmup";
            Path warmupDefs = null;
            if (warmupEvents > 0) {
                topics.put(warmupTopic, PARTITIONS);
                topics.put(warmupTopic + ".dlq", 1);
                warmupDefs = withTopic(defsDir, topic, warmupTopic, work.resolve("features-warmup"));
            }
            kafka.createTopics(topics);
            Random rnd = new Random(1);
            int[] perAccount = new int[accounts];
            PaymentEvents.produceMeasuredAndWarmup(kafka.bootstrapServers(), topic, rnd, events, accounts, spanMs, perAccount, warmupTopic,
                    warmupEvents);
            JobLauncher jobs = new JobLauncher(jobJvm, embeddedJvm, work, defsDir, kafka.bootstrapServers(), redis.uri(), parallelism, topic,
                    String.join(",", groups), warmupEvents, warmupTopic, warmupDefs);
            for (String engine : engines) {
                for (int r = 1; r <= runsPerEngine; r++) {
                    Run run = jobs.runBounded(engine, r, events, redis, accounts);
                    runs.add(run);
                    print(run);
                    switch (engine) {
                        case "tessera" -> checkCounts(defs, redis.uri(), "tput:", perAccount);
                        case "embedded" -> checkCounts(run.counts(), perAccount);
                        default -> {
                            printPlanSummary(work.resolve("sql-plan.txt"));
                            if (sqlPlan != null) {
                                Files.copy(work.resolve("sql-plan.txt"), Path.of(sqlPlan),
                                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                            }
                        }
                    }
                    redis.command("FLUSHALL");
                    printResult(run, r);
                }
            }
            if (tessera && freshnessSeconds > 0) {
                if (!groups.contains(PROBE_GROUP)) {
                    System.out.printf("freshness skipped: its probe reads %s.%s, and --groups is %s%n", PROBE_GROUP, PROBE_FEATURE, groups);
                } else {
                    int rate = rateArg > 0 ? rateArg
                            : (int) (runs.stream().filter(r -> r.name().equals("tessera")).findFirst().orElseThrow().eventsPerSecond() / 2);
                    for (int r = 1; r <= freshnessRuns; r++) {
                        freshness.add(freshness(defs, jobs, kafka.bootstrapServers(), topic, redis, rnd, events, accounts, rate, settle,
                                freshnessSeconds, r));
                    }
                }
            }
        } finally {
            destroyChildren();
            ServingStack.deleteTree(work);
        }
        printTable(runs, freshness, parallelism);
    }

    /**
     * A copy of the definitions in {@code features} with only the Entity and Source documents and the
     * FeatureGroup documents of {@code groups} (FeatureServices dropped: they may name other groups);
     * other files (schemas) copied as they are.
     */
    static Path restrictToGroups(Path features, Set<String> groups, Path out) throws IOException {
        Pattern kind = Pattern.compile("(?m)^kind:\\s*(\\S+)");
        Pattern name = Pattern.compile("(?m)^name:\\s*(\\S+)");
        Set<String> found = new LinkedHashSet<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(features)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            Path target = out.resolve(features.relativize(f).toString());
            Files.createDirectories(target.getParent());
            String fileName = f.getFileName().toString();
            if (!fileName.endsWith(".yaml") && !fileName.endsWith(".yml")) {
                Files.copy(f, target);
                continue;
            }
            StringBuilder kept = new StringBuilder();
            for (String doc : Files.readString(f).split("(?m)^---\\s*$")) {
                Matcher k = kind.matcher(doc);
                Matcher n = name.matcher(doc);
                String docKind = k.find() ? k.group(1) : "";
                String docName = n.find() ? n.group(1) : "";
                boolean keep = switch (docKind) {
                    case "FeatureService" -> false;
                    case "FeatureGroup" -> groups.contains(docName);
                    default -> true;
                };
                if (keep) {
                    found.add(docKind.equals("FeatureGroup") ? docName : "");
                    kept.append(kept.isEmpty() ? "" : "---\n").append(doc.strip()).append('\n');
                }
            }
            if (!kept.isEmpty()) {
                Files.writeString(target, kept);
            }
        }
        found.remove("");
        if (!found.equals(groups)) {
            Set<String> missing = new LinkedHashSet<>(groups);
            missing.removeAll(found);
            throw new IllegalArgumentException("--groups names " + missing + ", which " + features + " does not define");
        }
        return out;
    }

    /** A copy of the definitions in {@code defs} whose sources read {@code to} where they read {@code from} (the warm-up job's). */
    static Path withTopic(Path defs, String from, String to, Path out) throws IOException {
        Pattern topicLine = Pattern.compile("(topic:\\s*)" + Pattern.quote(from) + "(?=[\\s,}]|$)", Pattern.MULTILINE);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(defs)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        boolean replaced = false;
        for (Path f : files) {
            Path target = out.resolve(defs.relativize(f).toString());
            Files.createDirectories(target.getParent());
            String text = Files.readString(f);
            Matcher m = topicLine.matcher(text);
            replaced |= m.find();
            Files.writeString(target, m.replaceAll("$1" + Matcher.quoteReplacement(to)));
        }
        if (!replaced) {
            throw new IllegalArgumentException("no source in " + defs + " names topic " + from);
        }
        return out;
    }

    /** Prints each group's windowed features with the hop Tessera uses (the SQL baseline's HOP slide). */
    private static void describe(Definitions defs) {
        for (FeatureGroup g : defs.groups().values()) {
            Map<String, List<String>> byWindow = new LinkedHashMap<>();
            for (Feature f : g.features()) {
                for (TimeSpan w : f.windows()) {
                    byWindow.computeIfAbsent(w.text() + " hop " + f.hopFor(w).text(), x -> new ArrayList<>()).add(f.name());
                }
                if (f.lifetime()) {
                    byWindow.computeIfAbsent("lifetime", x -> new ArrayList<>()).add(f.name());
                }
            }
            System.out.printf("group %s (%s): %s%n", g.name(), g.source(), byWindow);
        }
    }

    /** The accounts whose {@code payment_count_1d} is checked after a run: the 100 hottest and 100 others. */
    static List<Integer> checkedAccounts(int accounts) {
        Random pick = new Random(7);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < 200 && i < accounts; i++) {
            out.add(i < 100 ? i : pick.nextInt(accounts));
        }
        return out;
    }

    /** The produced counts of the {@link #checkedAccounts} equal {@code payment_count_1d} in Redis. */
    private static void checkCounts(Definitions defs, String redisUri, String namespace, int[] perAccount) {
        if (!defs.groups().containsKey(PROBE_GROUP)) {
            System.out.printf("values not checked: no group %s%n", PROBE_GROUP);
            return;
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        try (RedisTileStore store = RedisTileStore.open(redisUri, namespace)) {
            StoreFeatureReader reader = new StoreFeatureReader(defs, store);
            long now = System.currentTimeMillis();
            for (int a : checkedAccounts(perAccount.length)) {
                Object v = reader.read(PROBE_GROUP, List.of("a-" + a), now).asMap().get(PROBE_FEATURE);
                counts.put("a-" + a, v == null ? 0 : ((Number) v).longValue());
            }
        }
        checkCounts(counts, perAccount);
    }

    /** {@code counts} (account to its {@code payment_count_1d} as the engine holds it) equal the produced counts. */
    private static void checkCounts(Map<String, Long> counts, int[] perAccount) {
        for (int a : checkedAccounts(perAccount.length)) {
            long got = counts.getOrDefault("a-" + a, -1L);
            if (got != perAccount[a]) {
                throw new IllegalStateException("account a-" + a + ": " + PROBE_FEATURE + " is " + got + ", but " + perAccount[a]
                        + " of its payments were produced");
            }
        }
        System.out.printf("checked: %s of %d accounts equals the payments produced%n", PROBE_FEATURE, counts.size());
    }

    /**
     * The machine-readable line of a freshness measurement ({@code CompareAll} collects it):
     * percentiles of produced to readable in milliseconds ({@code percentile} gives them in units of
     * {@code perMilli}).
     */
    static void printFreshness(String engine, int rate, double achieved, long count, boolean incomplete,
                               java.util.function.DoubleToLongFunction percentile, double perMilli) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", "freshness");
        m.put("engine", engine);
        m.put("rate", rate);
        m.put("achieved_rate", Math.round(achieved));
        m.put("count", count);
        for (double p : new double[] {50, 90, 99, 99.9, 100}) {
            m.put(p == 100 ? "max_ms" : "p" + (p == 99.9 ? "999" : Integer.toString((int) p)) + "_ms",
                    Math.round(percentile.applyAsLong(p) / perMilli * 10) / 10.0);
        }
        m.put("incomplete", incomplete);
        try {
            System.out.println("RESULT " + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(m));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One machine-readable line per run ({@code CompareAll} collects them). */
    private static void printResult(Run r, int runNumber) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", "ingest");
        m.put("engine", r.name());
        m.put("run", runNumber);
        m.put("events", r.events());
        m.put("wall_ms", r.wallMs());
        m.put("cpu_ms", r.cpuMs());
        m.put("events_per_s", Math.round(r.eventsPerSecond()));
        m.put("events_per_cpu_s", Math.round(r.eventsPerCpuSecond()));
        m.put("peak_rss_mb", r.peakRssMb());
        m.put("redis_cpu_ms", r.redisCpuMs());
        m.put("broker_cpu_ms", r.brokerCpuMs());
        if (r.warmup() != null) {
            m.put("cold_events_per_cpu_s", Math.round(r.warmup().eventsPerCpuSecond()));
        }
        try {
            System.out.println("RESULT " + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(m));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The freshness phase (class comment): the Tessera job unbounded, a constant {@code rate} of
     * payments, a marker of the probe account every 100 ms; returns the result line.
     */
    private static String freshness(Definitions defs, JobLauncher jobs, String bootstrap, String topic, RedisServer redis, Random rnd,
                                    int events, int accounts, int rate, int settle, int seconds, int runNumber) throws Exception {
        redis.command("FLUSHALL");
        int probeAccount = accounts + 1; // outside the generator's accounts
        byte[] probeKey = ("a-" + probeAccount).getBytes(StandardCharsets.UTF_8);
        long markerIds = 1_900_000_000L;
        Histogram h = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        String namespace = "fresh" + runNumber + ":";
        String consumerGroup = "fbench-fresh-" + runNumber;
        startAtTheEnd(bootstrap, topic, consumerGroup);
        Process job = jobs.startUnbounded(namespace, consumerGroup);
        try (RedisTileStore store = RedisTileStore.open(redis.uri(), namespace);
             KafkaProducer<byte[], byte[]> load = PaymentEvents.producer(bootstrap);
             KafkaProducer<byte[], byte[]> probe = probeProducer(bootstrap)) {
            StoreFeatureReader reader = new StoreFeatureReader(defs, store);
            long start = System.nanoTime();
            // running: a marker in every partition is visible
            for (int p = 0; p < PARTITIONS; p++) {
                probe.send(new ProducerRecord<>(topic, p, probeKey, PaymentEvents.paymentOf(rnd, (int) markerIds++, probeAccount,
                        System.currentTimeMillis()))).get();
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (probeCount(reader, probeAccount) < PARTITIONS) {
                if (!job.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the unbounded Tessera job " + (job.isAlive() ? "did not apply its first events in 10 minutes"
                            : "exited with status " + job.exitValue()));
                }
                Thread.sleep(50);
            }
            System.out.printf("freshness: the unbounded job applied its first events %.1f s after its JVM started;"
                    + " %,d events/s for %d s (first %d s not recorded)%n", (System.nanoTime() - start) / 1e9, rate, settle + seconds, settle);

            int markers = (settle + seconds) * 10;
            int firstRecorded = settle * 10;
            AtomicLongArray sentAt = new AtomicLongArray(markers);
            AtomicLong sent = new AtomicLong();
            AtomicLong seenCount = new AtomicLong();
            Thread poller = new Thread(() -> {
                int seen = 0;
                while (seen < markers && job.isAlive()) {
                    long visible = probeCount(reader, probeAccount) - PARTITIONS;
                    long now = System.nanoTime();
                    for (; seen < visible && seen < sent.get(); seen++) {
                        if (seen >= firstRecorded) {
                            long micros = Math.max(0, (now - sentAt.get(seen)) / 1000);
                            h.recordValue(micros);
                            if (micros > 500_000) { // when the slow ones were sent, to line them up with checkpoints and GC logs
                                System.out.printf("freshness: marker %d, sent %.1f s into the phase (%s), readable after %,d ms%n", seen,
                                        (sentAt.get(seen) - sentAt.get(0)) / 1e9,
                                        java.time.Instant.ofEpochMilli(System.currentTimeMillis() - micros / 1000), micros / 1000);
                            }
                        }
                    }
                    seenCount.set(seen);
                    LockSupport.parkNanos(2_000_000);
                }
            }, "freshness-poller");
            poller.setDaemon(true);
            poller.start();

            long begin = System.nanoTime();
            long total = (long) rate * (settle + seconds);
            long produced = 0;
            int marker = 0;
            while (produced < total || marker < markers) {
                long elapsed = System.nanoTime() - begin;
                long due = Math.min(total, (long) (elapsed / 1e9 * rate));
                for (; produced < due; produced++) {
                    load.send(new ProducerRecord<>(topic, PaymentEvents.payment(rnd, events + (int) produced, accounts,
                            System.currentTimeMillis() - 1000)));
                }
                if (marker < markers && elapsed >= marker * 100_000_000L) {
                    sentAt.set(marker, System.nanoTime());
                    sent.incrementAndGet();
                    probe.send(new ProducerRecord<>(topic, 0, probeKey, PaymentEvents.paymentOf(rnd, (int) markerIds++, probeAccount,
                            System.currentTimeMillis())));
                    marker++;
                }
                Thread.sleep(1);
            }
            double achieved = produced / ((System.nanoTime() - begin) / 1e9);
            load.flush();
            poller.join(TimeUnit.SECONDS.toMillis(60));
            String line = String.format("FRESHNESS at %,d events/s (achieved %,.0f) for %d s after %d s: %,d markers produced->readable"
                            + " p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms%s", rate, achieved, seconds, settle, h.getTotalCount(),
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                    h.getMaxValue() / 1000.0, seenCount.get() < markers
                            ? " (INCOMPLETE: " + seenCount.get() + " of " + markers + " markers readable" + (job.isAlive() ? " after 60 s)" : "; the job died)")
                            : "");
            System.out.println(line);
            printFreshness("tessera", rate, achieved, h.getTotalCount(), seenCount.get() < markers, h::getValueAtPercentile, 1000.0);
            return line;
        } finally {
            job.getOutputStream().close(); // the job cancels itself when its standard input closes
            if (!job.waitFor(60, TimeUnit.SECONDS)) {
                job.destroyForcibly();
            }
        }
    }

    /**
     * Commits the end offsets of {@code topic} for {@code consumerGroup}, where the job starts (it
     * resumes from committed offsets): the freshness phase does not replay the measured events.
     */
    private static void startAtTheEnd(String bootstrap, String topic, String consumerGroup) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<TopicPartition, OffsetAndMetadata> ends = new LinkedHashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, new OffsetAndMetadata(info.offset())));
            admin.alterConsumerGroupOffsets(consumerGroup, ends).all().get();
        }
    }

    private static long probeCount(StoreFeatureReader reader, int probeAccount) {
        Object v = reader.read(PROBE_GROUP, List.of("a-" + probeAccount), System.currentTimeMillis()).asMap().get(PROBE_FEATURE);
        return v == null ? 0 : ((Number) v).longValue();
    }

    /** Markers go out at once (no linger), so their send time is their produced time. */
    private static KafkaProducer<byte[], byte[]> probeProducer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void print(Run r) {
        System.out.printf("THROUGHPUT %s: %,d events in %.2f s (Flink net runtime %.2f s): %,.0f events/s; job JVM CPU %.1f s = %,.0f events"
                        + " per CPU-second (GC %.1f s); redis-server CPU %.1f s; broker JVM CPU %.1f s%n", r.name(), r.events(),
                r.wallMs() / 1e3, r.netRuntimeMs() / 1e3, r.eventsPerSecond(), r.cpuMs() / 1e3, r.eventsPerCpuSecond(), r.gcMs() / 1e3,
                r.redisCpuMs() / 1e3, r.brokerCpuMs() / 1e3);
        System.out.printf("  job JVM CPU seconds by thread (largest): %s%n", r.threads());
        if (r.warmup() != null) {
            System.out.printf("  after its warm-up job in the same JVM: %,d other events in %.2f s, CPU %.1f s = %,.0f events per CPU-second"
                    + " (a cold JVM's figure)%n", r.warmup().events(), r.warmup().wallMs() / 1e3, r.warmup().cpuMs() / 1e3,
                    r.warmup().eventsPerCpuSecond());
        }
    }

    /** Which window aggregations the planner chose (two-phase, slicing), from the EXPLAIN output. */
    private static void printPlanSummary(Path plan) throws IOException {
        if (!Files.exists(plan)) {
            return;
        }
        String text = Files.readString(plan);
        int optimized = text.indexOf("== Optimized Physical Plan ==");
        String physical = optimized < 0 ? text : text.substring(optimized, Math.max(optimized, text.indexOf("== Optimized Execution Plan ==")));
        Map<String, Integer> operators = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(\\w*(?:WindowAggregate|GroupAggregate|Calc|TableSourceScan|Exchange|MiniBatchAssigner)\\w*)\\(")
                .matcher(physical);
        while (m.find()) {
            operators.merge(m.group(1), 1, Integer::sum);
        }
        System.out.printf("SQL plan operators: %s%n", operators);
    }

    private static void printTable(List<Run> runs, List<String> freshness, int parallelism) {
        System.out.println();
        System.out.printf("| job (parallelism %d) | events | wall s | events/s | job CPU s | events/CPU-s | peak RSS MB | + redis CPU s | events/CPU-s with Redis | broker CPU s |%n",
                parallelism);
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Run r : runs) {
            System.out.printf("| %s | %,d | %.2f | %,.0f | %.1f | %,.0f | %,d | %.1f | %,.0f | %.1f |%n", r.name(), r.events(), r.wallMs() / 1e3,
                    r.eventsPerSecond(), r.cpuMs() / 1e3, r.eventsPerCpuSecond(), r.peakRssMb(), r.redisCpuMs() / 1e3,
                    r.eventsPerCpuSecondWithRedis(), r.brokerCpuMs() / 1e3);
        }
        Map<String, List<Run>> byEngine = new LinkedHashMap<>();
        for (Run r : runs) {
            byEngine.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(r);
        }
        if (runs.size() > byEngine.size()) {
            System.out.println();
            System.out.println("| engine | runs | events/s median (min–max) | events per CPU-second median (min–max) | peak RSS MB median |");
            System.out.println("|---|---:|---:|---:|---:|");
            for (Map.Entry<String, List<Run>> e : byEngine.entrySet()) {
                double[] eps = e.getValue().stream().mapToDouble(Run::eventsPerSecond).sorted().toArray();
                double[] epc = e.getValue().stream().mapToDouble(Run::eventsPerCpuSecond).sorted().toArray();
                double[] rss = e.getValue().stream().mapToDouble(Run::peakRssMb).sorted().toArray();
                System.out.printf("| %s | %d | %,.0f (%,.0f–%,.0f) | %,.0f (%,.0f–%,.0f) | %,.0f |%n", ENGINES.get(e.getKey()), eps.length,
                        median(eps), eps[0], eps[eps.length - 1], median(epc), epc[0], epc[epc.length - 1], median(rss));
            }
        }
        List<String> names = new ArrayList<>(byEngine.keySet());
        for (int i = 0; i < names.size(); i++) {
            for (int j = i + 1; j < names.size(); j++) {
                double[] a = byEngine.get(names.get(i)).stream().mapToDouble(Run::eventsPerSecond).sorted().toArray();
                double[] b = byEngine.get(names.get(j)).stream().mapToDouble(Run::eventsPerSecond).sorted().toArray();
                double[] ac = byEngine.get(names.get(i)).stream().mapToDouble(Run::eventsPerCpuSecond).sorted().toArray();
                double[] bc = byEngine.get(names.get(j)).stream().mapToDouble(Run::eventsPerCpuSecond).sorted().toArray();
                System.out.printf("%s / %s (medians): %.2fx events/s, %.2fx events per CPU-second%n", names.get(i), names.get(j),
                        median(a) / median(b), median(ac) / median(bc));
            }
        }
        freshness.forEach(System.out::println);
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static synchronized void destroyChildren() {
        for (Process p : CHILDREN) {
            p.destroyForcibly();
        }
        CHILDREN.clear();
    }

    /** Starts {@link FlinkBenchJob} JVMs with this class path. */
    private record JobLauncher(String jvm, String embeddedJvm, Path work, Path features, String bootstrap, String redis, int parallelism, String topic,
                               String groups, long warmupEvents, String warmupTopic, Path warmupFeatures) {
        Run runBounded(String job, int runNumber, long events, RedisServer redisServer, int accounts) throws Exception {
            Path result = work.resolve(job + "-result.properties");
            Path warmupDone = work.resolve(job + "-warmup.done");
            List<String> extra = new ArrayList<>(List.of("--result", result.toString(), "--accounts", Integer.toString(accounts)));
            if (warmupEvents > 0) {
                extra.addAll(List.of("--warmup-topic", warmupTopic, "--warmup-features", warmupFeatures.toString(), "--warmup-done",
                        warmupDone.toString()));
            }
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            // a consumer group per run: a bounded Flink job leaves the offsets of its last checkpoint committed
            Process p = start(job, true, "tput:", "fbench-" + job + "-" + runNumber, extra);
            p.getOutputStream().close();
            while (warmupEvents > 0 && !Files.exists(warmupDone) && p.isAlive()) {
                Thread.sleep(20); // the Redis server's and the broker's CPU count from the measured job's start
            }
            long redisCpu0 = redisServer.cpuMillis();
            long brokerCpu0 = os.getProcessCpuTime();
            if (!p.waitFor(2, TimeUnit.HOURS) || p.exitValue() != 0) {
                throw new IllegalStateException("the " + job + " job's JVM " + (p.isAlive() ? "ran over 2 hours" : "exited with " + p.exitValue()));
            }
            long brokerCpu = (os.getProcessCpuTime() - brokerCpu0) / 1_000_000;
            long redisCpu = redisServer.cpuMillis() - redisCpu0;
            Properties r = new Properties();
            try (InputStream in = Files.newInputStream(result)) {
                r.load(in);
            }
            Warmup warmup = warmupEvents == 0 ? null
                    : new Warmup(warmupEvents, Long.parseLong(r.getProperty("warmup_wall_ms")), Long.parseLong(r.getProperty("warmup_cpu_ms")));
            Map<String, Long> counts = new LinkedHashMap<>();
            for (String name : r.stringPropertyNames()) {
                if (name.startsWith("count.")) {
                    counts.put(name.substring("count.".length()), Long.parseLong(r.getProperty(name)));
                }
            }
            return new Run(job, events, Long.parseLong(r.getProperty("wall_ms")), Long.parseLong(r.getProperty("net_runtime_ms")),
                    Long.parseLong(r.getProperty("cpu_ms")), Long.parseLong(r.getProperty("gc_ms")), redisCpu, brokerCpu,
                    r.getProperty("threads", ""), warmup, Long.parseLong(r.getProperty("peak_rss_mb", "-1")), counts);
        }

        /** The Tessera job, unbounded, after the same warm-up as the bounded runs' (ADR 028). */
        Process startUnbounded(String namespace, String consumerGroup) throws IOException {
            List<String> extra = new ArrayList<>();
            if (warmupEvents > 0) {
                Path warmupDone = Files.createTempFile(work, "unbounded-warmup", ".done");
                Files.delete(warmupDone);
                extra.addAll(List.of("--warmup-topic", warmupTopic, "--warmup-features", warmupFeatures.toString(), "--warmup-done",
                        warmupDone.toString()));
            }
            return start("tessera", false, namespace, consumerGroup, extra);
        }

        private Process start(String job, boolean bounded, String namespace, String consumerGroup, List<String> extra) throws IOException {
            Path tmp = Files.createDirectories(work.resolve("tmp-" + job + (bounded ? "" : "-unbounded")));
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(Arrays.asList(jvm.trim().split("\\s+")));
            if (job.equals("embedded") && !embeddedJvm.isBlank()) {
                cmd.addAll(Arrays.asList(embeddedJvm.trim().split("\\s+")));
            }
            // Flink warns about every Kafka client metric it cannot register twice, and more: errors only
            cmd.addAll(List.of("-Djava.io.tmpdir=" + tmp, "-Dorg.slf4j.simpleLogger.log.org.apache.flink=error", "-cp", System.getProperty("java.class.path"), FlinkBenchJob.class.getName(),
                    "--job", job, "--bounded", Boolean.toString(bounded), "--work", work.toString(), "--features", features.toString(),
                    "--bootstrap", bootstrap, "--redis", redis, "--namespace", namespace, "--consumer-group", consumerGroup,
                    "--parallelism", Integer.toString(parallelism), "--topic", topic, "--groups", groups));
            cmd.addAll(extra);
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            synchronized (FlinkThroughputBench.class) {
                CHILDREN.add(p);
            }
            return p;
        }
    }
}
