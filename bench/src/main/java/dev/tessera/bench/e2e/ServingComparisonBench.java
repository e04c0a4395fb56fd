package dev.tessera.bench.e2e;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tessera.bench.e2e.LoadGenerator.Bytes;
import dev.tessera.bench.e2e.LoadGenerator.HttpConnection;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Serving latency of Tessera against the hand-made design it replaces (issue [Bench], item 2): a
 * {@link RedisVectorService} answering the same {@code GET /v1/features/account_serving/a-N} from
 * feature vectors precomputed into Redis, one pre-serialized JSON value per account. Goal: Tessera's
 * p99 no worse than the Redis-backed design's at 10,000 requests/s.
 *
 * <h2>What runs</h2>
 * <ol>
 *   <li><b>tessera</b>: {@link ServingLatencyBench}'s server half ({@code --serve-only}: RocksDB,
 *       stream runtime, HTTP API, loaded with {@code --events} payments over the last day for
 *       {@code --accounts} accounts) in a child JVM, as {@code tessera run} serves; the Kafka broker
 *       it reads runs in a JVM of its own ({@link KafkaBrokerProcess}, under the servers' {@code nice}),
 *       since a deployment's serving process does not host its broker and the vector service's JVM
 *       hosts nothing but its server ({@code --broker-in-server true}: in Tessera's server JVM, as
 *       {@code tessera demo} runs; until session 13 the only way, worth ~0.05 cores of the server's CPU).</li>
 *   <li><b>The vectors</b>: every account's answer is read once from that Tessera server, and its
 *       body, byte for byte, becomes the account's precomputed vector: the same 50 feature names,
 *       value types and values, the same entity and {@code metadata} fields (frozen at the copy, as a
 *       precomputed vector's are), so both servers send identical bodies and the load generator's
 *       checks pass for both.</li>
 *   <li><b>redis-vectors</b>: a {@code redis-server} (no persistence, loopback TCP, as a separate
 *       Redis host would be reached) is loaded with the vectors ({@code SET fv:account_serving:a-N}),
 *       and {@link RedisVectorService} serves from it in a child JVM.</li>
 * </ol>
 * <p><b>Scores</b> (issue [Inference]; {@code --score-rates}, default 5,000, {@code none} to skip):
 * after its feature reads, each server answers {@code POST /v1/score/account_risk} for uniform
 * accounts. Tessera: the examples' experiment assigns v1 (logistic) or v2 (100 XGBoost trees), the
 * version's service features are read from the tiles and scored by Tessera's evaluator. The
 * hand-written design: {@link RedisVectorService} with {@code --models} reads the account's
 * precomputed model input from the same Redis ({@link ScoreVectors}: copied from Tessera's own answer
 * for each account, so the variant, row and score are Tessera's; checked for every account in this
 * JVM and for the first 100 through the service) and scores it with XGBoost4J or the logistic
 * formula ({@link HandWrittenModels}). Warm-up {@code --score-warmup} seconds (30) in
 * {@code --warmup-passes} passes, then each rate for {@code --seconds}.
 *
 * <p>Each server runs alone (the other one is stopped; Redis runs only for its own design). Both
 * child JVMs get the same options ({@code --server-jvm}, default {@code -Xms4g -Xmx4g
 * -XX:MaxTenuringThreshold=1}) and the same {@code nice -n} ({@code --server-nice}, default 5);
 * {@code redis-server} runs under the same {@code nice}, since it is part of that design's server
 * side. This JVM is the load generator only ({@link LoadGenerator}: constant rate, latency from each
 * request's due time, so coordinated-omission-free; {@code --connections} keep-alive connections;
 * every answer checked, one in {@code --check-every} parsed): for each server the same schedule, a
 * warm-up of {@code --warmup} seconds at the first rate in {@code --warmup-passes} steps (3), each on
 * new connections (why: {@link LoadGenerator#passSeconds}), then each of {@code --rates} for
 * {@code --seconds}, with the same key sequence. Why a child JVM, {@code nice} and the generator
 * apart: see {@link ServingLatencyBench} ("Two processes").
 *
 * <h2>What is reported</h2>
 * For each server and rate: achieved rate, p50/p90/p99/p99.9/max from the due time, the service
 * time p99 (send to answer) and the generator's send lag (its own lateness), errors, the server's GC
 * pauses, and CPU: the server JVM's, Redis's (the Redis design's second process; Tessera with
 * RocksDB has none) and the generator's, as cores busy and as CPU µs per request. Then one line per
 * server and rate, {@code RESULT {"scenario":"serving","server":"tessera"|"redis-vectors","rate":R,
 * "p50_us":..,"p99_us":..,"p999_us":..,"max_us":..,"errors":0,"fell_behind":false,...}} (more fields
 * follow those; {@code "scenario":"score"} for scores), and the ratio of the p99s. A run with errors exits with status 1.
 *
 * <p>Run (full, ~6 min): {@code mvn -B -ntp -q install -DskipTests -pl serving -am && mvn -B -ntp -q package -pl bench
 * -DskipTests && java -Xmx1g -XX:MaxTenuringThreshold=1 -cp bench/target/benchmarks.jar
 * dev.tessera.bench.e2e.ServingComparisonBench} (from the repository root: it reads {@code examples/commerce}).
 * <br>Smoke (about a minute): {@code ... ServingComparisonBench --smoke}. Options: {@code --accounts}
 * (10,000), {@code --events} (500,000), {@code --rates} (5000,10000,20000), {@code --seconds} (20),
 * {@code --warmup} (60), {@code --warmup-passes} (3), {@code --connections} (8), {@code --check-every} (100), {@code --servers}
 * (tessera,redis-vectors: which, in which order), {@code --redis-connections} and
 * {@code --share-event-loops} (passed to {@link RedisVectorService}: its default is one Lettuce
 * connection per event loop, on the HTTP server's loops), {@code --server-jvm}, {@code --server-nice},
 * {@code --redis-nice} (default: {@code --server-nice}), {@code --broker-in-server} (false), {@code --features},
 * {@code --slow-us} (1,000), {@code --slow-log} (a file for the measured steps' requests over {@code --slow-us}: due time in
 * epoch ms, connection, latency, service time and send lag in µs, on a GC pause or not), {@code --score-rates} (5000), {@code --score-warmup} (30),
 * {@code --hiccup-seconds} (10; the machine's own floor, idle, first:
 * {@link HiccupMeter}).
 */
public final class ServingComparisonBench {
    static final String TESSERA = "tessera";
    static final String REDIS_VECTORS = "redis-vectors";

    private ServingComparisonBench() {}

    /** One measured step and the CPU its processes used meanwhile (ms; redis -1 when there is none). */
    private record Row(String scenario, String server, LoadGenerator.Result result, long serverCpuMillis, long redisCpuMillis,
                       long generatorCpuMillis) {}

    /** The schedule both servers get: feature reads at {@code rates}, then scores at {@code scoreRates}. */
    private record Schedule(int connections, int[] rates, int seconds, int warmup, int warmupPasses, int checkEvery, int slowMicros,
                            int accounts, int[] scoreRates, int scoreWarmup, PrintStream slowLog) {}

    public static void main(String[] args) throws Exception {
        ServingLatencyBench.Args a = new ServingLatencyBench.Args(args);
        boolean smoke = a.bool("--smoke", false);
        Path features = Path.of(a.string("--features", "examples/commerce"));
        int events = a.integer("--events", smoke ? 50_000 : 500_000);
        int accounts = a.integer("--accounts", 10_000);
        Schedule schedule = new Schedule(a.integer("--connections", 8), a.ints("--rates", new int[] {5_000, 10_000, 20_000}),
                a.integer("--seconds", smoke ? 3 : 20), a.integer("--warmup", smoke ? 3 : 60), a.integer("--warmup-passes", smoke ? 1 : 3),
                a.integer("--check-every", 100),
                a.integer("--slow-us", 1_000), accounts, a.ints("--score-rates", new int[] {5_000}),
                a.integer("--score-warmup", smoke ? 3 : 30), LoadGenerator.slowLog(a.string("--slow-log", null)));
        List<String> servers = Arrays.asList(a.string("--servers", TESSERA + "," + REDIS_VECTORS).split(","));
        String redisConnections = a.string("--redis-connections", null);
        String shareLoops = a.string("--share-event-loops", null);
        String serverJvm = a.string("--server-jvm", "-Xms4g -Xmx4g -XX:MaxTenuringThreshold=1");
        int serverNice = a.integer("--server-nice", 5);
        int redisNice = a.integer("--redis-nice", serverNice);
        int hiccupSeconds = a.integer("--hiccup-seconds", smoke ? 0 : 10);
        boolean brokerInServer = a.bool("--broker-in-server", false);
        a.rejectUnknown();
        for (String s : servers) {
            if (!s.equals(TESSERA) && !s.equals(REDIS_VECTORS)) {
                throw new IllegalArgumentException("--servers " + String.join(",", servers) + ": unknown server '" + s + "'; use "
                        + TESSERA + " and/or " + REDIS_VECTORS);
            }
        }
        LoadGenerator.passSeconds(schedule.warmup, schedule.warmupPasses, 1); // rejects a bad split before anything starts
        if (schedule.scoreRates.length > 0) {
            LoadGenerator.passSeconds(schedule.scoreWarmup, schedule.warmupPasses, 1);
        }
        if (schedule.rates.length == 0) {
            throw new IllegalArgumentException("--rates is empty: give at least one rate");
        }

        System.out.printf("machine: %d cores, generator heap %d MB, %s%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.vm.version"));
        System.out.printf("schedule for each server: warm-up %d s at %,d/s, then %s requests/s for %d s each; %d connections;"
                        + " keys uniform over %,d accounts; server JVMs '%s' under nice %d%n", schedule.warmup, schedule.rates[0],
                Arrays.toString(schedule.rates), schedule.seconds, schedule.connections, accounts, serverJvm, serverNice);
        if (hiccupSeconds > 0) {
            System.out.println(HiccupMeter.describe(HiccupMeter.measure(hiccupSeconds, 100), hiccupSeconds, 100));
        }
        Path work = Files.createTempDirectory("tessera-servecompare");
        List<String> tesseraArgs = new ArrayList<>(List.of("--features", features.toString(), "--events", Integer.toString(events),
                "--accounts", Integer.toString(accounts)));
        Map<String, byte[]> vectors = null;
        Map<String, ScoreVectors.Scored> scores = null;
        dev.tessera.inference.ModelRegistry registry = schedule.scoreRates.length == 0 ? null : ScoreVectors.registry(features);
        String modelSpec = registry == null ? null : ScoreVectors.modelSpec(registry, features);
        List<Row> rows = new ArrayList<>();
        // the broker Tessera's runtime reads runs in a JVM of its own, under the servers' nice, not in
        // Tessera's server JVM (a deployment's serving process does not host its Kafka broker, and the
        // vector service's JVM hosts nothing else) nor in the load generator's
        ServerProcess kafka = brokerInServer ? null : ServerProcess.start(KafkaBrokerProcess.class, "--port-file", "-Xmx1g", null,
                serverNice, List.of());
        if (kafka != null) {
            tesseraArgs.addAll(List.of("--bootstrap", "localhost:" + kafka.awaitPort()));
        }
        try {
            for (String server : servers) {
                if (server.equals(TESSERA)) {
                    try (ServerProcess tessera = ServerProcess.start(ServingLatencyBench.class, "--serve-only", serverJvm, null,
                            serverNice, tesseraArgs)) {
                        int port = tessera.awaitPort();
                        if (vectors == null) {
                            vectors = copyVectors(port, accounts);
                            scores = copyScores(port, accounts, registry, modelSpec);
                        }
                        measure(TESSERA, port, tessera, null, schedule, rows);
                    }
                } else {
                    if (vectors == null) {
                        try (ServerProcess tessera = ServerProcess.start(ServingLatencyBench.class, "--serve-only", serverJvm, null,
                                serverNice, tesseraArgs)) {
                            vectors = copyVectors(tessera.awaitPort(), accounts);
                            scores = copyScores(tessera.awaitPort(), accounts, registry, modelSpec);
                        }
                    }
                    try (RedisServer redis = RedisServer.start(work.resolve("redis"), redisNice)) {
                        long t0 = System.nanoTime();
                        int stored = RedisVectorService.store(redis.uri(), vectors, id -> RedisVectorService.key(ServingStack.GROUP, id));
                        Map<String, byte[]> inputs = new LinkedHashMap<>();
                        if (scores != null) {
                            scores.forEach((id, scored) -> inputs.put(id, scored.value()));
                            RedisVectorService.store(redis.uri(), inputs, id -> ScoreVectors.key(ScoreVectors.MODEL, id));
                        }
                        System.out.printf("redis-server %s (nice %d): stored %,d vectors and %,d model inputs in %.1f s; %s%n", redis.uri(),
                                redisNice, stored, inputs.size(), (System.nanoTime() - t0) / 1e9,
                                redis.command("DBSIZE").replace(":", "DBSIZE "));
                        List<String> serviceArgs = new ArrayList<>(List.of("--redis", redis.uri()));
                        if (modelSpec != null) {
                            serviceArgs.addAll(List.of("--models", modelSpec));
                        }
                        if (redisConnections != null) {
                            serviceArgs.addAll(List.of("--redis-connections", redisConnections));
                        }
                        if (shareLoops != null) {
                            serviceArgs.addAll(List.of("--share-event-loops", shareLoops));
                        }
                        try (ServerProcess service = ServerProcess.start(RedisVectorService.class, "--port-file", serverJvm, null,
                                serverNice, serviceArgs)) {
                            int port = service.awaitPort();
                            checkSameAnswers(port, vectors);
                            if (scores != null) {
                                checkSameScores(port, scores);
                            }
                            measure(REDIS_VECTORS, port, service, redis, schedule, rows);
                        }
                    }
                }
            }
        } finally {
            if (kafka != null) {
                kafka.close();
            }
            ServingStack.deleteTree(work);
        }
        report(rows);
        List<String> invalid = new ArrayList<>();
        for (Row r : rows) {
            if (!r.result.errors.isEmpty()) {
                invalid.add(r.scenario + " " + r.server + " at " + (long) r.result.targetRate + "/s: " + r.result.errors + " (first: " + r.result.firstError + ")");
            }
        }
        if (!invalid.isEmpty()) {
            System.out.println("INVALID RUN: answers with errors:");
            invalid.forEach(s -> System.out.println("  " + s));
            System.exit(1);
        }
        System.out.println("all answers checked: no errors");
    }

    /**
     * Reads every account's answer from the Tessera server at {@code port}, one request at a time:
     * the bodies, by account key, in account order.
     */
    private static Map<String, byte[]> copyVectors(int port, int accounts) throws IOException {
        long t0 = System.nanoTime();
        Map<String, byte[]> vectors = new LinkedHashMap<>();
        HttpConnection c = HttpConnection.open(new InetSocketAddress("127.0.0.1", port));
        try {
            Bytes request = new Bytes(256);
            long bytes = 0;
            for (int i = 0; i < accounts; i++) {
                String key = ServingStack.accountKey(i);
                request.clear();
                request.append(Bytes.ascii("GET /v1/features/" + ServingStack.GROUP + "/" + key + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
                c.write(request);
                c.readResponse();
                if (c.status != 200) {
                    throw new IllegalStateException("copying the vectors: Tessera answered " + c.bodyExcerpt() + " for " + key);
                }
                vectors.put(key, Arrays.copyOfRange(c.buf, c.bodyStart, c.bodyStart + c.bodyLength));
                bytes += c.bodyLength;
            }
            String sample = new String(vectors.get(ServingStack.accountKey(0)), StandardCharsets.UTF_8);
            System.out.printf("copied %,d answers from Tessera as the precomputed vectors in %.1f s: %.0f bytes each on average;"
                            + " a-0: %s%n", accounts, (System.nanoTime() - t0) / 1e9, (double) bytes / accounts,
                    sample.length() > 400 ? sample.substring(0, 200) + " ... " + sample.substring(sample.length() - 120) : sample);
        } finally {
            c.closeQuietly();
        }
        return vectors;
    }

    /**
     * Each account scored once by the Tessera server at {@code port}, as the hand-written design's
     * precomputed model inputs ({@link ScoreVectors}); null when no scores are measured. The
     * hand-written models run in this JVM too, to check that they give Tessera's scores.
     */
    private static Map<String, ScoreVectors.Scored> copyScores(int port, int accounts, dev.tessera.inference.ModelRegistry registry,
                                                               String modelSpec) throws Exception {
        if (modelSpec == null) {
            return null;
        }
        try (HandWrittenModels models = HandWrittenModels.load(modelSpec)) {
            return ScoreVectors.copy(port, accounts, registry, models);
        }
    }

    /** Before measuring scores: the service gives the first accounts Tessera's score and variant, and an unknown id a 404. */
    private static void checkSameScores(int port, Map<String, ScoreVectors.Scored> scores) throws IOException {
        HttpConnection c = HttpConnection.open(new InetSocketAddress("127.0.0.1", port));
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try {
            Bytes request = new Bytes(256);
            int checked = 0;
            for (Map.Entry<String, ScoreVectors.Scored> e : scores.entrySet()) {
                if (checked++ == 100) {
                    break;
                }
                ScoreVectors.request(request, e.getKey());
                c.write(request);
                c.readResponse();
                com.fasterxml.jackson.databind.JsonNode answer = c.status == 200 ? json.readTree(c.buf, c.bodyStart, c.bodyLength) : null;
                if (answer == null || Math.abs(answer.path("score").asDouble() - e.getValue().score()) > 1e-5
                        || !answer.path("variant").asText().equals(e.getValue().variant())) {
                    throw new IllegalStateException("the hand-written scoring service answered " + c.bodyExcerpt() + " for " + e.getKey()
                            + "; Tessera scored it " + e.getValue().score() + " (" + e.getValue().variant() + ")");
                }
            }
            ScoreVectors.request(request, "no-such-account");
            expectNotFound(c, request, "the hand-written scoring service");
        } finally {
            c.closeQuietly();
        }
    }

    /** Before measuring: the service answers a-0 with exactly its stored vector, and an unknown id with a 404. */
    private static void checkSameAnswers(int port, Map<String, byte[]> vectors) throws IOException {
        HttpConnection c = HttpConnection.open(new InetSocketAddress("127.0.0.1", port));
        try {
            Bytes request = new Bytes(256);
            String key = ServingStack.accountKey(0);
            request.append(Bytes.ascii("GET /v1/features/" + ServingStack.GROUP + "/" + key + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
            c.write(request);
            c.readResponse();
            if (c.status != 200 || !Arrays.equals(c.buf, c.bodyStart, c.bodyStart + c.bodyLength, vectors.get(key), 0,
                    vectors.get(key).length)) {
                throw new IllegalStateException("the Redis vector service answered " + c.bodyExcerpt() + " for " + key
                        + ", not its stored vector");
            }
            request.clear();
            request.append(Bytes.ascii("GET /v1/features/" + ServingStack.GROUP + "/no-such-account HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
            expectNotFound(c, request, "the Redis vector service");
        } finally {
            c.closeQuietly();
        }
    }

    /** Sends {@code request} (for an unknown id) and fails unless {@code who} answers 404. */
    private static void expectNotFound(HttpConnection c, Bytes request, String who) throws IOException {
        c.write(request);
        c.readResponse();
        if (c.status != 404) {
            throw new IllegalStateException(who + " answered " + c.bodyExcerpt() + " for an unknown id");
        }
    }

    /** The warm-up, then each rate, against {@code server} at {@code port}; then the same for scores; adds a row per rate. */
    private static void measure(String server, int port, ServerProcess process, RedisServer redis, Schedule s, List<Row> rows)
            throws InterruptedException {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        ServingExchanges ex = new ServingExchanges(s.accounts, null);
        IntFunction<LoadGenerator.Exchange> single = i -> ex.oneEntity(1000 + i);
        IntFunction<LoadGenerator.Exchange> score = i -> ex.score(3000 + i);
        System.gc();
        try (GcPauses gc = GcPauses.watch(process.gcLog())) {
            System.out.printf("%n== %s on port %d ==%n", server, port);
            measure("serving", server, "", s.rates, s.warmup, address, single, s, process, redis, gc, rows);
            measure("score", server, "score ", s.scoreRates, s.scoreWarmup, address, score, s, process, redis, gc, rows);
        }
    }

    /** One scenario's warm-up passes at its first rate, then a measured step per rate. */
    private static void measure(String scenario, String server, String label, int[] rates, int warmup, InetSocketAddress address,
                                IntFunction<LoadGenerator.Exchange> exchanges, Schedule s, ServerProcess process, RedisServer redis,
                                GcPauses gc, List<Row> rows) throws InterruptedException {
        if (rates.length == 0) {
            return;
        }
        for (int pass = 1; pass <= s.warmupPasses; pass++) {
            String name = "warm-up " + label + (s.warmupPasses == 1 ? "" : pass + "/" + s.warmupPasses + " ") + server;
            print(step(scenario, server, name, rates[0], LoadGenerator.passSeconds(warmup, s.warmupPasses, pass), address, exchanges, s,
                    process, redis, gc), gc);
        }
        for (int rate : rates) {
            Row r = step(scenario, server, label + server, rate, s.seconds, address, exchanges, s, process, redis, gc);
            print(r, gc);
            rows.add(r);
            if (s.slowLog != null) {
                r.result.writeSlow(s.slowLog, gc, ServingLatencyBench.GC_TAIL_MILLIS * 1_000_000L);
                s.slowLog.flush();
            }
        }
    }

    private static Row step(String scenario, String server, String name, int rate, int seconds, InetSocketAddress address,
                            IntFunction<LoadGenerator.Exchange> exchanges, Schedule s, ServerProcess process, RedisServer redis,
                            GcPauses gc) throws InterruptedException {
        long server0 = process.cpuMillis();
        long redis0 = redis == null ? 0 : redis.cpuMillis();
        long self0 = selfCpuMillis();
        LoadGenerator.Result r = LoadGenerator.run(name, address, s.connections, rate, Duration.ofSeconds(seconds), exchanges,
                s.checkEvery, 0, s.slowMicros * 1_000L, gc, ServingLatencyBench.GC_TAIL_MILLIS * 1_000_000L);
        return new Row(scenario, server, r, process.cpuMillis() - server0, redis == null ? -1 : redis.cpuMillis() - redis0,
                selfCpuMillis() - self0);
    }

    private static long selfCpuMillis() {
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toMillis).orElse(0L);
    }

    private static void print(Row row, GcPauses gc) {
        LoadGenerator.Result r = row.result;
        double[] pauses = gc.serverPausesBetween(r.startNanos, r.endNanos);
        System.out.printf("%-22s target %,7.0f/s achieved %,7.0f/s n=%,9d err=%d | latency us p50 %,6.0f p90 %,6.0f p99 %,7.0f"
                        + " p99.9 %,7.0f max %,8.0f | service p99 %,6.0f | send lag p50 %,5.0f p99 %,6.0f | %.2f KB/answer"
                        + " | server gc %.0f, %.0f ms, longest %.1f ms | slow %,d | cpu %s%s%n",
                r.name, r.targetRate, r.achievedRate(), r.completed, r.errorCount(), r.latencyMicros(50), r.latencyMicros(90),
                r.latencyMicros(99), r.latencyMicros(99.9), r.latency.getMaxValue() / 1000.0, r.service.getValueAtPercentile(99) / 1000.0,
                r.sendLag.getValueAtPercentile(50) / 1000.0, r.sendLag.getValueAtPercentile(99) / 1000.0,
                r.completed == 0 ? 0.0 : r.bytesRead / 1024.0 / r.completed, pauses[0], pauses[1], pauses[2], r.slow, cpu(row),
                r.fellBehind ? " | FELL BEHIND, " + r.unsent + " never sent" : "");
        if (!r.errors.isEmpty()) {
            System.out.printf("    errors %s; first: %s%n", r.errors, r.firstError);
        }
    }

    /** Server JVM, Redis and generator CPU as cores busy, and the server side's CPU µs per request. */
    private static String cpu(Row row) {
        double seconds = Math.max(1e-9, row.result.elapsedSeconds);
        long serverSide = row.serverCpuMillis + Math.max(0, row.redisCpuMillis);
        return String.format("server %.2f%s, generator %.2f cores; server side %.0f us/request", row.serverCpuMillis / 1000.0 / seconds,
                row.redisCpuMillis < 0 ? "" : String.format(" + redis %.2f", row.redisCpuMillis / 1000.0 / seconds),
                row.generatorCpuMillis / 1000.0 / seconds, row.result.completed == 0 ? 0.0 : serverSide * 1000.0 / row.result.completed);
    }

    private static void report(List<Row> rows) throws IOException {
        System.out.println();
        System.out.println("| scenario | server | target/s | achieved/s | p50 µs | p99 µs | p99.9 µs | max µs | send lag p99 µs | server CPU cores"
                + " | Redis CPU cores | server side CPU µs/request | errors |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row row : rows) {
            LoadGenerator.Result r = row.result;
            double seconds = Math.max(1e-9, r.elapsedSeconds);
            System.out.printf("| %s | %s | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %.2f | %s | %.0f | %d%s |%n",
                    row.scenario, row.server,
                    r.targetRate, r.achievedRate(), r.latencyMicros(50), r.latencyMicros(99), r.latencyMicros(99.9),
                    r.latency.getMaxValue() / 1000.0, r.sendLag.getValueAtPercentile(99) / 1000.0, row.serverCpuMillis / 1000.0 / seconds,
                    row.redisCpuMillis < 0 ? "—" : String.format("%.2f", row.redisCpuMillis / 1000.0 / seconds),
                    r.completed == 0 ? 0.0 : (row.serverCpuMillis + Math.max(0, row.redisCpuMillis)) * 1000.0 / r.completed,
                    r.errorCount(), r.fellBehind ? " (fell behind)" : "");
        }
        System.out.println();
        for (Row row : rows) {
            System.out.println("RESULT " + resultJson(row));
        }
        for (Row t : rows) {
            for (Row v : rows) {
                if (t.server.equals(TESSERA) && v.server.equals(REDIS_VECTORS) && t.result.targetRate == v.result.targetRate
                        && t.scenario.equals(v.scenario)) {
                    double ratio = t.result.latencyMicros(99) / Math.max(1e-9, v.result.latencyMicros(99));
                    System.out.printf("%s p99 at %,.0f/s: tessera %,.0f us, redis-vectors %,.0f us: tessera/redis-vectors %.2f (%s)%n",
                            t.scenario, t.result.targetRate, t.result.latencyMicros(99), v.result.latencyMicros(99), ratio,
                            ratio <= 1.0 ? "tessera no worse" : "tessera worse");
                }
            }
        }
    }

    /** The machine-readable line: the fields first, in its order, then the rest. */
    private static String resultJson(Row row) {
        LoadGenerator.Result r = row.result;
        StringWriter out = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("scenario", row.scenario);
            g.writeStringField("server", row.server);
            g.writeNumberField("rate", (long) r.targetRate);
            g.writeNumberField("p50_us", Math.round(r.latencyMicros(50)));
            g.writeNumberField("p99_us", Math.round(r.latencyMicros(99)));
            g.writeNumberField("p999_us", Math.round(r.latencyMicros(99.9)));
            g.writeNumberField("max_us", Math.round(r.latency.getMaxValue() / 1000.0));
            g.writeNumberField("errors", r.errorCount());
            g.writeBooleanField("fell_behind", r.fellBehind);
            g.writeNumberField("achieved", Math.round(r.achievedRate()));
            g.writeNumberField("service_p99_us", Math.round(r.service.getValueAtPercentile(99) / 1000.0));
            g.writeNumberField("send_lag_p99_us", Math.round(r.sendLag.getValueAtPercentile(99) / 1000.0));
            g.writeNumberField("server_cpu_ms", row.serverCpuMillis);
            if (row.redisCpuMillis >= 0) {
                g.writeNumberField("redis_cpu_ms", row.redisCpuMillis);
            }
            g.writeNumberField("generator_cpu_ms", row.generatorCpuMillis);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
