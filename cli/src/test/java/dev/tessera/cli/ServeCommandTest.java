package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.runtime.FeatureValues;
import dev.tessera.runtime.RuntimeConfig;
import dev.tessera.runtime.StreamRuntime;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.RedisServerProcess;
import dev.tessera.store.RedisTileStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tessera serve}, a stateless node over a real redis-server: the embedded runtime writes the
 * examples' payments into Redis and stops; the node then serves exactly what the runtime served;
 * when Redis dies, feature reads answer 503 {@code store_unavailable} at once and {@code /health}
 * turns 503; when Redis comes back, the node serves the same values again without a restart.
 */
class ServeCommandTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "commerce");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    @org.junit.jupiter.api.Tag("reliability")
    void servesWhatTheRuntimeWroteToRedisAndAnswers503WhenRedisIsGone() throws Exception {
        Definitions defs = DefinitionLoader.load(EXAMPLES);
        List<String> accounts = List.of("a0", "a1", "a2", "a-none");
        Map<String, Map<String, Object>> expected = new java.util.HashMap<>();
        try (RedisServerProcess redis = RedisServerProcess.start(List.of("--save", "", "--appendonly", "yes", "--appendfsync", "always"))) {
            try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
                createTopics(kafka, defs);
                produce(kafka, 60);
                try (RedisTileStore store = RedisTileStore.open(redis.uri(), "tessera:");
                     StreamRuntime rt = StreamRuntime.start(defs, EXAMPLES, store, RuntimeConfig.defaults(kafka.bootstrapServers()))) {
                    rt.awaitCaughtUp(Duration.ofMinutes(2));
                    long now = System.currentTimeMillis();
                    for (String a : accounts) {
                        FeatureValues v = rt.reader().read("account_payments", List.of(a), now);
                        expected.put(a, v.found() ? v.asMap() : null);
                    }
                }
            }
            assertThat(expected.get("a0")).as("the runtime saw a0's payments").isNotNull();

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = TesseraCommand.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            int[] exit = {-1};
            Thread serve = new Thread(() -> exit[0] = cli.execute("serve", "--features", EXAMPLES.toString(), "--data",
                    tmp.resolve("data").toString(), "--redis", redis.uri(), "--port", "0", "--duration", "20"), "serve");
            serve.start();
            String base = awaitUrl(out, err);
            HttpClient http = HttpClient.newHttpClient();

            for (String a : accounts) {
                HttpResponse<String> r = get(http, base + "/v1/features/account_payments/" + a);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                JsonNode body = JSON.readTree(r.body());
                if (expected.get(a) == null) {
                    assertThat(body.get("found").asBoolean()).as(a).isFalse();
                    continue;
                }
                assertThat(body.get("found").asBoolean()).as(a).isTrue();
                for (Map.Entry<String, Object> f : expected.get(a).entrySet()) {
                    if (f.getValue() instanceof Number n && !(f.getValue() instanceof Double)) {
                        assertThat(body.get("features").get(f.getKey()).asLong()).as("%s %s", a, f.getKey()).isEqualTo(n.longValue());
                    } else if (f.getValue() instanceof Double d) {
                        assertThat(body.get("features").get(f.getKey()).asDouble()).as("%s %s", a, f.getKey()).isEqualTo(d);
                    } else if (f.getValue() instanceof String s) {
                        assertThat(body.get("features").get(f.getKey()).asText()).as("%s %s", a, f.getKey()).isEqualTo(s);
                    }
                }
            }
            assertThat(get(http, base + "/health").statusCode()).isEqualTo(200);

            redis.kill();
            HttpResponse<String> down = get(http, base + "/v1/features/account_payments/a0");
            assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
            assertThat(JSON.readTree(down.body()).get("error").get("code").asText()).isEqualTo("store_unavailable");
            HttpResponse<String> health = get(http, base + "/health");
            assertThat(health.statusCode()).as(health.body()).isEqualTo(503);
            assertThat(health.body()).contains("unavailable");

            redis.restart(); // with its data (append-only file): the node reconnects by itself
            HttpResponse<String> back = get(http, base + "/v1/features/account_payments/a0");
            for (int i = 0; i < 600 && back.statusCode() != 200; i++) {
                Thread.sleep(50);
                back = get(http, base + "/v1/features/account_payments/a0");
            }
            assertThat(back.statusCode()).as("after Redis came back: %s", back.body()).isEqualTo(200);
            assertThat(JSON.readTree(back.body()).get("features").get("payment_count_1d").asLong())
                    .isEqualTo(((Number) expected.get("a0").get("payment_count_1d")).longValue());
            assertThat(get(http, base + "/health").statusCode()).isEqualTo(200);
            serve.join(60_000);
            assertThat(exit[0]).as(err.toString()).isZero();
        }
    }

    /**
     * The whole path with the commands only: {@code tessera run --redis} consumes into Redis and
     * stops once caught up; {@code tessera serve} then answers what a naive count of the produced
     * payments says (60 payments, account a{i mod 3}, amount i, all 30 minutes old).
     */
    @Test
    void runWritesToRedisAndServeReadsItBack() throws Exception {
        Definitions defs = DefinitionLoader.load(EXAMPLES);
        try (RedisServerProcess redis = RedisServerProcess.start(); EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            createTopics(kafka, defs);
            produce(kafka, 60);
            CommandLineTest.Run run = CommandLineTest.tessera("run", "--features", EXAMPLES.toString(), "--data",
                    tmp.resolve("run").toString(), "--bootstrap-servers", kafka.bootstrapServers(), "--redis", redis.uri(),
                    "--no-archive", "--until-caught-up", "--port", "0");
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.out()).contains("online store in Redis " + redis.uri());

            assertServesTheNaiveValues(redis, "serve-run");
            // a serve node shows the runtime's committed event counts: the 60 payments, all accepted
            Serve node = serve("serve-run-counts", redis, "--duration", "10");
            JsonNode events = JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.base() + "/health"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body()).get("sources").get("payments").get("events");
            assertThat(events.get("in").asLong()).as(events.toString()).isEqualTo(60);
            assertThat(events.get("accepted").asLong()).as(events.toString()).isEqualTo(60);
            // ... as metrics of their own (every serve node exports the same writer's counts), with the JVM's ...
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.base() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("tessera_job_source_events_total{outcome=\"in\",source=\"payments\"} 60.0",
                    "tessera_job_source_events_total{outcome=\"accepted\",source=\"payments\"} 60.0",
                    "tessera_job_source_events_total{outcome=\"late\",source=\"payments\"} 0.0", "tessera_job_source_freshness_seconds{",
                    "jvm_memory_used_bytes").doesNotContain("tessera_source_events_total");
            // ... and tessera status shows them as the sources' table
            CommandLineTest.Run status = CommandLineTest.tessera("status", "--url", node.base(), "--interval", "0");
            assertThat(status.out()).contains("the writer's counts as it published them");
            assertThat(status.out()).containsPattern("(?m)^payments .* 0\\.00 %");
            // with the default gap, rates over 5 s: the subtasks publish once a second each, on their own beats
            CommandLineTest.Run rates = CommandLineTest.tessera("status", "--url", node.base());
            assertThat(rates.out()).contains("the writer's counts as it published them, rates over 5 s");
            node.thread().join(60_000);
        }
    }

    /**
     * After {@code tessera run --redis}, a group added to the definitions is backfilled into that Redis,
     * not into an unused {@code <data>/store}: without {@code --redis} the backfill refuses and names
     * the address and key prefix the run used (its password withheld); with them it writes there, and
     * {@code tessera serve} answers the new group's naive values.
     */
    @Test
    void aBackfillAfterRunWithRedisWritesIntoThatRedis() throws Exception {
        Definitions defs = DefinitionLoader.load(EXAMPLES);
        try (RedisServerProcess redis = RedisServerProcess.start(); EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            createTopics(kafka, defs);
            produce(kafka, 60);
            String data = tmp.resolve("run").toString();
            CommandLineTest.Run run = CommandLineTest.tessera("run", "--features", EXAMPLES.toString(), "--data", data,
                    "--bootstrap-servers", kafka.bootstrapServers(), "--redis", redis.uri(), "--redis-namespace", "rb:",
                    "--archive-commit-interval", "1s", "--until-caught-up", "--port", "0");
            assertThat(run.exit()).as(run.err()).isZero();

            Path defs2 = tmp.resolve("features2");
            java.nio.file.Files.createDirectories(defs2);
            for (Path f : java.nio.file.Files.newDirectoryStream(EXAMPLES, "*.yaml")) {
                java.nio.file.Files.copy(f, defs2.resolve(f.getFileName()));
            }
            java.nio.file.Files.createDirectories(defs2.resolve("groups"));
            for (Path f : java.nio.file.Files.newDirectoryStream(EXAMPLES.resolve("groups"))) {
                java.nio.file.Files.copy(f, defs2.resolve("groups").resolve(f.getFileName()));
            }
            java.nio.file.Files.writeString(defs2.resolve("groups/account_extremes.yaml"), """
                    kind: FeatureGroup
                    name: account_extremes
                    source: payments
                    entity: account
                    features:
                      - { name: max_amount, agg: max, of: amount, windows: [1d] }
                    """);
            CommandLineTest.Run refused = CommandLineTest.tessera("backfill", "--features", defs2.toString(), "--data", data,
                    "--group", "account_extremes");
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).contains("keeps its online store in Redis " + redis.uri() + " (keys under 'rb:')",
                    "--redis " + redis.uri() + " --redis-namespace rb:");
            assertThat(java.nio.file.Files.exists(tmp.resolve("run").resolve("store"))).as("no RocksDB store made").isFalse();

            CommandLineTest.Run backfill = CommandLineTest.tessera("backfill", "--features", defs2.toString(), "--data", data,
                    "--group", "account_extremes", "--redis", redis.uri(), "--redis-namespace", "rb:");
            assertThat(backfill.exit()).as(backfill.out() + backfill.err()).isZero();
            assertThat(backfill.out()).contains("online store: Redis " + redis.uri(), "60 archived events applied",
                    "0 newer events left");

            Serve node = serve(defs2, "serve-backfilled", redis, "--redis-namespace", "rb:", "--duration", "10");
            for (int a = 0; a < 3; a++) {
                double max = 0;
                for (int i = a; i < 60; i += 3) {
                    max = Math.max(max, i);
                }
                JsonNode f = JSON.readTree(get(HttpClient.newHttpClient(), node.base() + "/v1/features/account_extremes/a" + a).body())
                        .get("features");
                assertThat(f.get("max_amount_1d").asDouble()).as("a%d", a).isEqualTo(max);
            }
            node.thread().join(60_000);
        }
    }

    /**
     * {@code tessera flink --local --bounded}: the Flink job on a MiniCluster writes the same 60
     * payments into Redis, and {@code tessera serve} answers what a naive count and sum say.
     */
    @Test
    void theFlinkJobWritesToRedisAndServeReadsItBack() throws Exception {
        Definitions defs = DefinitionLoader.load(EXAMPLES);
        try (RedisServerProcess redis = RedisServerProcess.start(); EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            createTopics(kafka, defs);
            produce(kafka, 60);
            CommandLineTest.Run run = CommandLineTest.tessera("flink", "--local", "--bounded", "--features", EXAMPLES.toString(),
                    "--bootstrap-servers", kafka.bootstrapServers(), "--redis", redis.uri(), "--parallelism", "2",
                    "--checkpoint-dir", tmp.resolve("checkpoints").toString());
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.out()).contains("Flink job on a local MiniCluster", "to Redis " + redis.uri());
            assertServesTheNaiveValues(redis, "serve-flink");
        }
    }

    /**
     * The scale-out loop with the commands only: a stateless {@code tessera serve --bootstrap-servers}
     * node takes the 60 payments as a pushed NDJSON batch and writes them to the source's topic (and
     * one without the option refuses pushes with 503 {@code push_unavailable}); {@code tessera flink
     * --local --bounded} applies them into Redis; the same node then answers the naive count and sum.
     */
    @Test
    void aServingNodeTakesPushesTheFlinkJobAppliesThemAndTheNodeServesThem() throws Exception {
        Definitions defs = DefinitionLoader.load(EXAMPLES);
        try (RedisServerProcess redis = RedisServerProcess.start(); EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            createTopics(kafka, defs);
            Serve node = serve("push", redis, "--bootstrap-servers", kafka.bootstrapServers(), "--duration", "90",
                    "--alert-interval", "1s");
            Thread serve = node.thread();
            String base = node.base();
            assertThat(node.out().toString()).contains("pushes to Kafka at " + kafka.bootstrapServers());
            HttpClient http = HttpClient.newHttpClient();
            StringBuilder ndjson = new StringBuilder();
            for (String line : payments(60)) {
                ndjson.append(line).append('\n');
            }
            // two payments of another account that break the source's rules (amount min 0; status APPROVED or DECLINED)
            for (int i = 0; i < 2; i++) {
                ndjson.append("{\"payment_id\":\"bad").append(i).append("\",\"account_id\":\"z9\",\"amount\":-5,")
                        .append("\"status\":\"REFUNDED\",\"event_time\":").append(System.currentTimeMillis() - 60_000).append("}\n");
            }
            HttpResponse<String> pushed = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/events/payments"))
                    .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(ndjson.toString()))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(200);
            assertThat(JSON.readTree(pushed.body()).get("accepted").asInt()).isEqualTo(62);

            CommandLineTest.Run run = CommandLineTest.tessera("flink", "--local", "--bounded", "--features", EXAMPLES.toString(),
                    "--bootstrap-servers", kafka.bootstrapServers(), "--redis", redis.uri(), "--parallelism", "2",
                    "--checkpoint-dir", tmp.resolve("checkpoints").toString());
            assertThat(run.exit()).as(run.err()).isZero();
            assertNaiveValues(http, base);
            // the job's published counts reach the node: its quality report and source history (ADR 030)
            String rules = awaitJson(http, base + "/v1/quality", q -> {
                for (JsonNode r : q.get("rules")) {
                    if ("payments".equals(r.path("source").asText()) && r.get("checked").asLong() == 62) {
                        return true;
                    }
                }
                return false;
            });
            JsonNode quality = JSON.readTree(rules);
            for (JsonNode r : quality.get("rules")) {
                if (!"payments".equals(r.path("source").asText())) {
                    continue;
                }
                assertThat(r.get("checked").asLong()).as(r.toString()).isEqualTo(62);
                switch (r.get("field").asText()) {
                    case "amount", "status" -> {
                        assertThat(r.get("violations").asLong()).as(r.toString()).isEqualTo(2);
                        assertThat(r.get("status").asText()).as(r.toString()).isEqualTo("violated");
                    }
                    default -> assertThat(r.get("violations").asLong()).as(r.toString()).isZero();
                }
            }
            awaitJson(http, base + "/v1/history", h -> {
                double in = 0; // each point's rate is over the time since the point before it
                long before = Long.MIN_VALUE;
                for (JsonNode p : h.get("sources").get("payments")) {
                    long t = p.get("t").asLong();
                    if (before != Long.MIN_VALUE) {
                        in += p.path("in_per_s").asDouble(0) * (t - before) / 1000.0;
                    }
                    before = t;
                }
                return Math.round(in) == 62;
            });
            serve.interrupt(); // stops it before --duration: not a failure
            serve.join(60_000);
        }
        // without --bootstrap-servers the node only reads
        try (RedisServerProcess redis = RedisServerProcess.start()) {
            Serve node = serve("read-only", redis, "--duration", "5");
            Thread serve = node.thread();
            String base = node.base();
            HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/v1/events/payments"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(payments(1).get(0))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(JSON.readTree(refused.body()).get("error").get("code").asText()).isEqualTo("push_unavailable");
            serve.join(60_000);
        }
    }

    /**
     * Two stateless nodes over one Redis, both sending alerts to one webhook: the Flink job's published
     * counts (written here as its subtasks write them) first reject 30% of the payments, then none. Both
     * nodes fire and resolve {@code reject_rate/payments} (each node's {@code /v1/alerts} says so), and the
     * webhook gets one firing and one resolved message, not one per node.
     */
    @Test
    void twoServingNodesSendEachAlertTransitionOnce() throws Exception {
        java.util.concurrent.BlockingQueue<JsonNode> hooks = new java.util.concurrent.LinkedBlockingQueue<>();
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/alerts", ex -> {
            hooks.add(JSON.readTree(ex.getRequestBody()));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/alerts";
        HttpClient http = HttpClient.newHttpClient();
        try (RedisServerProcess redis = RedisServerProcess.start();
             RedisTileStore store = RedisTileStore.open(redis.uri(), "tessera:")) {
            String[] flags = {"--alert-webhook", hook, "--alert-interval", "1s", "--alert-window", "5s", "--duration", "90"};
            Serve a = serve("alerts-a", redis, flags);
            Serve b = serve("alerts-b", redis, flags);
            publish(store, 200, 60, 140); // 30% rejected, above the examples' reject_rate of 5%
            for (Serve node : List.of(a, b)) {
                awaitJson(http, node.base() + "/v1/alerts", j -> ids(j.get("firing")).contains("reject_rate/payments"));
            }
            JsonNode first = hooks.poll(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(first).as("a firing message").isNotNull();
            assertThat(first.get("status").asText()).isEqualTo("firing");
            assertThat(first.get("id").asText()).isEqualTo("reject_rate/payments");
            assertThat(hooks.poll(3, java.util.concurrent.TimeUnit.SECONDS)).as("one firing message for two nodes").isNull();

            publish(store, 1200, 60, 1140); // 1,000 more payments, none rejected: the 5-s window has no rejects
            for (Serve node : List.of(a, b)) {
                awaitJson(http, node.base() + "/v1/alerts", j -> !ids(j.get("firing")).contains("reject_rate/payments"));
            }
            JsonNode second = hooks.poll(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(second).as("a resolved message").isNotNull();
            assertThat(second.get("status").asText()).isEqualTo("resolved");
            assertThat(second.get("id").asText()).isEqualTo("reject_rate/payments");
            assertThat(hooks.poll(3, java.util.concurrent.TimeUnit.SECONDS)).as("one resolved message for two nodes").isNull();
            a.thread().interrupt();
            b.thread().interrupt();
            a.thread().join(60_000);
            b.thread().join(60_000);
        } finally {
            receiver.stop(0);
        }
    }

    /** The payments counts as the Flink job's fan-out and aggregating subtasks publish them. */
    private static void publish(RedisTileStore store, long in, long malformed, long accepted) {
        dev.tessera.store.WriteSet ws = new dev.tessera.store.WriteSet();
        dev.tessera.runtime.WriterCounts.put(ws, "payments", "fan-out-0",
                new dev.tessera.runtime.WriterCounts(1, Map.of("in", in, "malformed", malformed), Map.of()));
        dev.tessera.runtime.WriterCounts.put(ws, "payments", "aggregate-0",
                new dev.tessera.runtime.WriterCounts(2, Map.of("accepted", accepted), Map.of()));
        store.write(ws);
    }

    private static List<String> ids(JsonNode alerts) {
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode x : alerts) {
            out.add(x.get("id").asText());
        }
        return out;
    }

    /** GETs {@code url} until its JSON satisfies {@code done} (60 s at most); returns the body. */
    private static String awaitJson(HttpClient http, String url, java.util.function.Predicate<JsonNode> done) throws Exception {
        long end = System.nanoTime() + 60_000_000_000L;
        String body = null;
        while (System.nanoTime() < end) {
            body = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
            if (done.test(JSON.readTree(body))) {
                return body;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("GET " + url + " never got there; last: " + body);
    }

    /** Serves from {@code redis} and checks accounts a0..a2 against a naive count and sum of {@link #produce}'s payments. */
    private void assertServesTheNaiveValues(RedisServerProcess redis, String data) throws Exception {
        Serve node = serve(data, redis, "--duration", "10");
        assertNaiveValues(HttpClient.newHttpClient(), node.base());
        node.thread().join(60_000);
    }

    /** A running {@code tessera serve} of the examples over {@code redis} (data in {@code tmp/data}), its URL and output. */
    private record Serve(Thread thread, String base, StringWriter out) {}

    private Serve serve(String data, RedisServerProcess redis, String... more) throws InterruptedException {
        return serve(EXAMPLES, data, redis, more);
    }

    private Serve serve(Path features, String data, RedisServerProcess redis, String... more) throws InterruptedException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = TesseraCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> args = new java.util.ArrayList<>(List.of("serve", "--features", features.toString(), "--data",
                tmp.resolve(data).toString(), "--redis", redis.uri(), "--port", "0"));
        args.addAll(List.of(more));
        Thread thread = new Thread(() -> cli.execute(args.toArray(String[]::new)), "serve");
        thread.start();
        return new Serve(thread, awaitUrl(out, err), out);
    }

    private static void assertNaiveValues(HttpClient http, String base) throws Exception {
        for (int a = 0; a < 3; a++) {
            long count = 0;
            double sum = 0;
            for (int i = 0; i < 60; i++) {
                if (i % 3 == a) {
                    count++;
                    sum += i;
                }
            }
            JsonNode f = JSON.readTree(get(http, base + "/v1/features/account_payments/a" + a).body()).get("features");
            assertThat(f.get("payment_count_1h").asLong()).as("a%d count 1h", a).isEqualTo(count);
            assertThat(f.get("payment_count_1d").asLong()).as("a%d count 1d", a).isEqualTo(count);
            assertThat(f.get("payment_count_10m").asLong()).as("a%d count 10m: the events are 30 min old", a).isZero();
            assertThat(f.get("amount_sum_1d").asDouble()).as("a%d sum 1d", a).isEqualTo(sum);
            assertThat(f.get("last_country").asText()).isEqualTo("US");
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String awaitUrl(StringWriter out, StringWriter err) throws InterruptedException {
        Pattern url = Pattern.compile("on (http://[0-9.]+:[0-9]+)");
        for (int i = 0; i < 600; i++) {
            Matcher m = url.matcher(out.toString());
            if (m.find()) {
                return m.group(1);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("tessera serve did not start; out: " + out + " err: " + err);
    }

    private static void createTopics(EmbeddedKafka kafka, Definitions defs) {
        Map<String, Integer> topics = new java.util.HashMap<>();
        defs.sources().values().forEach(s -> {
            topics.put(s.topic(), 2);
            topics.put(s.topic() + ".dlq", 1);
        });
        kafka.createTopics(topics);
    }

    private static void produce(EmbeddedKafka kafka, int n) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String json : payments(n)) {
                producer.send(new ProducerRecord<>("commerce.payments", json.getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }

    /** Payment i: account a{i mod 3}, amount i, all 30 minutes old. */
    private static List<String> payments(int n) {
        long now = System.currentTimeMillis();
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("{\"payment_id\":\"p" + i + "\",\"account_id\":\"a" + (i % 3) + "\",\"card_fingerprint\":\"c"
                    + (i % 5) + "\",\"merchant_id\":\"m1\",\"amount\":" + i + ",\"status\":\"APPROVED\",\"country\":\"US\","
                    + "\"event_time\":" + (now - 30 * 60_000 + i) + "}");
        }
        return out;
    }
}
