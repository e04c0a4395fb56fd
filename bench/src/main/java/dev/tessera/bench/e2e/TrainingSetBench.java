package dev.tessera.bench.e2e;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.io.Folders;
import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.training.TrainingSetBuilder;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Training-set generation against DuckDB (issue [Offline]): 1M spine rows, 10M events, the 20
 * windowed features of {@code training_set_bench.yaml}, computed by Tessera's
 * {@link TrainingSetBuilder} from a real archive, and by DuckDB (in this JVM, via JDBC) from a typed
 * Parquet copy of the same events with the best SQL we found ({@link DuckDbTrainingSet}), on the
 * same machine in the same run. Both write the same training set (spine columns in spine order,
 * then 20 feature columns) as ZSTD Parquet.
 *
 * <h2>Protocol</h2>
 * <ol>
 *   <li>Data ({@link TrainingSetData}) is generated once into {@code --data} and reused.</li>
 *   <li>Warm-up: one run of each engine (and of each SQL formulation), then a cross-check of every
 *       value of Tessera's output against each DuckDB output (counts exactly, doubles within 1e-9
 *       relative); any mismatch stops the benchmark with exit status 1.</li>
 *   <li>{@code --runs} (3) measured rounds, engines alternating within a round, so load from other
 *       users of the machine hits both alike. Per run: wall time, peak RSS of the process (VmHWM,
 *       reset before the run through {@code /proc/self/clear_refs}; the JVM keeps the heap it
 *       grew, so Tessera's figure includes heap committed earlier, DuckDB's its native memory on top
 *       of the idle JVM), peak Java heap used, and CPU time of the process (all threads; steadier
 *       than wall time when other users load the machine).</li>
 *   <li>The outputs of the last round are cross-checked again; medians, min and max and the ratio
 *       (DuckDB median / Tessera median; above 1 means Tessera is faster) are printed as Markdown.</li>
 * </ol>
 *
 * <p>Run (from the repository root; the first run generates ~1.5 GB of data in a few minutes):
 * {@code mvn -B -ntp -q package -pl bench -am -DskipTests && java -Xmx6g -cp bench/target/benchmarks.jar
 * dev.tessera.bench.e2e.TrainingSetBench --data /tmp/tessera-tsbench}
 * <br>Options: {@code --events} (10,000,000), {@code --spine-rows} (1,000,000), {@code --accounts}
 * (500,000), {@code --days} (120), {@code --partitions} (4), {@code --seed}, {@code --runs} (3),
 * {@code --sql window,cumulative} (formulations to run; {@code range} too is possible, but takes minutes
 * on this data: see {@link DuckDbTrainingSet}), {@code --engines tessera,duckdb},
 * {@code --memory MB} (Tessera's join budget; default a quarter of the heap), {@code --check false}.
 */
public final class TrainingSetBench {
    private TrainingSetBench() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        Path dir = Path.of(a.getOrDefault("--data", "/tmp/tessera-tsbench")).toAbsolutePath();
        TrainingSetData.Params params = new TrainingSetData.Params(integer(a, "--events", 10_000_000), integer(a, "--spine-rows", 1_000_000),
                integer(a, "--accounts", 500_000), integer(a, "--days", 120), integer(a, "--partitions", 4), Long.parseLong(a.getOrDefault("--seed", "1")));
        int runs = integer(a, "--runs", 3);
        boolean check = Boolean.parseBoolean(a.getOrDefault("--check", "true"));
        List<String> engines = Arrays.asList(a.getOrDefault("--engines", "tessera,duckdb").split(","));
        List<DuckDbTrainingSet.Sql> forms = new ArrayList<>();
        for (String s : a.getOrDefault("--sql", "window,cumulative").split(",")) {
            forms.add(DuckDbTrainingSet.Sql.valueOf(s.trim().toUpperCase(Locale.ROOT)));
        }
        long memory = a.containsKey("--memory") ? Long.parseLong(a.get("--memory")) << 20 : 0;

        System.out.printf("machine: %d cores, %,d MB RAM, max heap %,d MB, %s %s; load average %s%n",
                Runtime.getRuntime().availableProcessors(), totalRamMb(), Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.vm.name"), System.getProperty("java.vm.version"), loadAverage());
        TrainingSetData.Paths data = TrainingSetData.prepare(dir, params);
        Definitions defs = DefinitionLoader.load(data.features());
        ArchiveReader archive = ArchiveReader.open(data.archive(), "payments");
        System.out.printf("archive: %,d events in %,d files, %,d MB; events.parquet %,d MB; spine.parquet %,d MB%n", archive.count(),
                archive.files().size(), TrainingSetData.size(data.archive()) >> 20, Files.size(data.eventsParquet()) >> 20,
                Files.size(data.spineParquet()) >> 20);
        System.out.println(DuckDbTrainingSet.settings());
        Path runDir = Files.createDirectories(dir.resolve("runs"));
        Path tmp = runDir.resolve("tmp");

        Map<String, Engine> all = new LinkedHashMap<>();
        if (engines.contains("tessera")) {
            all.put("tessera", new Engine("Tessera", runDir.resolve("tessera.parquet"), out -> {
                TrainingSetBuilder.Options o = TrainingSetBuilder.Options.of(data.spineParquet(), TrainingSetData.SERVICE, out, tmp);
                if (memory > 0) {
                    o = o.withMemoryBudget(memory);
                }
                PhaseClock phases = new PhaseClock();
                TrainingSetBuilder.Report r = new TrainingSetBuilder(defs, data.features(), src -> ArchiveReader.open(data.archive(), src.name()))
                        .build(o, phases);
                return String.format(Locale.ROOT, "%,d rows, %,d events read, %,d joined, %d buckets split; phases %s", r.rows(),
                        r.eventsScanned(), r.eventsJoined(), r.bucketsSplit(), phases.summary());
            }));
        }
        if (engines.contains("duckdb")) {
            for (DuckDbTrainingSet.Sql f : forms) {
                all.put("duckdb-" + f.label(), new Engine("DuckDB " + f.label(), runDir.resolve("duckdb-" + f.label() + ".parquet"), out -> {
                    DuckDbTrainingSet.run(f, data.spineParquet(), data.eventsParquet(), out, Files.createDirectories(tmp));
                    return "";
                }));
            }
            System.out.println("DuckDB SQL (" + forms.get(0).label() + "):\n" + DuckDbTrainingSet.sql(forms.get(0), data.spineParquet(),
                    data.eventsParquet(), runDir.resolve("out.parquet")));
        }

        System.out.println("warm-up:");
        for (Engine e : all.values()) {
            e.run(false);
        }
        if (check) {
            crossCheck(all);
        }
        for (int r = 1; r <= runs; r++) {
            System.out.printf("round %d of %d (load average %s):%n", r, runs, loadAverage());
            for (Engine e : all.values()) {
                e.run(true);
            }
        }
        if (check) {
            crossCheck(all);
        }

        if (runs == 0 || all.isEmpty()) {
            return;
        }
        Engine tessera = all.get("tessera");
        System.out.printf("%n| engine | median s | min s | max s | median CPU s | peak RSS MB | RSS added by the run MB | peak Java heap used MB"
                + " | best DuckDB ÷ engine | same, CPU time |%n");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Engine best = null;
        for (Engine e : all.values()) {
            if (e != tessera && (best == null || e.median() < best.median())) {
                best = e;
            }
        }
        for (Engine e : all.values()) {
            String ratio = best == null ? "" : String.format(Locale.ROOT, "%.2f", best.median() / e.median());
            String cpuRatio = best == null ? "" : String.format(Locale.ROOT, "%.2f", best.medianCpu() / e.medianCpu());
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %,d | %,d | %,d | %s | %s |%n", e.name, e.median(), e.min(), e.max(),
                    e.medianCpu(), median(e.rssMb), median(e.addedMb), median(e.heapMb), ratio, cpuRatio);
        }
        for (Engine e : all.values()) { // one machine-readable line per engine (CompareAll collects them)
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scenario", "training-set");
            m.put("engine", e.name);
            m.put("runs", e.seconds.size());
            m.put("median_s", e.median());
            m.put("min_s", e.min());
            m.put("max_s", e.max());
            m.put("median_cpu_s", e.medianCpu());
            m.put("peak_rss_mb", median(e.rssMb));
            m.put("seconds", e.seconds);
            System.out.println("RESULT " + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(m));
        }
        if (tessera != null && best != null) {
            System.out.printf(Locale.ROOT, "%nRESULT: Tessera %.2f s (median of %d), best DuckDB (%s) %.2f s: Tessera is %.2f× %s%n", tessera.median(),
                    runs, best.name, best.median(), Math.max(best.median(), tessera.median()) / Math.min(best.median(), tessera.median()),
                    tessera.median() <= best.median() ? "faster" : "slower");
        }
        Folders.deleteTree(tmp);
    }

    /** Seconds spent in each phase the builder reports (spine, events, join, write), from its progress calls. */
    private static final class PhaseClock implements TrainingSetBuilder.Progress {
        private final long start = System.nanoTime();
        private final Map<String, Long> firstSeen = new LinkedHashMap<>();

        @Override
        public void update(String phase, long done, long total) {
            firstSeen.putIfAbsent(phase, System.nanoTime());
        }

        String summary() {
            StringBuilder sb = new StringBuilder();
            long prev = start;
            String prevName = "setup";
            for (var e : firstSeen.entrySet()) {
                sb.append(String.format(Locale.ROOT, "%s %.1f s, ", prevName, (e.getValue() - prev) / 1e9));
                prev = e.getValue();
                prevName = e.getKey();
            }
            return sb.append(String.format(Locale.ROOT, "%s %.1f s", prevName, (System.nanoTime() - prev) / 1e9)).toString();
        }
    }

    private static void crossCheck(Map<String, Engine> all) throws Exception {
        Engine t = all.get("tessera");
        if (t == null) {
            return;
        }
        for (Engine e : all.values()) {
            if (e != t) {
                try {
                    DuckDbTrainingSet.crossCheck(t.out, e.out);
                } catch (IllegalStateException mismatch) {
                    System.out.println(mismatch.getMessage());
                    System.exit(1);
                }
            }
        }
    }

    @FunctionalInterface
    private interface Job {
        String run(Path out) throws Exception;
    }

    /** One engine (or SQL formulation) and its measured runs. */
    private static final class Engine {
        final String name;
        final Path out;
        final Job job;
        final List<Double> seconds = new ArrayList<>();
        final List<Long> rssMb = new ArrayList<>();
        final List<Long> addedMb = new ArrayList<>();
        final List<Long> heapMb = new ArrayList<>();
        final List<Double> cpuSeconds = new ArrayList<>();

        Engine(String name, Path out, Job job) {
            this.name = name;
            this.out = out;
            this.job = job;
        }

        void run(boolean measured) throws Exception {
            Files.deleteIfExists(out);
            System.gc();
            System.gc();
            long rssBefore = Memory.rssKb() >> 10;
            Memory.resetPeaks();
            long start = System.nanoTime();
            long cpuStart = processCpuNanos();
            String what = job.run(out);
            double secs = (System.nanoTime() - start) / 1e9;
            double cpu = (processCpuNanos() - cpuStart) / 1e9;
            long rss = Memory.peakRssKb() >> 10;
            long heap = Memory.peakHeapBytes() >> 20;
            System.out.printf(Locale.ROOT, "  %-16s %7.2f s  cpu %6.2f s  peak RSS %,6d MB (%,d before)  peak heap %,6d MB  %s%s%n", name, secs, cpu,
                    rss, rssBefore, heap, what, measured ? "" : "  (warm-up)");
            if (measured) {
                seconds.add(secs);
                rssMb.add(rss);
                addedMb.add(rss - rssBefore);
                heapMb.add(heap);
                cpuSeconds.add(cpu);
            }
        }

        double medianCpu() {
            List<Double> s = new ArrayList<>(cpuSeconds);
            s.sort(null);
            return s.get(s.size() / 2);
        }

        double median() {
            List<Double> s = new ArrayList<>(seconds);
            s.sort(null);
            return s.get(s.size() / 2);
        }

        double min() {
            return seconds.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

        double max() {
            return seconds.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }
    }

    /**
     * CPU time of the whole process (every thread: Tessera's workers, DuckDB's native threads, GC):
     * on a machine other users load, less disturbed by them than wall time.
     */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long median(List<Long> v) {
        List<Long> s = new ArrayList<>(v);
        s.sort(null);
        return s.isEmpty() ? 0 : s.get(s.size() / 2);
    }

    /** Process memory from /proc (Linux) and the JVM's heap pools. */
    static final class Memory {
        private Memory() {}

        static long rssKb() {
            return status("VmRSS:");
        }

        static long peakRssKb() {
            return status("VmHWM:");
        }

        static void resetPeaks() {
            try {
                Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // resets VmHWM to the current RSS
            } catch (Exception e) {
                // not Linux, or not allowed: the peak is then since process start
            }
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == MemoryType.HEAP) {
                    p.resetPeakUsage();
                }
            }
        }

        /** Sum of the heap pools' peaks: an upper bound of the heap used at any one time. */
        static long peakHeapBytes() {
            long sum = 0;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == MemoryType.HEAP) {
                    sum += p.getPeakUsage().getUsed();
                }
            }
            return sum;
        }

        private static long status(String field) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith(field)) {
                        return Long.parseLong(line.substring(field.length()).replace("kB", "").trim());
                    }
                }
            } catch (Exception e) {
                // not Linux
            }
            return -1;
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split(" ", 4)[0] + " " + Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[1];
        } catch (Exception e) {
            return "?";
        }
    }

    private static long totalRamMb() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os.getTotalMemorySize() >> 20;
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("options come as --name value; got " + Arrays.toString(args));
            }
            m.put(args[i], args[++i]);
        }
        return m;
    }

    private static int integer(Map<String, String> a, String name, int dflt) {
        String v = a.get(name);
        return v == null ? dflt : Integer.parseInt(v.replace("_", "").replace(",", ""));
    }
}
