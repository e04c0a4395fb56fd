package dev.tessera.bench.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Issue [Bench]'s one command: the side-by-side comparisons against what a user would pick
 * instead, on this machine, each engine at least {@code --runs} times, written into
 * {@code bench/RESULTS.md} (between the {@value #BEGIN} and {@value #END} markers; everything else
 * in the file is left as it is) with the date, the machine, the commit, the exact commands, medians,
 * minimum and maximum, ratios and the goals.
 *
 * <ol>
 *   <li><b>ingest</b>: {@link FlinkThroughputBench} with the embedded runtime, Tessera's Flink
 *       runner and the hand-written Flink SQL HOP job on the same payments (each engine in a JVM of
 *       its own, after a warm-up; the Flink runner's freshness at half its maximum follows), and
 *       {@link KafkaStreamsThroughputBench}, the Kafka Streams application, on the same payments
 *       (the same generator and seed).</li>
 *   <li><b>freshness</b>: {@link RuntimeThroughputBench}: the embedded runtime's produced-to-readable
 *       distribution at half its maximum rate.</li>
 *   <li><b>serving</b>: {@link ServingComparisonBench}: Tessera over HTTP against a Redis-backed
 *       service returning precomputed vectors, at fixed rates, coordinated-omission-free, each server
 *       after a 90-s warm-up in three passes on new connections; then, in the same run, scoring
 *       ({@code POST /v1/score}, issue [Inference]) against the same service reading precomputed
 *       model inputs and scoring them with XGBoost4J.</li>
 *   <li><b>training</b>: {@link TrainingSetBench}: training sets against DuckDB.</li>
 * </ol>
 * Every step is a child JVM running the benchmark's own main, whose output goes to the console and
 * to {@code --log-dir}; its {@code RESULT {json}} lines are the figures. Before each step (and after
 * the last) an idle thread measures for 5 s how often it wakes up over 1 ms late ({@link HiccupMeter}):
 * the header lists it per step, since a host that gets busy during the hour slows the later steps
 * only (session 14's run: 0.8 a second quiet, 3–5 noisy). The section is rewritten
 * after every step (marked partial until the last), so a run stopped part way keeps what it
 * measured. A step that fails fails the command (exit status 1) after writing what was measured.
 *
 * <p>Run (from the repository root, on an otherwise idle machine; about an hour with the defaults):
 * {@code mvn -B -ntp -q install -DskipTests && mvn -B -ntp -q package -pl bench -DskipTests
 * && java -cp bench/target/benchmarks.jar dev.tessera.bench.e2e.CompareAll}
 * <br>Options: {@code --runs} (3), {@code --only ingest,freshness,serving,training},
 * {@code --events} (500,000 payments for ingest, after 300,000 warm-up ones), {@code --accounts} (100,000),
 * {@code --event-span-s} (600: the event times' span; the SQL job's cost grows with it),
 * {@code --serving-rates} (10000, the goal's rate; e.g. 5000,10000,20000), {@code --score-rates} (5000, issue
 * [Inference]'s rate; {@code none} skips scoring), {@code --kafka-streams-threads}
 * (the machine's cores: one stream thread per core),
 * {@code --quick} (small sizes and short steps: minutes, for checking the command itself; its
 * figures are not results), {@code --results FILE} (bench/RESULTS.md; {@code -} prints the section
 * instead), {@code --log-dir DIR} (bench/target/compare), {@code --training-data DIR}
 * (/tmp/tessera-tsbench, generated on first use and reused), {@code --render-logs} (write the section
 * from the step logs in {@code --log-dir} without running anything: after a run was stopped).
 */
public final class CompareAll {
    /** The first lines of each step's log: its command and when it started (for {@code --render-logs}). */
    private static final String COMMAND_LINE = "# CompareAll step: ";
    private static final String STARTED_LINE = "# started: ";
    private static final String COMMIT_LINE = "# commit: ";
    /** How noisy the machine was just before the step ({@link #noise}). */
    private static final String NOISE_LINE = "# machine before the step: ";
    private static final int NOISE_SECONDS = 5;

    /** The header's date: {@code started} (yyyy-MM-dd HH:mm) to now, and the commit. */
    private static String when(String started) {
        return started + " to " + LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm")) + "; commit " + gitHead();
    }
    static final String BEGIN = "<!-- BEGIN CompareAll: generated by dev.tessera.bench.e2e.CompareAll, do not edit by hand -->";
    static final String END = "<!-- END CompareAll -->";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String E2E = "dev.tessera.bench.e2e.";

    private CompareAll() {}

    /** One benchmark invocation: its main class, the JVM flags and arguments. */
    record Step(String scenario, String main, List<String> jvm, List<String> args) {
        String command() {
            return "java " + String.join(" ", jvm) + " -cp bench/target/benchmarks.jar " + main + " " + String.join(" ", args);
        }
    }

    public static void main(String[] argv) throws Exception {
        int runs = FlinkBenchJob.Args.integer(argv, "--runs", 3);
        boolean quick = Arrays.asList(argv).contains("--quick");
        Set<String> only = new LinkedHashSet<>(List.of(FlinkBenchJob.Args.string(argv, "--only", "ingest,freshness,serving,training").split(",")));
        int events = FlinkBenchJob.Args.integer(argv, "--events", quick ? 100_000 : 500_000);
        int accounts = FlinkBenchJob.Args.integer(argv, "--accounts", quick ? 10_000 : 100_000);
        String results = FlinkBenchJob.Args.string(argv, "--results", "bench/RESULTS.md");
        Path logDir = Path.of(FlinkBenchJob.Args.string(argv, "--log-dir", "bench/target/compare"));
        String trainingData = FlinkBenchJob.Args.string(argv, "--training-data", quick ? "/tmp/tessera-tsbench-quick" : "/tmp/tessera-tsbench");
        Files.createDirectories(logDir);
        if (Arrays.asList(argv).contains("--render-logs")) {
            renderLogs(logDir, results, quick);
            return;
        }
        try (var old = Files.list(logDir)) { // the logs are this run's: --render-logs reads them all
            for (Path f : (Iterable<Path>) old::iterator) {
                if (f.getFileName().toString().endsWith(".log")) {
                    Files.delete(f);
                }
            }
        }

        // the warm-up only has to compile the hot paths (ADR 028); the SQL job's is the costly one
        // event times over --event-span-s: the SQL job fires every account's windows at every slide of that span, so its cost
        // follows the span more than the event count (an hour of 100,000 accounts: over 10 minutes a run)
        int spanSeconds = FlinkBenchJob.Args.integer(argv, "--event-span-s", 600);
        String size = "--events " + events + " --accounts " + accounts + " --event-span-s " + spanSeconds + " --warmup-events "
                + (quick ? 50_000 : 300_000);
        List<Step> steps = new ArrayList<>();
        if (only.contains("ingest")) {
            steps.add(new Step("ingest", E2E + "FlinkThroughputBench", List.of("-Xmx2g"), split("--mode all --runs " + runs + " " + size
                    + " --freshness-seconds " + (quick ? 5 : 30) + " --freshness-runs " + runs)));
            // one stream thread per core, as a Kafka Streams team sizes an application for its machine (measured on 2 cores:
            // 2 threads ~12 % more events/s than 1; session 14, bench/RESULTS.md)
            int ksThreads = FlinkBenchJob.Args.integer(argv, "--kafka-streams-threads", Runtime.getRuntime().availableProcessors());
            for (int r = 0; r < runs; r++) {
                steps.add(new Step("ingest", E2E + "KafkaStreamsThroughputBench", List.of("-Xmx2g"),
                        split(size + " --threads " + ksThreads)));
            }
        }
        if (only.contains("freshness")) {
            for (int r = 0; r < runs; r++) {
                steps.add(new Step("freshness", E2E + "RuntimeThroughputBench", List.of("-Xmx4g"),
                        split("--events " + events + " --accounts " + accounts + " --event-span-s " + spanSeconds + " --seconds "
                                + (quick ? 5 : 30))));
            }
        }
        if (only.contains("serving")) {
            for (int r = 0; r < runs; r++) {
                steps.add(new Step("serving", E2E + "ServingComparisonBench", List.of("-Xmx1g"),
                        quick ? split("--seconds 3 --warmup 3 --rates 10000 --events 50000 --score-rates 1000 --score-warmup 3")
                                : split("--warmup 90 --warmup-passes 3 --rates "
                                        + FlinkBenchJob.Args.string(argv, "--serving-rates", "10000") + " --score-warmup 60 --score-rates "
                                        + FlinkBenchJob.Args.string(argv, "--score-rates", "5000"))));
            }
        }
        if (only.contains("training")) {
            steps.add(new Step("training", E2E + "TrainingSetBench", List.of("-Xmx6g"), split("--data " + trainingData + " --runs " + runs
                    + (quick ? " --events 500000 --spine-rows 50000 --accounts 20000" : ""))));
        }

        List<Map<String, Object>> found = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Set<String> commands = new LinkedHashSet<>();
        List<String> noise = new ArrayList<>();
        String started = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            commands.add(s.command());
            System.out.printf("%n=== CompareAll step %d of %d (%s): %s%n", i + 1, steps.size(), s.scenario(), s.command());
            Path log = logDir.resolve(String.format("%02d-%s-%s.log", i + 1, s.scenario(), s.main().substring(E2E.length())));
            String machine = noise();
            noise.add("step " + (i + 1) + ": " + machine);
            System.out.println(NOISE_LINE + machine);
            int exit = runStep(s, log, machine, found);
            if (exit != 0) {
                failures.add(s.command() + " exited with " + exit + " (log: " + log + ")");
            }
            if (!results.equals("-") && i < steps.size() - 1) {
                // after every step: a run stopped part way keeps what it measured, marked as partial
                List<String> partial = new ArrayList<>(failures);
                partial.add("the run is in progress or was stopped: steps " + (i + 2) + " to " + steps.size() + " of " + steps.size()
                        + " have not run, their figures are missing");
                writeSection(Path.of(results), render(found, commands, partial, when(started), quick, null, noise));
            }
        }
        noise.add("after the last step: " + noise());
        String section = render(found, commands, failures, when(started), quick, null, noise);
        if (results.equals("-")) {
            System.out.println(section);
        } else {
            writeSection(Path.of(results), section);
            System.out.printf("%nwrote the comparison section of %s%n", results);
        }
        if (!failures.isEmpty()) {
            System.err.println("failed steps:\n  " + String.join("\n  ", failures));
            System.exit(1);
        }
    }

    /**
     * {@code --render-logs}: writes the section from the step logs of {@code logDir} (a run that was
     * stopped, or steps run by hand): each log's {@code RESULT} lines, its scenario from its name.
     */
    private static void renderLogs(Path logDir, String results, boolean quick) throws IOException {
        List<Map<String, Object>> found = new ArrayList<>();
        Set<String> commands = new LinkedHashSet<>();
        List<Path> logs;
        try (var list = Files.list(logDir)) {
            logs = list.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        String started = null;
        String commit = null;
        List<String> noise = new ArrayList<>();
        for (Path log : logs) {
            String[] parts = log.getFileName().toString().replace(".log", "").split("-", 3);
            boolean named = false;
            for (String line : Files.readAllLines(log)) {
                if (line.startsWith(COMMAND_LINE)) { // logs of this version name their command and start
                    commands.add(line.substring(COMMAND_LINE.length()));
                    named = true;
                } else if (line.startsWith(STARTED_LINE) && started == null) {
                    started = line.substring(STARTED_LINE.length());
                } else if (line.startsWith(COMMIT_LINE) && commit == null) {
                    commit = line.substring(COMMIT_LINE.length());
                } else if (line.startsWith(NOISE_LINE)) {
                    noise.add("step " + Integer.parseInt(parts[0]) + ": " + line.substring(NOISE_LINE.length()));
                } else if (line.startsWith("RESULT {")) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> r = JSON.readValue(line.substring("RESULT ".length()), Map.class);
                    r.putIfAbsent("scenario", parts.length > 1 ? parts[1] : "?");
                    found.add(r);
                }
            }
            if (!named) {
                commands.add("(log " + log.getFileName() + ")");
            }
        }
        String ended = LocalDateTime.ofInstant(Files.getLastModifiedTime(logs.get(logs.size() - 1)).toInstant(), java.time.ZoneId.systemDefault())
                .format(DateTimeFormatter.ofPattern("HH:mm"));
        String section = render(found, commands, List.of(), (started == null ? "(start not logged)" : started) + " to " + ended + "; commit "
                + (commit == null ? "(not logged)" : commit), quick, "Written from the step logs in " + logDir
                + " (`--render-logs`); a stopped run's steps that did not run are missing", noise);
        if (results.equals("-")) {
            System.out.println(section);
        } else {
            writeSection(Path.of(results), section);
        }
    }

    /**
     * Wake-ups over 1 ms late per second of an idle thread for {@value #NOISE_SECONDS} s: a host busy with
     * other work shows here before it shows in the figures (a quiet run of this machine: under 1).
     */
    private static String noise() {
        org.HdrHistogram.Histogram late = HiccupMeter.measure(NOISE_SECONDS, 100);
        long over1ms = late.getCountBetweenValues(1_000_001, late.getHighestTrackableValue());
        return String.format(Locale.ROOT, "%.1f late wake-ups/s, p99.9 %.0f µs", over1ms / (double) NOISE_SECONDS,
                late.getValueAtPercentile(99.9) / 1e3);
    }

    private static List<String> split(String args) {
        return List.of(args.trim().split("\\s+"));
    }

    /** Runs one step in a child JVM, its output to the console and {@code log}; adds its RESULT lines to {@code found}. */
    private static int runStep(Step s, Path log, String machine, List<Map<String, Object>> found) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(s.jvm());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), s.main()));
        cmd.addAll(s.args());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             PrintStream out = new PrintStream(Files.newOutputStream(log), true, StandardCharsets.UTF_8)) {
            out.println(COMMAND_LINE + s.command());
            out.println(STARTED_LINE + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")));
            out.println(COMMIT_LINE + gitHead());
            out.println(NOISE_LINE + machine);
            for (String line; (line = in.readLine()) != null; ) {
                out.println(line);
                if (!line.startsWith("WARN") && !line.startsWith("\tat ") && !line.contains(" WARN ")) {
                    System.out.println(line);
                }
                if (line.startsWith("RESULT {")) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> r = JSON.readValue(line.substring("RESULT ".length()), Map.class);
                    r.putIfAbsent("scenario", s.scenario());
                    found.add(r);
                }
            }
        }
        return p.waitFor();
    }

    /**
     * The Markdown section: header, one table per scenario, ratios against the goals. {@code source}: a
     * last header line saying where the figures come from, or null (this run's steps).
     */
    static String render(List<Map<String, Object>> found, Set<String> commands, List<String> failures, String when, boolean quick,
                         String source, List<String> noise) {
        StringBuilder md = new StringBuilder();
        md.append("## Side by side: Tessera against what a user would pick instead (issue [Bench])\n\n");
        if (quick) {
            md.append("**`--quick` run: small sizes to check the command; these figures are not results.**\n\n");
        }
        md.append("- Date: ").append(when).append('\n');
        md.append("- Machine: ").append(machine()).append('\n');
        md.append("- Command: `java -cp bench/target/benchmarks.jar dev.tessera.bench.e2e.CompareAll` (after `mvn -B -ntp -q install -DskipTests"
                + " && mvn -B -ntp -q package -pl bench -DskipTests`), which ran:\n");
        for (String c : commands) {
            md.append("  - `").append(c).append("`\n");
        }
        if (!failures.isEmpty()) {
            md.append("- **Failed or missing steps** (their figures are missing below): ").append(String.join("; ", failures)).append('\n');
        }
        if (!noise.isEmpty()) {
            md.append("- The machine before each step (`HiccupMeter`: a thread parking 100 µs for ").append(NOISE_SECONDS)
                    .append(" s, nothing else running; this machine quiet: under 1 wake-up a second over 1 ms late): ")
                    .append(String.join("; ", noise)).append('\n');
        }
        if (source != null) {
            md.append("- ").append(source).append('\n');
        }
        md.append('\n');
        ingest(md, only(found, "ingest"));
        freshness(md, only(found, "freshness"));
        serving(md, only(found, "serving"));
        scoring(md, only(found, "score"));
        training(md, only(found, "training-set", "training"));
        return md.toString();
    }

    private static List<Map<String, Object>> only(List<Map<String, Object>> found, String... scenarios) {
        List<String> wanted = List.of(scenarios);
        return found.stream().filter(r -> wanted.contains(String.valueOf(r.get("scenario")))).toList();
    }

    private static final Map<String, String> NAMES = Map.of("embedded", "Tessera embedded runtime", "tessera", "Tessera Flink runner",
            "sql", "Flink SQL, HOP windows (hand-written)", "kafka-streams", "Kafka Streams, windowed aggregations (hand-written)",
            "redis-vectors", "Redis-backed service, precomputed vectors (hand-written)", "duckdb", "DuckDB");

    private static String name(Object engine) {
        return NAMES.getOrDefault(String.valueOf(engine), String.valueOf(engine));
    }

    private static void ingest(StringBuilder md, List<Map<String, Object>> rows) {
        if (rows.isEmpty()) {
            return;
        }
        md.append("### Ingest and aggregation: the same payments, the same features (`account_payments`)\n\n");
        md.append("Events per second from the engine's start until every event is applied and durable: for Tessera's embedded runtime and"
                + " Kafka Streams, until their committed offsets reach the input's end (state committed with them; closing is not timed);"
                + " for the Flink jobs, from submission to the bounded job's end (sinks flushed). CPU of the engine's JVM only (the broker"
                + " and Redis apart), after a warm-up run in the same JVM; peak RSS of the engine's JVM.\n\n");
        md.append("| engine | runs | events/s median (min–max) | events per CPU-second median (min–max) | peak RSS MB (median) |\n");
        md.append("|---|---:|---:|---:|---:|\n");
        Map<String, List<Map<String, Object>>> byEngine = group(rows, "engine");
        for (Map.Entry<String, List<Map<String, Object>>> e : byEngine.entrySet()) {
            Stats eps = stats(e.getValue(), "events_per_s");
            Stats cpu = stats(e.getValue(), "events_per_cpu_s");
            Stats rss = stats(e.getValue(), "peak_rss_mb");
            md.append(String.format(Locale.ROOT, "| %s | %d | %,.0f (%,.0f–%,.0f) | %,.0f (%,.0f–%,.0f) | %,.0f |%n", name(e.getKey()), eps.n(),
                    eps.median(), eps.min(), eps.max(), cpu.median(), cpu.min(), cpu.max(), rss.median()));
        }
        md.append('\n');
        Stats embedded = byEngine.containsKey("embedded") ? stats(byEngine.get("embedded"), "events_per_s") : null;
        if (embedded != null) {
            for (String other : List.of("sql", "kafka-streams", "tessera")) {
                if (byEngine.containsKey(other)) {
                    double ratio = embedded.median() / stats(byEngine.get(other), "events_per_s").median();
                    String goal = other.equals("tessera") ? "(no goal: the same code on Flink, for scale-out)"
                            : ratio >= 10 ? "— goal ≥ 10×: **met**" : "— goal ≥ 10×: **not met**";
                    md.append(String.format(Locale.ROOT, "- Tessera embedded ÷ %s: **%.1f×** events/s (medians) %s%n", name(other), ratio, goal));
                }
            }
            md.append('\n');
        }
    }

    private static void freshness(StringBuilder md, List<Map<String, Object>> rows) {
        if (rows.isEmpty()) {
            return;
        }
        md.append("### Freshness under load: produced to readable\n\n");
        md.append("| engine | runs | rate (events/s) | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, List<Map<String, Object>>> e : group(rows, "engine").entrySet()) {
            List<Map<String, Object>> v = e.getValue();
            md.append(String.format(Locale.ROOT, "| %s | %d | %,.0f | %.1f | %.1f | %.1f (%.1f–%.1f) | %.1f | %.1f |%n", name(e.getKey()), v.size(),
                    stats(v, "rate").median(), stats(v, "p50_ms").median(), stats(v, "p90_ms").median(), stats(v, "p99_ms").median(),
                    stats(v, "p99_ms").min(), stats(v, "p99_ms").max(), stats(v, "p999_ms").median(), stats(v, "max_ms").median()));
        }
        md.append("\nMedians over the runs (p99: min–max). Each engine at half its own measured maximum rate.\n\n");
    }

    private static void serving(StringBuilder md, List<Map<String, Object>> rows) {
        if (rows.isEmpty()) {
            return;
        }
        md.append("### Serving: one entity's 50 features over HTTP, fixed rates, coordinated-omission-free\n\n");
        md.append("Each run starts each server in a JVM of its own, warms it up (`--warmup` seconds in `--warmup-passes` steps, each on new"
                + " connections, so the JIT's recompilation after clients reconnect is over before measuring), then measures one"
                + " 20-s step per rate with 8 keep-alive connections; latency from each request's due time.\n\n");
        Map<String, Map<Integer, List<Map<String, Object>>>> byServer = latencyTable(md, rows, name("redis-vectors"));
        List<Map<String, Object>> tessera = byServer.getOrDefault("tessera", Map.of()).get(10_000);
        List<Map<String, Object>> redis = byServer.getOrDefault("redis-vectors", Map.of()).get(10_000);
        if (tessera != null && redis != null) {
            double t = stats(tessera, "p99_us").median();
            double r = stats(redis, "p99_us").median();
            md.append(String.format(Locale.ROOT, "%n- At 10,000 requests/s, p99: Tessera %,.0f µs, Redis-backed %,.0f µs — goal Tessera's p99 no worse: **%s**%n%n",
                    t, r, t <= r ? "met" : "not met"));
        } else {
            md.append('\n');
        }
    }

    private static void scoring(StringBuilder md, List<Map<String, Object>> rows) {
        if (rows.isEmpty()) {
            return;
        }
        md.append("### Scoring: `POST /v1/score/account_risk` with live features, fixed rates, coordinated-omission-free\n\n");
        md.append("In the same runs, after the feature reads: Tessera reads the model's service features from its tiles, the examples'"
                + " experiment picks v1 (logistic) or v2 (100 XGBoost trees) per account, and its evaluator scores; the hand-written"
                + " service reads the account's precomputed model input from Redis (row and variant, copied from Tessera's own answers"
                + " and checked to give the same scores) and scores it with XGBoost4J (v2) or the logistic formula (v1). Warm-up"
                + " `--score-warmup` seconds in passes, then one 20-s step per rate.\n\n");
        Map<String, Map<Integer, List<Map<String, Object>>>> byServer = latencyTable(md, rows,
                "Redis + XGBoost4J service, precomputed model inputs (hand-written)");
        md.append('\n');
        for (Map.Entry<Integer, List<Map<String, Object>>> e : byServer.getOrDefault("tessera", Map.of()).entrySet()) {
            List<Map<String, Object>> redis = byServer.getOrDefault("redis-vectors", Map.of()).get(e.getKey());
            if (redis != null) {
                md.append(String.format(Locale.ROOT, "- At %,d scores/s, p99: Tessera %,.0f µs, hand-written %,.0f µs (no goal in the issue;"
                        + " issue [Inference]'s: p99 ≤ 2 ms at 5,000 scores/s)%n", e.getKey(), stats(e.getValue(), "p99_us").median(),
                        stats(redis, "p99_us").median()));
            }
        }
        md.append('\n');
    }

    /** The rows of a latency scenario as a table, one line per server and rate; returns them by server and rate. */
    private static Map<String, Map<Integer, List<Map<String, Object>>>> latencyTable(StringBuilder md, List<Map<String, Object>> rows,
                                                                                 String redisName) {
        md.append("| server | rate (requests/s) | runs | p50 µs | p99 µs median (min–max) | p99.9 µs | max µs | errors |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        Map<String, Map<Integer, List<Map<String, Object>>>> byServer = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            byServer.computeIfAbsent(String.valueOf(r.get("server")), k -> new TreeMap<>())
                    .computeIfAbsent(((Number) r.get("rate")).intValue(), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, Map<Integer, List<Map<String, Object>>>> s : byServer.entrySet()) {
            for (Map.Entry<Integer, List<Map<String, Object>>> e : s.getValue().entrySet()) {
                List<Map<String, Object>> v = e.getValue();
                String server = s.getKey().equals("tessera") ? "Tessera (HTTP, embedded runtime, RocksDB)"
                        : s.getKey().equals("redis-vectors") ? redisName : name(s.getKey());
                md.append(String.format(Locale.ROOT, "| %s | %,d | %d | %,.0f | %,.0f (%,.0f–%,.0f) | %,.0f | %,.0f | %,.0f |%n", server,
                        e.getKey(), v.size(), stats(v, "p50_us").median(), stats(v, "p99_us").median(), stats(v, "p99_us").min(),
                        stats(v, "p99_us").max(), stats(v, "p999_us").median(), stats(v, "max_us").median(), stats(v, "errors").max()));
            }
        }
        return byServer;
    }

    private static void training(StringBuilder md, List<Map<String, Object>> rows) {
        if (rows.isEmpty()) {
            return;
        }
        md.append("### Training sets: Tessera against DuckDB (same archive, same features, point-in-time correct)\n\n");
        md.append("| engine | runs | median s (min–max) | median CPU s | peak RSS MB |\n|---|---:|---:|---:|---:|\n");
        double tessera = Double.NaN;
        double bestDuck = Double.NaN;
        String bestName = "";
        for (Map<String, Object> r : rows) {
            double median = ((Number) r.get("median_s")).doubleValue();
            md.append(String.format(Locale.ROOT, "| %s | %s | %.2f (%.2f–%.2f) | %.2f | %,d |%n", r.get("engine"), r.get("runs"), median,
                    ((Number) r.get("min_s")).doubleValue(), ((Number) r.get("max_s")).doubleValue(),
                    ((Number) r.get("median_cpu_s")).doubleValue(), ((Number) r.get("peak_rss_mb")).longValue()));
            if (String.valueOf(r.get("engine")).equalsIgnoreCase("tessera")) {
                tessera = median;
            } else if (Double.isNaN(bestDuck) || median < bestDuck) {
                bestDuck = median;
                bestName = String.valueOf(r.get("engine"));
            }
        }
        if (!Double.isNaN(tessera) && !Double.isNaN(bestDuck)) {
            md.append(String.format(Locale.ROOT, "%n- Best DuckDB (%s) ÷ Tessera: **%.2f×** — goal training sets faster than DuckDB: **%s**%n%n", bestName,
                    bestDuck / tessera, tessera < bestDuck ? "met" : "not met"));
        }
    }

    private static Map<String, List<Map<String, Object>>> group(List<Map<String, Object>> rows, String key) {
        Map<String, List<Map<String, Object>>> out = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            out.computeIfAbsent(String.valueOf(r.get(key)), k -> new ArrayList<>()).add(r);
        }
        return out;
    }

    /** Median, minimum and maximum of a numeric field over runs (NaN when absent). */
    record Stats(int n, double median, double min, double max) {}

    static Stats stats(List<Map<String, Object>> rows, String field) {
        double[] v = rows.stream().map(r -> r.get(field)).filter(x -> x instanceof Number).mapToDouble(x -> ((Number) x).doubleValue())
                .sorted().toArray();
        if (v.length == 0) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Stats(v.length, FlinkThroughputBench.median(v), v[0], v[v.length - 1]);
    }

    /** Replaces the generated section of {@code file} (or inserts it after the title when absent). */
    static void writeSection(Path file, String section) throws IOException {
        String text = Files.exists(file) ? Files.readString(file) : "# Benchmark results\n";
        String block = BEGIN + "\n" + section.stripTrailing() + "\n" + END;
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        if (b >= 0 && e > b) {
            text = text.substring(0, b) + block + text.substring(e + END.length());
        } else {
            int afterTitle = text.indexOf('\n', text.startsWith("# ") ? 0 : text.length() - 1) + 1;
            text = text.substring(0, afterTitle) + "\n" + block + "\n" + text.substring(afterTitle);
        }
        Files.writeString(file, text);
    }

    private static String gitHead() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? out : "unknown";
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }

    private static String machine() {
        String cpu = "";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("");
        } catch (IOException e) {
            // not Linux
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return String.format(Locale.ROOT, "%d cores (%s), %,d MB RAM, %s %s, %s", Runtime.getRuntime().availableProcessors(), cpu,
                os.getTotalMemorySize() >> 20, System.getProperty("java.vm.name"), System.getProperty("java.vm.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version"));
    }
}
