package dev.tessera.serving;

import static dev.tessera.serving.SecurityScopeTest.Effect.CHANGES_STATE;
import static dev.tessera.serving.SecurityScopeTest.Effect.READS;
import static dev.tessera.serving.SecurityScopeTest.Needs.OPEN;
import static dev.tessera.serving.SecurityScopeTest.Needs.READ;
import static dev.tessera.serving.SecurityScopeTest.Needs.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which scope each endpoint needs (SPEC §9), on the real stack's server with a read, a write and an
 * admin token ({@link ServingStack#secured}), and that nothing the read scope or the console can
 * reach changes state.
 *
 * <p>{@link #SCOPES} is the endpoint-by-scope table. It is written from SPEC §4, §7 and §9, the
 * {@link Tokens} class comment (read: feature reads and metrics; write: event push; admin:
 * everything) and ADR 021 (the console's page and files are open, like {@code /health}; its data
 * needs the read scope), not read from {@link HttpApi}: the router and the table are two statements
 * of the rule, and this test fails where they differ. {@link #theTableCoversEveryEndpointTheApiLists}
 * fails when an endpoint is added without a row. docs/RELIABILITY.md shows the same table.
 *
 * <p>Secrets in logs, answers, metrics and traces, and the size limits, are {@link SecretsAndLimitsTest}.
 */
@Tag("reliability")
class SecurityScopeTest {
    /** The least a request needs; the admin scope includes every other. */
    enum Needs { OPEN, READ, WRITE }

    /** What a request does to the node's state. */
    enum Effect { READS, CHANGES_STATE }

    /**
     * One endpoint: its method and route as {@link HttpApi#ENDPOINTS} spells them, the scope it
     * needs, its effect, and a request that reaches it ({@code body} null: none). Requests change
     * nothing when allowed: the push is an empty array.
     */
    record Row(String method, String route, Needs needs, Effect effect, String path, String body) {
        String endpoint() {
            return method + " " + route;
        }

        @Override
        public String toString() {
            return endpoint() + " needs " + (needs == OPEN ? "no token" : needs.name().toLowerCase(Locale.ROOT));
        }
    }

    static final String BATCH = "{\"service\": \"account_risk_v1\", \"entities\": [{\"account_id\": \"scope-account\"}]}";
    static final String SCORE = "{\"entity\": {\"account_id\": \"scope-account\"}}";

    /*
     * Scoring reads features and a model; it also appends to the prediction log and to its
     * experiment's guardrail statistics (SPEC §7), records of reads rather than state a client sets,
     * so it is a read like POST /v1/features.
     */
    static final List<Row> SCOPES = List.of(
            new Row("GET", "/health", OPEN, READS, "/health", null),
            new Row("GET", "/", OPEN, READS, "/", null),
            new Row("GET", "/console/{file}", OPEN, READS, "/console/console.js", null),
            new Row("GET", "/metrics", READ, READS, "/metrics", null),
            new Row("GET", "/v1/features", READ, READS, "/v1/features", null),
            new Row("GET", "/v1/features/{group}/{entityKey}", READ, READS, "/v1/features/account_payments/scope-account", null),
            new Row("POST", "/v1/features", READ, READS, "/v1/features", BATCH),
            new Row("POST", "/v1/events/{source}", WRITE, CHANGES_STATE, "/v1/events/payments", "[]"),
            new Row("POST", "/v1/score/{model}", READ, READS, "/v1/score/account_risk", SCORE),
            new Row("GET", "/v1/models", READ, READS, "/v1/models", null),
            new Row("GET", "/v1/experiments", READ, READS, "/v1/experiments", null),
            new Row("GET", "/v1/catalog", READ, READS, "/v1/catalog", null),
            new Row("GET", "/v1/history", READ, READS, "/v1/history", null),
            new Row("GET", "/v1/quality", READ, READS, "/v1/quality", null),
            new Row("GET", "/v1/alerts", READ, READS, "/v1/alerts", null),
            new Row("GET", "/v1/diagnostics", READ, READS, "/v1/diagnostics", null));

    /** What a credential is, for the outcome it must get. */
    enum Kind { NONE, INVALID, READ, WRITE, ADMIN }

    /** An {@code Authorization} header value (null: none sent). */
    record Credential(String label, Kind kind, String authorization) {
        @Override
        public String toString() {
            return label;
        }
    }

    static final String UNKNOWN_TOKEN = "u-not-configured-0123456789";

    static final List<Credential> CREDENTIALS = List.of(
            new Credential("no Authorization header", Kind.NONE, null),
            new Credential("Basic credentials holding the read token", Kind.INVALID,
                    "Basic " + Base64.getEncoder().encodeToString(("reader:" + ServingStack.READ_TOKEN).getBytes(StandardCharsets.UTF_8))),
            new Credential("'Bearer' and no token", Kind.INVALID, "Bearer"),
            new Credential("the admin token without a scheme", Kind.INVALID, ServingStack.ADMIN_TOKEN),
            new Credential("the admin token under another scheme", Kind.INVALID, "Token " + ServingStack.ADMIN_TOKEN),
            new Credential("the read and the admin token in one header", Kind.INVALID,
                    "Bearer " + ServingStack.READ_TOKEN + " " + ServingStack.ADMIN_TOKEN),
            new Credential("an unknown token", Kind.INVALID, "Bearer " + UNKNOWN_TOKEN),
            new Credential("the admin token in upper case", Kind.INVALID, "Bearer " + ServingStack.ADMIN_TOKEN.toUpperCase(Locale.ROOT)),
            new Credential("the admin token less its last character", Kind.INVALID,
                    "Bearer " + ServingStack.ADMIN_TOKEN.substring(0, ServingStack.ADMIN_TOKEN.length() - 1)),
            new Credential("the admin token and one more character", Kind.INVALID, "Bearer " + ServingStack.ADMIN_TOKEN + "0"),
            new Credential("the read token", Kind.READ, "Bearer " + ServingStack.READ_TOKEN),
            new Credential("the write token", Kind.WRITE, "Bearer " + ServingStack.WRITE_TOKEN),
            new Credential("the admin token", Kind.ADMIN, "Bearer " + ServingStack.ADMIN_TOKEN));

    enum Outcome { ALLOWED, UNAUTHORIZED, FORBIDDEN }

    /** The rule of SPEC §9 and {@link Tokens}: no valid token is 401; a valid one without the scope is 403; admin is every scope. */
    static Outcome expected(Row row, Kind kind) {
        if (row.needs == OPEN) {
            return Outcome.ALLOWED;
        }
        return switch (kind) {
            case NONE, INVALID -> Outcome.UNAUTHORIZED;
            case ADMIN -> Outcome.ALLOWED;
            case READ -> row.needs == READ ? Outcome.ALLOWED : Outcome.FORBIDDEN;
            case WRITE -> row.needs == WRITE ? Outcome.ALLOWED : Outcome.FORBIDDEN;
        };
    }

    @TempDir
    static Path tmp;
    static ServingStack stack;

    @BeforeAll
    static void start() {
        stack = ServingStack.start(tmp);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    static Stream<Row> rows() {
        return SCOPES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void everyCredentialGetsExactlyTheOutcomeItsScopeAllows(Row row) {
        SoftAssertions soft = new SoftAssertions();
        for (Credential c : CREDENTIALS) {
            Reply r = send(row.method, row.path, c.authorization, row.body);
            String what = row.endpoint() + " with " + c + ": " + r;
            switch (expected(row, c.kind)) {
                case ALLOWED -> {
                    soft.assertThat(r.status()).as(what).isNotIn(401, 403);
                    // reached the endpoint: not the router's 404 or 405 (a 404 of the endpoint itself, such as no_diagnostics, is fine)
                    soft.assertThat(errorCode(r)).as(what).isNotIn("not_found", "method_not_allowed");
                }
                case UNAUTHORIZED -> {
                    soft.assertThat(r.status()).as(what).isEqualTo(401);
                    soft.assertThat(errorCode(r)).as(what).isEqualTo("unauthorized");
                    // RFC 9110 §15.5.2: a 401 carries a challenge; RFC 6750 §3 names the scheme
                    soft.assertThat(r.header("WWW-Authenticate")).as(what).isNotNull().startsWith("Bearer");
                }
                case FORBIDDEN -> {
                    soft.assertThat(r.status()).as(what).isEqualTo(403);
                    soft.assertThat(errorCode(r)).as(what).isEqualTo("forbidden");
                    soft.assertThat(r.isJson() ? r.json().get("error").get("message").textValue() : "").as(what)
                            .contains(row.needs.name().toLowerCase(Locale.ROOT) + " scope");
                }
                default -> throw new IllegalStateException();
            }
        }
        soft.assertAll();
    }

    @Test
    void theTableCoversEveryEndpointTheApiLists() {
        Set<String> listed = new TreeSet<>();
        for (String e : HttpApi.ENDPOINTS) {
            listed.add(e.replaceAll("\\s*\\(.*\\)$", "")); // "GET / (the console)" is "GET /"
        }
        Set<String> table = SCOPES.stream().map(Row::endpoint).collect(Collectors.toCollection(TreeSet::new));
        assertThat(table).as("a row per endpoint: a new endpoint needs its row (and its scope decided)").containsExactlyElementsOf(listed);
        assertThat(SCOPES.stream().map(Row::endpoint).distinct().count()).as("one row per endpoint").isEqualTo(SCOPES.size());
    }

    /** Methods a route does not list are 405 with the route's methods in {@code Allow}, with any token or none: never served. */
    @Test
    void methodsOutsideTheTableAreRefusedWhateverTheToken() {
        Map<String, Set<String>> methodsByPath = new LinkedHashMap<>();
        for (Row r : SCOPES) {
            methodsByPath.computeIfAbsent(r.path, p -> new TreeSet<>()).add(r.method);
        }
        SoftAssertions soft = new SoftAssertions();
        for (Map.Entry<String, Set<String>> e : methodsByPath.entrySet()) {
            for (String method : List.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE")) {
                if (e.getValue().contains(method)) {
                    continue;
                }
                for (String auth : new String[] {null, "Bearer " + ServingStack.ADMIN_TOKEN}) {
                    Reply r = send(method, e.getKey(), auth, method.equals("HEAD") || method.equals("TRACE") ? null : "[]");
                    String what = method + " " + e.getKey() + (auth == null ? " without a token" : " with the admin token") + ": " + r;
                    soft.assertThat(r.status()).as(what).isEqualTo(405);
                    soft.assertThat(r.header("Allow")).as(what).isNotNull();
                    if (r.header("Allow") != null) {
                        soft.assertThat(new TreeSet<>(List.of(r.header("Allow").split(",\\s*")))).as(what).isEqualTo(e.getValue());
                    }
                    // TRACE must not echo the request (its Authorization header) back: cross-site tracing
                    soft.assertThat(r.body()).as(what).doesNotContain(ServingStack.ADMIN_TOKEN);
                }
            }
        }
        soft.assertAll();
    }

    @Test
    void everyStateChangingEndpointNeedsTheWriteScopeAndEveryOtherChangesNothing() {
        for (Row r : SCOPES) {
            if (r.effect == CHANGES_STATE) {
                assertThat(r.needs).as("%s changes state", r).isEqualTo(WRITE);
            } else {
                assertThat(r.needs).as("%s only reads", r).isIn(OPEN, READ);
            }
        }
        assertThat(SCOPES).as("the table's one state-changing endpoint is the push (SPEC §4)").filteredOn(r -> r.effect == CHANGES_STATE)
                .extracting(Row::endpoint).containsExactly("POST /v1/events/{source}");
    }

    /**
     * On the wire: a real event sent to every path with every method, with the read token, with
     * invalid credentials and with none, reaches no topic. The source topics' end offsets (only
     * pushes write there, and a push is answered once Kafka acknowledged it) are the same after;
     * the write token's push moves them, so the check can see a change.
     */
    @Test
    void nothingTheReadScopeOrNoValidTokenSendsChangesState() {
        String event = "[" + NaiveFeatures.json(NaiveFeatures.payment("scope-0", "scope-account", "c-1", "m-1", 10, "APPROVED", "US",
                System.currentTimeMillis() - 60_000)) + "]";
        Map<TopicPartition, Long> before = sourceEndOffsets();
        SoftAssertions soft = new SoftAssertions();
        Set<String> paths = new LinkedHashSet<>();
        SCOPES.forEach(r -> paths.add(r.path));
        for (String path : paths) {
            for (String method : List.of("GET", "POST", "PUT", "PATCH", "DELETE")) {
                for (Credential c : CREDENTIALS) {
                    if (c.kind == Kind.WRITE || c.kind == Kind.ADMIN) {
                        continue;
                    }
                    Reply r = send(method, path, c.authorization, method.equals("GET") ? null : event);
                    if (r.status() < 300) {
                        Row row = SCOPES.stream().filter(x -> x.path.equals(path) && x.method.equals(method)).findFirst().orElse(null);
                        soft.assertThat(row).as("%s %s with %s was served: %s", method, path, c, r).isNotNull();
                        soft.assertThat(row == null ? CHANGES_STATE : row.effect).as("%s %s with %s", method, path, c).isEqualTo(READS);
                    }
                }
            }
        }
        soft.assertAll();
        assertThat(sourceEndOffsets()).as("no event reached Kafka").isEqualTo(before);

        Reply pushed = send("POST", "/v1/events/payments", "Bearer " + ServingStack.WRITE_TOKEN, event);
        assertThat(pushed.status()).as("%s", pushed).isEqualTo(200);
        assertThat(pushed.json().get("accepted").intValue()).isEqualTo(1);
        assertThat(sourceEndOffsets()).as("the write token's push is seen").isNotEqualTo(before);
    }

    /**
     * A page of another origin cannot make the user's browser push or score: a cross-origin POST (a
     * form, or a {@code no-cors} fetch, which a browser sends without asking) is refused with 403
     * {@code cross_origin} even on the node without tokens, and reaches no topic; the same POST from
     * the server's own origin (the console) or without {@code Origin} (scripts) goes through.
     */
    @Test
    void aCrossOriginPostFromABrowserIsRefusedEvenWithAuthenticationOff() {
        String event = "[" + NaiveFeatures.json(NaiveFeatures.payment("origin-0", "origin-account", "c-1", "m-1", 10, "APPROVED", "US",
                System.currentTimeMillis() - 60_000)) + "]";
        Map<TopicPartition, Long> before = sourceEndOffsets();
        for (String origin : List.of("http://evil.example", "null", "http://127.0.0.1:1", "not a url")) {
            for (String path : List.of("/v1/events/payments", "/v1/score/account_risk", "/v1/features")) {
                Reply r = stack.send(HttpRequest.newBuilder(stack.uri(stack.open, path)).header("Origin", origin)
                        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(event)).build());
                assertThat(r.status()).as("%s from %s: %s", path, origin, r).isEqualTo(403);
                assertThat(errorCode(r)).isEqualTo("cross_origin");
            }
        }
        assertThat(sourceEndOffsets()).as("no event reached Kafka").isEqualTo(before);
        java.net.URI self = stack.uri(stack.open, "/");
        Reply same = stack.send(HttpRequest.newBuilder(stack.uri(stack.open, "/v1/events/payments"))
                .header("Origin", self.getScheme() + "://" + self.getRawAuthority())
                .header("Content-Type", ServingStack.JSON).POST(HttpRequest.BodyPublishers.ofString(event)).build());
        assertThat(same.status()).as("%s", same).isEqualTo(200);
        Reply script = stack.send(HttpRequest.newBuilder(stack.uri(stack.open, "/v1/features/account_payments/origin-account")).GET()
                .header("Origin", "http://evil.example").build());
        assertThat(script.status()).as("a GET is a read: the browser does not let the page see the answer (no CORS)").isEqualTo(200);
    }

    /**
     * The console (ADR 021) only reads. Its files, as the server serves them, name only endpoints of
     * the table that read and need no more than the read scope; only {@code api.js} and the health
     * check call {@code fetch}; the only methods are GET and the POST of {@code postRead}, which
     * refuses every path but the batch read; the page has no form that submits anywhere. Its
     * behaviour in a browser is {@link ConsoleBrowserTest}'s.
     */
    @Test
    void theConsoleNamesOnlyReadEndpointsAndSendsNoStateChangingRequest() {
        Map<String, String> files = new TreeMap<>();
        for (String name : ConsoleAssets.FILES.keySet()) {
            Reply r = stack.get("/console/" + name);
            assertThat(r.status()).as(name).isEqualTo(200);
            files.put(name, r.body());
        }
        Pattern literal = Pattern.compile("(['`\"])(/(?:v1/[^'`\"]*|health|metrics))\\1");
        Pattern postRead = Pattern.compile("postRead\\(\\s*(['`\"])([^'`\"]*)\\1");
        Pattern fetch = Pattern.compile("\\bfetch\\(");
        Pattern method = Pattern.compile("method:\\s*'([A-Za-z]+)'");
        List<String> named = new ArrayList<>();
        for (Map.Entry<String, String> f : files.entrySet()) {
            if (!f.getKey().endsWith(".js")) {
                continue;
            }
            String js = withoutComments(f.getValue());
            Set<String> posted = new TreeSet<>();
            Matcher p = postRead.matcher(js);
            while (p.find()) {
                posted.add(p.group(2));
            }
            Matcher m = literal.matcher(js);
            while (m.find()) {
                String path = m.group(2).replaceAll("\\$\\{[^}]*}", "x");
                String how = posted.contains(m.group(2)) || f.getKey().equals("api.js") ? "POST" : "GET";
                Row row = SCOPES.stream().filter(r -> r.method.equals(how) && matches(r.route, path)).findFirst().orElse(null);
                assertThat(row).as("%s names %s %s, which the table does not have", f.getKey(), how, path).isNotNull();
                assertThat(row.effect).as("%s: %s", f.getKey(), row).isEqualTo(READS);
                assertThat(row.needs).as("%s: %s", f.getKey(), row).isIn(OPEN, READ);
                named.add(how + " " + path);
            }
            Matcher calls = fetch.matcher(js);
            while (calls.find()) {
                assertThat(f.getKey()).as("fetch outside the API module").isIn("api.js", "console.js");
            }
            Matcher methods = method.matcher(js);
            while (methods.find()) {
                assertThat(methods.group(1)).as("%s sends %s", f.getKey(), methods.group(1)).isIn("GET", "POST");
            }
        }
        assertThat(named).as("the views' requests were found").contains("GET /v1/catalog", "GET /v1/history", "POST /v1/features");
        String api = files.get("api.js");
        assertThat(api).contains("const READ_POSTS = new Set(['/v1/features']);")
                .contains("if (!READ_POSTS.has(path)) throw");
        assertThat(withoutComments(files.get("console.js"))).contains("fetch('/health', {cache: 'no-store'})");
        String index = stack.get("/").body().toLowerCase(Locale.ROOT);
        assertThat(index).doesNotContain("action=").doesNotContain("method=\"post\"").doesNotContain("formaction");
        assertThat(SCOPES).filteredOn(r -> r.route.equals("/") || r.route.startsWith("/console")).allMatch(r -> r.needs == OPEN);
    }

    // ---------------------------------------------------------------- shared

    static Reply send(String method, String path, String authorization, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(stack.uri(stack.secured, path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (body != null) {
            b.header("Content-Type", ServingStack.JSON);
        }
        return stack.send(b.build());
    }

    static String errorCode(Reply r) {
        if (!r.isJson() || r.body().isEmpty()) {
            return null;
        }
        JsonNode error = r.json().get("error");
        return error == null ? null : error.get("code").textValue();
    }

    /** Whether a concrete path fits a route such as {@code /v1/features/{group}/{entityKey}}. */
    static boolean matches(String route, String path) {
        return path.matches(Pattern.quote(route).replaceAll("\\{[^}]*}", "\\\\E[^/]+\\\\Q"));
    }

    private static String withoutComments(String js) {
        return js.replaceAll("(?m)^\\s*//.*$", "").replaceAll("(?s)/\\*.*?\\*/", "");
    }

    /**
     * The end offsets of every source topic (including the prediction log's, a source of labels in
     * the example): only pushes, and scores on a server with a prediction log, write there.
     */
    private static Map<TopicPartition, Long> sourceEndOffsets() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrap),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (dev.tessera.api.Source s : stack.defs.sources().values()) {
                c.partitionsFor(s.topic()).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            Map<TopicPartition, Long> out = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
            out.putAll(c.endOffsets(partitions, java.time.Duration.ofSeconds(60)));
            return out;
        }
    }
}
