package dev.tessera.serving;

import static dev.tessera.serving.NaiveFeatures.MINUTE;
import static dev.tessera.serving.NaiveFeatures.SECOND;
import static dev.tessera.serving.NaiveFeatures.payment;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tessera.serving.NaiveFeatures.Ev;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operational endpoints ({@code GET /health}, {@code GET /metrics}, the console at {@code GET /}
 * and {@code /console/<file>}, and its {@code GET /v1/history}), which of them need a token, and HTTP/1.1 connection behaviour: keep-alive across answers and errors, and
 * pipelined requests answered in request order even when a push (answered off the event loop) is
 * among them.
 */
class ServerContractTest {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})? (\\S+)$");

    @TempDir
    static Path tmp;
    static ServingStack stack;
    static final List<Ev> pushed = new ArrayList<>();

    @BeforeAll
    static void start() throws InterruptedException {
        stack = ServingStack.start(tmp);
        long now = System.currentTimeMillis();
        for (int i = 0; i < 7; i++) {
            pushed.add(payment("ops-" + i, "ops-account", "c-" + i, "m-1", 10, i % 2 == 0 ? "DECLINED" : "APPROVED", "US",
                    now - 5 * MINUTE + i * SECOND));
        }
        Reply r = stack.post("/v1/events/payments", ServingStack.JSON, EventPushContractTest.array(pushed));
        assertThat(r.json().get("accepted").intValue()).as("%s", r).isEqualTo(7);
        stack.awaitCount("payments", "accepted", 7);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void healthIsOkWithTheRuntimeStateAndEachSourcesFreshnessAndCounts() {
        Reply r = stack.get("/health");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.isJson()).isTrue();
        JsonNode body = r.json();
        assertThat(Reply.fieldNames(body)).containsExactly("status", "runtime", "sources");
        assertThat(body.get("status").textValue()).isEqualTo("ok");
        assertThat(body.get("runtime").textValue()).isEqualTo("running");
        assertThat(Reply.fieldNames(body.get("sources"))).containsExactly("payments", "logins", "signups");
        JsonNode payments = body.get("sources").get("payments");
        assertThat(Reply.fieldNames(payments)).containsExactly("freshness_ms", "events", "broker_silence_ms");
        assertThat(payments.get("freshness_ms").isIntegralNumber()).isTrue();
        assertThat(payments.get("broker_silence_ms").longValue()).as("known: the Kafka client reports its fetches").isNotNegative();
        assertThat(payments.get("events").get("accepted").longValue()).isEqualTo(7);
        assertThat(body.get("sources").get("logins").get("freshness_ms").isNull()).as("no login yet").isTrue();
    }

    @Test
    void healthAnswers503WhenTheNodeReportsAFailure() {
        ServingApi failing = ServingApi.builder(stack.defs, stack.runtime.reader())
                .health(() -> new ServingApi.Health(false, Map.of("runtime", "failed: the applier stopped"))).build();
        try (ServingServer server = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, failing)) {
            Reply r = stack.send(HttpRequest.newBuilder(stack.uri(server, "/health")).GET().build());
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.json().get("status").textValue()).isEqualTo("failing");
            assertThat(r.json().get("runtime").textValue()).isEqualTo("failed: the applier stopped");
            Reply push = stack.send(HttpRequest.newBuilder(stack.uri(server, "/v1/events/payments"))
                    .POST(HttpRequest.BodyPublishers.ofString("[]")).build());
            assertThat(push.status()).as("no pusher configured: %s", push).isEqualTo(503);
            assertThat(push.json().get("error").get("code").textValue()).isEqualTo("push_unavailable");
        }
    }

    @Test
    void beforeASourcesFirstEventFreshnessIsNullAndValuesAreEmpty() {
        // no test of this class sends logins (the health test checks that too)
        Reply r = stack.get("/v1/features/account_logins/ops-account");
        assertThat(r.status()).isEqualTo(200);
        JsonNode meta = r.json().get("metadata");
        assertThat(meta.get("as_of").isIntegralNumber()).isTrue();
        assertThat(meta.get("freshness_ms").isNull()).isTrue();
        assertThat(r.json().get("found").booleanValue()).isFalse();
        Reply batch = stack.post("/v1/features", ServingStack.JSON,
                "{\"service\": \"account_risk_v1\", \"entities\": [{\"account_id\": \"ops-account\"}]}");
        assertThat(batch.json().get("metadata").get("freshness_ms").isNull()).as("the stalest source has no event yet").isTrue();
        assertThat(batch.json().get("results").get(0).get("found").booleanValue()).as("found in account_payments").isTrue();
    }

    @Test
    void metricsArePrometheusTextWithSourceOutcomesAndRequestLatencies() {
        for (int i = 0; i < 3; i++) {
            assertThat(stack.get("/v1/features/account_payments/ops-account").status()).isEqualTo(200);
        }
        assertThat(stack.get("/v1/nothing-here").status()).isEqualTo(404);

        // the latency of a request is recorded just after its answer is written: poll until the last one shows
        Map<String, Double> samples = Map.of();
        long deadline = System.nanoTime() + 60_000_000_000L;
        String text = "";
        while (System.nanoTime() < deadline) {
            Reply r = stack.get("/metrics");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).startsWith("text/plain").contains("version=0.0.4");
            text = r.body();
            samples = samples(text);
            if (samples.getOrDefault("tessera_http_server_requests_seconds_count{endpoint=\"unknown\",status=\"404\"}", 0.0) >= 1) {
                break;
            }
        }
        assertThat(text).contains("# TYPE tessera_source_events_total counter", "# TYPE tessera_http_server_requests_seconds histogram");
        assertThat(samples).containsEntry("tessera_source_events_total{outcome=\"accepted\",source=\"payments\"}", 7.0);
        assertThat(samples).containsEntry("tessera_source_events_total{outcome=\"in\",source=\"payments\"}", 7.0);
        assertThat(samples).containsEntry("tessera_source_events_total{outcome=\"accepted\",source=\"logins\"}", 0.0);
        assertThat(samples).containsKey("tessera_source_freshness_seconds{source=\"payments\"}");
        assertThat(samples).containsEntry("tessera_runtime_up", 1.0);
        assertThat(samples.get("tessera_http_server_requests_seconds_count{endpoint=\"entity\",status=\"200\"}")).isGreaterThanOrEqualTo(3.0);
        assertThat(samples.get("tessera_http_server_requests_seconds_count{endpoint=\"unknown\",status=\"404\"}")).isGreaterThanOrEqualTo(1.0);
        assertThat(samples.get("tessera_http_server_requests_seconds_count{endpoint=\"push\",status=\"200\"}")).isGreaterThanOrEqualTo(1.0);
        assertThat(samples.keySet()).anyMatch(k -> k.startsWith("tessera_http_server_requests_seconds_bucket{endpoint=\"entity\""));
        assertThat(samples.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes"));
        // state and progress: the 7 payments of ops-account (one entity per payments group that keys them)
        assertThat(samples.get("tessera_group_entities{group=\"account_payments\"}")).isGreaterThanOrEqualTo(1.0);
        assertThat(samples.get("tessera_group_tiles{group=\"account_payments\"}")).isGreaterThanOrEqualTo(1.0);
        assertThat(samples).containsEntry("tessera_group_entities{group=\"account_logins\"}", 0.0);
        assertThat(samples).containsKey("tessera_group_missing_key_total{group=\"card_payments\"}");
        assertThat(samples).containsKey("tessera_store_size_bytes");
        // ops-account's payments are all in one of the two partitions: the silent one holds the watermark
        // back (SPEC §3) until its idle timeout; then it is an epoch second in the past
        double watermark = samples.get("tessera_source_watermark_seconds{source=\"payments\"}");
        assertThat(Double.isNaN(watermark) || (watermark > 1.0e9 && watermark <= System.currentTimeMillis() / 1000.0))
                .as("payments' watermark %s", watermark).isTrue();
        assertThat(samples.get("tessera_source_watermark_seconds{source=\"logins\"}")).as("no login yet").isNaN();
        assertThat(samples).containsKey("tessera_source_lag_records{source=\"payments\"}");
        // the broker is up and answers every fetch within fetch.max.wait (0.5 s)
        assertThat(samples.get("tessera_source_broker_silence_seconds{source=\"payments\"}")).as("broker silence").isBetween(0.0, 5.0);
    }

    /** The consumer's lag is reported, and is 0 once everything produced (before the test) is consumed. */
    @Test
    void lagIsZeroOnceCaughtUp() throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        Double lag = null;
        while (System.nanoTime() < deadline) {
            lag = samples(stack.get("/metrics").body()).get("tessera_source_lag_records{source=\"payments\"}");
            if (lag != null && lag == 0.0) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(lag).isEqualTo(0.0);
    }

    /** {@code deploy/grafana/tessera.json} names only metrics that a scrape of a running node returns. */
    @Test
    void theGrafanaDashboardNamesOnlyMetricsThatExist() throws Exception {
        System.gc(); // the GC pause timer appears with the first collection
        stack.get("/v1/features/account_payments/ops-account");
        JsonNode dashboard = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(java.nio.file.Path.of("../deploy/grafana/tessera.json").toFile());
        java.util.Set<String> names = new java.util.TreeSet<>();
        java.util.regex.Pattern metric = java.util.regex.Pattern.compile("\\b((?:tessera|jvm|process|system)_[a-z0-9_]+)\\b");
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                java.util.regex.Matcher m = metric.matcher(target.get("expr").asText());
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        assertThat(names).as("metrics the dashboard uses").hasSizeGreaterThan(10);
        java.util.Set<String> scraped = new java.util.TreeSet<>();
        long deadline = System.nanoTime() + 30_000_000_000L;
        do { // the GC pause timer is registered by the collector's notification, shortly after the collection
            scraped.clear();
            for (String key : samples(stack.get("/metrics").body()).keySet()) {
                int brace = key.indexOf('{');
                scraped.add(brace < 0 ? key : key.substring(0, brace));
            }
            Thread.sleep(scraped.containsAll(names) ? 0 : 100);
        } while (!scraped.containsAll(names) && System.nanoTime() < deadline);
        assertThat(scraped).containsAll(names);
    }

    @Test
    void theConsoleIsServedAtTheRootWithItsFilesTheirTypesAndRevalidation() throws Exception {
        Reply index = stack.get("/");
        assertThat(index.status()).isEqualTo(200);
        assertThat(index.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(index.header("Content-Security-Policy")).contains("default-src 'none'", "script-src 'self'", "connect-src 'self'");
        assertThat(index.body()).startsWith("<!doctype html>").contains("src=\"/console/console.js\"", "href=\"/console/console.css\"");

        Path resources = Path.of("src/main/resources/dev/tessera/serving/console");
        try (var files = java.nio.file.Files.list(resources)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList())
                    .as("every file of the console is served").containsExactlyInAnyOrderElementsOf(ConsoleAssets.FILES.keySet());
        }
        Pattern imports = Pattern.compile("from '\\./([a-z]+\\.js)'");
        for (Map.Entry<String, String> f : ConsoleAssets.FILES.entrySet()) {
            Reply r = stack.get("/console/" + f.getKey());
            assertThat(r.status()).as(f.getKey()).isEqualTo(200);
            assertThat(r.header("Content-Type")).as(f.getKey()).isEqualTo(f.getValue());
            assertThat(r.header("Cache-Control")).isEqualTo("no-cache");
            assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(r.body()).isEqualTo(java.nio.file.Files.readString(resources.resolve(f.getKey())));
            Matcher m = imports.matcher(r.body());
            while (m.find()) {
                assertThat(ConsoleAssets.FILES).as("%s imports %s", f.getKey(), m.group(1)).containsKey(m.group(1));
            }
            // the browser revalidates: an unchanged file is a 304 without a body
            Reply again = stack.send(HttpRequest.newBuilder(stack.uri(stack.open, "/console/" + f.getKey()))
                    .header("If-None-Match", r.header("ETag")).GET().build());
            assertThat(again.status()).as(f.getKey()).isEqualTo(304);
            assertThat(again.body()).isEmpty();
            assertThat(again.header("ETag")).isEqualTo(r.header("ETag"));
        }
        Reply stale = stack.send(HttpRequest.newBuilder(stack.uri(stack.open, "/console/console.js"))
                .header("If-None-Match", "\"an-older-version\"").GET().build());
        assertThat(stale.status()).isEqualTo(200);
    }

    @Test
    void onlyTheConsolesOwnFilesAreServed() {
        for (String path : List.of("/console/nope.js", "/console/..%2Fpom.xml", "/console/..%2F..%2F..%2Fpom.xml",
                "/console/%2e%2e%2FHttpApi.class", "/console/index.html%00.js", "/console/console.js/x", "/console",
                "/console/", "/index.html", "/console/CONSOLE.JS")) {
            Reply r = stack.get(path);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.json().get("error").get("code").textValue()).as(path).isEqualTo("not_found");
        }
        assertThat(stack.get("/console/nope.js").json().get("error").get("hint").textValue()).contains("console.js", "index.html");
        Reply post = stack.post("/console/console.js", ServingStack.JSON, "{}");
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("Allow")).isEqualTo("GET");
    }

    @Test
    void theHistoryHasEveryRuntimeSourceWithItsPoints() {
        Reply r = stack.get("/v1/history");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.isJson()).isTrue();
        JsonNode body = r.json();
        assertThat(Reply.fieldNames(body)).containsExactly("interval_ms", "capacity", "sources");
        assertThat(body.get("interval_ms").longValue()).isEqualTo(ServingStack.HISTORY_INTERVAL.toMillis());
        assertThat(Reply.fieldNames(body.get("sources"))).containsExactlyElementsOf(stack.runtime.sources());
        JsonNode points = body.get("sources").get("payments");
        assertThat(points).isNotEmpty(); // sampled at once when the stack started
        assertThat(Reply.fieldNames(points.get(0)))
                .containsExactly("t", "freshness_s", "in_per_s", "accepted_per_s", "rejected_per_s", "reject_rate", "lag");

        ServingApi stateless = ServingApi.builder(stack.defs, stack.runtime.reader()).build();
        try (ServingServer server = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, stateless)) {
            Reply none = stack.send(HttpRequest.newBuilder(stack.uri(server, "/v1/history")).GET().build());
            assertThat(none.status()).isEqualTo(404);
            assertThat(none.json().get("error").get("code").textValue()).isEqualTo("no_history");
            assertThat(none.json().get("error").get("message").textValue()).contains("no stream runtime");
        }
    }

    @Test
    void theConsoleNeedsNoTokenButItsDataTheReadScope() {
        assertThat(securedGet("/health", null).status()).isEqualTo(200);
        assertThat(securedGet("/", null).status()).isEqualTo(200);
        assertThat(securedGet("/console/console.js", null).status()).isEqualTo(200);
        for (String data : List.of("/metrics", "/v1/catalog", "/v1/history", "/v1/features")) {
            Reply none = securedGet(data, null);
            assertThat(none.status()).as(data).isEqualTo(401);
            assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer");
            assertThat(securedGet(data, ServingStack.READ_TOKEN).status()).as(data).isEqualTo(200);
            assertThat(securedGet(data, ServingStack.ADMIN_TOKEN).status()).as(data).isEqualTo(200);
            Reply write = securedGet(data, ServingStack.WRITE_TOKEN);
            assertThat(write.status()).as(data).isEqualTo(403);
            assertThat(write.json().get("error").get("message").textValue()).contains("read scope");
        }
    }

    @Test
    void tokensGrantTheirScopesOnTheApi() {
        assertThat(securedGet("/v1/features/account_payments/ops-account", ServingStack.READ_TOKEN).status()).isEqualTo(200);
        assertThat(securedGet("/v1/features", ServingStack.ADMIN_TOKEN).status()).isEqualTo(200);
        for (String token : List.of(ServingStack.WRITE_TOKEN, ServingStack.ADMIN_TOKEN)) {
            Reply r = stack.send(HttpRequest.newBuilder(stack.uri(stack.secured, "/v1/events/payments"))
                    .header("Authorization", "bearer  " + token + " ").header("Content-Type", ServingStack.NDJSON)
                    .POST(HttpRequest.BodyPublishers.ofString("")).build());
            assertThat(r.status()).as("scheme is case-insensitive, spaces are trimmed: %s", r).isEqualTo(200);
        }
    }

    @Test
    void oneConnectionServesManyRequestsIncludingErrors() {
        try (RawHttp c = new RawHttp(stack.open.port())) {
            for (int i = 0; i < 5; i++) {
                Reply ok = c.exchange(RawHttp.request("GET", "/v1/features/account_payments/ops-account", List.of(), null), false);
                assertThat(ok.status()).isEqualTo(200);
                assertThat(ok.header("Connection")).isEqualToIgnoringCase("keep-alive");
                Reply bad = c.exchange(RawHttp.request("POST", "/v1/features", List.of("Content-Type: application/json"),
                        "{nope".getBytes(StandardCharsets.UTF_8)), false);
                assertThat(bad.status()).isEqualTo(400);
                Reply head = c.exchange(RawHttp.request("HEAD", "/health", List.of(), null), true);
                assertThat(head.status()).isEqualTo(405);
                assertThat(c.closedByServer()).isFalse();
            }
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInRequestOrderAroundAPush() throws Exception {
        // to signups, which no group reads, so the payment counts the other tests check stay as they are
        byte[] push = RawHttp.request("POST", "/v1/events/signups", List.of("Content-Type: application/json"),
                ("{\"signup_id\": \"s-1\", \"account_id\": \"a-1\", \"event_time\": " + (System.currentTimeMillis() - MINUTE) + "}")
                        .getBytes(StandardCharsets.UTF_8));
        byte[] read = RawHttp.request("GET", "/v1/features/account_payments/ops-account", List.of(), null);
        byte[] missing = RawHttp.request("GET", "/nowhere", List.of(), null);
        try (RawHttp c = new RawHttp(stack.open.port())) {
            c.write(concat(read, push, missing, push, read));
            List<Integer> statuses = new ArrayList<>();
            List<String> kinds = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Reply r = c.read(false);
                statuses.add(r.status());
                JsonNode body = r.json();
                kinds.add(body.has("accepted") ? "push" : body.has("error") ? "error" : "read");
            }
            assertThat(statuses).containsExactly(200, 200, 404, 200, 200);
            assertThat(kinds).containsExactly("read", "push", "error", "push", "read");
        }
    }

    // ---------------------------------------------------------------- shared

    private static Reply securedGet(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(stack.uri(stack.secured, path)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return stack.send(b.build());
    }

    /** Prometheus text samples as {@code name{labels}} → value, labels sorted as the exporter writes them. */
    static Map<String, Double> samples(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line.trim());
            assertThat(m.matches()).as("a Prometheus sample line: %s", line).isTrue();
            String labels = m.group(3) == null ? "" : List.of(m.group(3).split(",")).stream().filter(s -> !s.isBlank()).sorted()
                    .collect(Collectors.joining(",", "{", "}"));
            String v = m.group(4);
            out.put(m.group(1) + labels, v.equals("+Inf") ? Double.POSITIVE_INFINITY : v.equals("-Inf") ? Double.NEGATIVE_INFINITY
                    : Double.parseDouble(v));
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
