package dev.tessera.serving;

import static dev.tessera.serving.BodyMutations.pick;

import dev.tessera.serving.FuzzRequest.Framing;
import dev.tessera.serving.FuzzRequest.Server;
import dev.tessera.serving.NaiveFeatures.Ev;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * Valid requests for every endpoint of {@link HttpApi#ENDPOINTS}, for {@link HttpFuzzTest}: each
 * endpoint has a template ({@link #endpoints}, keyed by the endpoint exactly as HttpApi lists it,
 * so an endpoint added there without a template fails the test) that makes a request the endpoint
 * must answer 2xx, varied in everything the API accepts: entity keys in the three forms, escapes,
 * services and feature lists, every source in JSON arrays, single objects and NDJSON, scoring with
 * and without unit and request ids, console files, harmless extra headers. On the secured server
 * each carries a token with the scope it needs. {@link RequestMutations} then breaks them.
 *
 * <p>Entities are the {@code fz-} ones: the oracle's {@code oracle-} accounts only get the events
 * of {@link #trackedPush}, sent unbroken, so the naive oracle knows every event they hold.
 */
final class FuzzRequests {
    static final String[] SERVICES = {"account_risk_v1", "account_risk_v2"};
    /** Feature lists every {@code account_id} entity can be read with. */
    static final String[][] FEATURE_LISTS = {{"account_payments.declined_count_1h"}, {"account_payments.*"},
        {"account_logins.*", "account_payments.amount_sum_1d"}, {"account_payments.top_merchants_7d", "account_payments.last_country",
            "account_logins.last_login_country"}, {"account_payments.amount_p95_7d", "account_payments.recent_cards_1d"}};
    /** Each group and its key field. */
    static final Map<String, String> GROUP_KEYS = Map.of("account_payments", "account_id", "account_logins", "account_id",
            "card_payments", "card_fingerprint", "device_logins", "device_id", "ip_signups", "ip");
    static final String[] GROUPS = GROUP_KEYS.keySet().stream().sorted().toArray(String[]::new);
    static final String[] SOURCES = {"payments", "logins", "signups", "chargebacks", "predictions"};
    static final String[] AVRO_SOURCES = {"avro_payments", "confluent_signups"};
    static final String[] STATUSES = {"APPROVED", "DECLINED"};
    static final String[] COUNTRIES = {"DE", "FR", "US", "NG", "VN", "BR"};

    private final AtomicLong ids;
    /** Every endpoint's valid request, by the endpoint as {@link HttpApi#ENDPOINTS} names it. */
    private final Map<String, BiFunction<Random, Server, FuzzRequest>> templates = templates();

    /** {@code ids}: shared by every generator of a run, so event ids never repeat across clients. */
    FuzzRequests(AtomicLong ids) {
        this.ids = ids;
    }

    /** The endpoints this generator has a valid request for, as {@link HttpApi#ENDPOINTS} names them. */
    List<String> endpoints() {
        return List.copyOf(templates.keySet());
    }

    private Map<String, BiFunction<Random, Server, FuzzRequest>> templates() {
        Map<String, BiFunction<Random, Server, FuzzRequest>> t = new LinkedHashMap<>();
        t.put("GET /v1/features", (rnd, s) -> get(s, "GET /v1/features", "/v1/features"));
        t.put("GET /v1/features/{group}/{entityKey}", (rnd, s) -> get(s, "GET /v1/features/{group}/{entityKey}", entityTarget(rnd)));
        t.put("POST /v1/features", (rnd, s) -> post(rnd, s, "POST /v1/features", "/v1/features", batchBody(rnd), false));
        t.put("POST /v1/events/{source}", this::push);
        t.put("GET /v1/catalog", (rnd, s) -> get(s, "GET /v1/catalog", "/v1/catalog"));
        t.put("GET /v1/history", (rnd, s) -> get(s, "GET /v1/history", "/v1/history"));
        t.put("GET /v1/quality", (rnd, s) -> get(s, "GET /v1/quality", "/v1/quality"));
        t.put("GET /v1/alerts", (rnd, s) -> get(s, "GET /v1/alerts", "/v1/alerts"));
        t.put("POST /v1/score/{model}", (rnd, s) -> post(rnd, s, "POST /v1/score/{model}", "/v1/score/account_risk", scoreBody(rnd), false));
        t.put("GET /v1/models", (rnd, s) -> get(s, "GET /v1/models", "/v1/models"));
        t.put("GET /v1/experiments", (rnd, s) -> get(s, "GET /v1/experiments", "/v1/experiments"));
        t.put("GET /v1/diagnostics", (rnd, s) -> get(s, "GET /v1/diagnostics", "/v1/diagnostics"));
        t.put("GET /health", (rnd, s) -> get(s, "GET /health", "/health"));
        t.put("GET /metrics", (rnd, s) -> get(s, "GET /metrics", "/metrics"));
        t.put("GET / (the console)", (rnd, s) -> get(s, "GET / (the console)", "/"));
        t.put("GET /console/{file}", (rnd, s) -> get(s, "GET /console/{file}",
                "/console/" + pick(rnd, ConsoleAssets.FILES.keySet().toArray(String[]::new))));
        return java.util.Collections.unmodifiableMap(t);
    }

    /** A valid request to {@code endpoint} on {@code server}, with harmless variations. */
    FuzzRequest valid(Random rnd, String endpoint, Server server) {
        FuzzRequest r = templates.get(endpoint).apply(rnd, server);
        List<String> headers = new ArrayList<>(r.headers());
        if (server == Server.SECURED) {
            headers.add("Authorization: Bearer " + token(rnd, endpoint));
        }
        if (rnd.nextInt(4) == 0 && !endpoint.startsWith("POST") && !endpoint.contains("{entityKey}")) { // a query the endpoint ignores
            r = new FuzzRequest(r.endpoint(), server, r.method(), r.target() + (r.target().contains("?") ? "&" : "?") + "v=" + rnd.nextInt(9),
                    r.version(), headers, r.body(), r.framing(), r.requestId(), r.mutations(), r.tracked());
        }
        harmless(rnd, headers);
        Framing framing = r.framing() == Framing.LENGTH && rnd.nextInt(8) == 0 ? Framing.CHUNKED : r.framing();
        return new FuzzRequest(r.endpoint(), server, r.method(), r.target(), r.version(), headers, r.body(), framing, r.requestId(),
                List.of(), r.tracked());
    }

    /** A valid push of new events of the oracle's accounts (payments or logins), the only way events reach them. */
    FuzzRequest trackedPush(Random rnd, Server server, long now) {
        boolean payments = rnd.nextBoolean();
        List<Ev> events = new ArrayList<>();
        for (int i = 0, n = 1 + rnd.nextInt(4); i < n; i++) {
            String account = "oracle-acct-" + rnd.nextInt(HttpFuzzTest.ORACLE_ACCOUNTS);
            long time = now - rnd.nextInt(60_000);
            long id = ids.incrementAndGet();
            events.add(payments
                    ? NaiveFeatures.payment("oracle-p-" + id, account, "oracle-card-" + rnd.nextInt(4), "m-" + rnd.nextInt(5),
                            rnd.nextInt(500), pick(rnd, STATUSES), pick(rnd, COUNTRIES), time)
                    : NaiveFeatures.login("oracle-l-" + id, account, "oracle-dev-" + rnd.nextInt(4), "10.9.0." + rnd.nextInt(8),
                            rnd.nextBoolean(), pick(rnd, COUNTRIES), time));
        }
        boolean ndjson = rnd.nextBoolean();
        List<String> lines = events.stream().map(NaiveFeatures::json).toList();
        String body = ndjson ? String.join("\n", lines) + "\n" : "[" + String.join(",", lines) + "]";
        List<String> headers = new ArrayList<>(base());
        headers.add("Content-Type: " + (ndjson ? "application/x-ndjson" : "application/json"));
        if (server == Server.SECURED) {
            headers.add("Authorization: Bearer " + (rnd.nextBoolean() ? ServingStack.WRITE_TOKEN : ServingStack.ADMIN_TOKEN));
        }
        return new FuzzRequest("POST /v1/events/{source}", server, "POST", "/v1/events/" + (payments ? "payments" : "logins"),
                "HTTP/1.1", headers, body.getBytes(StandardCharsets.UTF_8), Framing.LENGTH, requestId(), List.of(), events);
    }

    // ---------------------------------------------------------------- templates

    private static FuzzRequest get(Server s, String endpoint, String target) {
        return new FuzzRequest(endpoint, s, "GET", target, "HTTP/1.1", base(), null, Framing.NONE, null, List.of(), List.of());
    }

    private static FuzzRequest post(Random rnd, Server s, String endpoint, String target, String body, boolean ndjson) {
        List<String> headers = new ArrayList<>(base());
        String type = ndjson ? pick(rnd, new String[] {"application/x-ndjson", "application/jsonl", "application/x-ndjson; charset=utf-8"})
                : pick(rnd, new String[] {"application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
                    "application/x-www-form-urlencoded", "application/json;charset=UTF-8", null});
        if (type != null) {
            headers.add("Content-Type: " + type);
        }
        return new FuzzRequest(endpoint, s, "POST", target, "HTTP/1.1", headers, body.getBytes(StandardCharsets.UTF_8), Framing.LENGTH,
                null, List.of(), List.of());
    }

    /** Host and a request id; the id is echoed in the answer and shows answers come back in order. */
    private static List<String> base() {
        return List.of("Host: 127.0.0.1", "X-Request-Id: " + requestId());
    }

    private static final AtomicLong REQUEST_IDS = new AtomicLong();

    private static String requestId() {
        return "fz-" + REQUEST_IDS.incrementAndGet();
    }

    /** The request id {@link #base} put in {@code headers}, or null. */
    static String requestIdOf(List<String> headers) {
        for (String h : headers) {
            if (h.startsWith("X-Request-Id: fz-")) {
                return h.substring("X-Request-Id: ".length());
            }
        }
        return null;
    }

    private static String token(Random rnd, String endpoint) {
        if (endpoint.equals("POST /v1/events/{source}")) {
            return rnd.nextBoolean() ? ServingStack.WRITE_TOKEN : ServingStack.ADMIN_TOKEN;
        }
        return rnd.nextBoolean() ? ServingStack.READ_TOKEN : ServingStack.ADMIN_TOKEN;
    }

    private static void harmless(Random rnd, List<String> headers) {
        if (rnd.nextInt(6) == 0) {
            headers.add("Accept: " + pick(rnd, new String[] {"*/*", "application/json", "text/html, */*;q=0.1", "application/xml"}));
        }
        if (rnd.nextInt(10) == 0) {
            headers.add("User-Agent: fuzz/" + rnd.nextInt(100) + " (\u00e9)");
        }
        if (rnd.nextInt(12) == 0) {
            headers.add("Connection: " + pick(rnd, new String[] {"keep-alive", "close", "Keep-Alive"}));
        }
        if (rnd.nextInt(15) == 0) {
            headers.add("X-Forwarded-For: 10.0.0." + rnd.nextInt(255));
        }
        if (rnd.nextInt(20) == 0) {
            headers.add("Accept-Encoding: gzip, deflate, br");
        }
    }

    private static String entityTarget(Random rnd) {
        String group = pick(rnd, GROUPS);
        String field = GROUP_KEYS.get(group);
        String key = key(rnd, field);
        return switch (rnd.nextInt(3)) {
            case 0 -> "/v1/features/" + group + "/" + pathEncoded(key);
            case 1 -> "/v1/features/" + group + "/" + field + "=" + pathEncoded(key);
            default -> "/v1/features/" + group + "?" + field + "=" + java.net.URLEncoder.encode(key, StandardCharsets.UTF_8);
        };
    }

    /** A key of the fuzz's own entities: plain, or with characters a URL must escape. */
    private static String key(Random rnd, String field) {
        String prefix = switch (field) {
            case "card_fingerprint" -> "fz-card-";
            case "device_id" -> "fz-dev-";
            case "ip" -> "10.8.0.";
            default -> "fz-acct-";
        };
        return switch (rnd.nextInt(8)) {
            case 0 -> prefix + "\u00e4 \u20ac/" + rnd.nextInt(5);
            case 1 -> prefix + "+" + rnd.nextInt(5) + "@x";
            case 2 -> prefix + "\u4e2d" + rnd.nextInt(5);
            default -> prefix + rnd.nextInt(10);
        };
    }

    /** Percent-encodes everything but unreserved characters and '+' (a plus in a path is a plus). */
    static String pathEncoded(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~+".indexOf(c) >= 0)) {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return sb.toString();
    }

    private static String entities(Random rnd, int n) {
        StringBuilder e = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            e.append(i == 0 ? "" : ",");
            e.append(rnd.nextInt(6) == 0 ? "{\"account_id\": " + (1000 + rnd.nextInt(5)) + "}"
                    : "{\"account_id\": \"" + json(key(rnd, "account_id")) + "\"}");
        }
        return e.append("]").toString();
    }

    private static String batchBody(Random rnd) {
        String entities = entities(rnd, 1 + rnd.nextInt(5));
        if (rnd.nextBoolean()) {
            return "{\"service\": \"" + pick(rnd, SERVICES) + "\", \"entities\": " + entities + "}";
        }
        String[] features = FEATURE_LISTS[rnd.nextInt(FEATURE_LISTS.length)];
        return "{\"features\": [\"" + String.join("\", \"", features) + "\"], \"entities\": " + entities + "}";
    }

    private static String scoreBody(Random rnd) {
        StringBuilder sb = new StringBuilder("{\"entity\": {\"account_id\": \"").append(json(key(rnd, "account_id"))).append("\"}");
        if (rnd.nextBoolean()) {
            sb.append(", \"unit_id\": \"u-").append(rnd.nextInt(50)).append('"');
        }
        if (rnd.nextInt(3) == 0) {
            sb.append(", \"request_id\": \"score-").append(rnd.nextInt(1_000_000)).append('"');
        }
        return sb.append('}').toString();
    }

    private FuzzRequest push(Random rnd, Server server) {
        String source = pick(rnd, server == Server.AVRO ? AVRO_SOURCES : SOURCES);
        long now = System.currentTimeMillis();
        List<String> events = new ArrayList<>();
        for (int i = 0, n = rnd.nextInt(12) == 0 ? 0 : 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 300 : 5); i < n; i++) {
            events.add(event(rnd, source, ids.incrementAndGet(), now - rnd.nextInt(120_000)));
        }
        int form = events.size() == 1 ? rnd.nextInt(3) : rnd.nextInt(2);
        String body = switch (form) {
            case 0 -> "[" + String.join(rnd.nextBoolean() ? "," : ",\n  ", events) + "]";
            case 1 -> String.join(rnd.nextBoolean() ? "\n" : "\r\n", events) + (rnd.nextBoolean() ? "\n" : "");
            default -> events.get(0); // one object, not in an array
        };
        return post(rnd, server, "POST /v1/events/{source}", "/v1/events/" + source, body, form == 1);
    }

    /** A valid event of {@code source}, its time as epoch millis or ISO-8601. */
    static String event(Random rnd, String source, long id, long time) {
        String t = rnd.nextInt(4) == 0 ? "\"" + java.time.Instant.ofEpochMilli(time) + "\"" : Long.toString(time);
        String account = "\"fz-acct-" + rnd.nextInt(10) + "\"";
        return switch (source) {
            case "payments" -> "{\"payment_id\": \"fz-p-" + id + "\", \"account_id\": " + account + ", \"card_fingerprint\": \"fz-card-"
                    + rnd.nextInt(10) + "\", \"merchant_id\": \"m-" + rnd.nextInt(20) + "\", \"amount\": " + rnd.nextInt(2_000)
                    + ", \"currency\": \"EUR\", \"status\": \"" + pick(rnd, STATUSES) + "\", \"country\": \"" + pick(rnd, COUNTRIES)
                    + "\", \"device_id\": \"fz-dev-" + rnd.nextInt(10) + "\", \"ip\": \"10.8.0." + rnd.nextInt(20) + "\", \"event_time\": "
                    + t + "}";
            case "logins" -> "{\"login_id\": \"fz-l-" + id + "\", \"account_id\": " + account + ", \"device_id\": \"fz-dev-"
                    + rnd.nextInt(10) + "\", \"ip\": \"10.8.0." + rnd.nextInt(20) + "\", \"success\": " + rnd.nextBoolean()
                    + ", \"country\": \"" + pick(rnd, COUNTRIES) + "\", \"event_time\": " + t + "}";
            case "signups" -> "{\"signup_id\": \"fz-s-" + id + "\", \"account_id\": " + account + ", \"email_domain\": \"example.com\","
                    + " \"device_id\": \"fz-dev-" + rnd.nextInt(10) + "\", \"ip\": \"10.8.0." + rnd.nextInt(20) + "\", \"country\": \""
                    + pick(rnd, COUNTRIES) + "\", \"event_time\": " + t + "}";
            case "chargebacks" -> "{\"chargeback_id\": \"fz-c-" + id + "\", \"account_id\": " + account + ", \"card_fingerprint\":"
                    + " \"fz-card-" + rnd.nextInt(10) + "\", \"payment_id\": \"fz-p-" + rnd.nextInt(1000) + "\", \"amount\": "
                    + rnd.nextInt(2_000) + ", \"reason\": \"fraud\", \"event_time\": " + t + "}";
            case "predictions" -> "{\"prediction_id\": \"fz-pr-" + id + "\", \"request_id\": \"r-" + id + "\", \"model\": \"account_risk\","
                    + " \"version\": 1, \"score\": 0." + rnd.nextInt(1000) + ", \"time\": " + t + "}";
            case "avro_payments" -> "{\"payment_id\": \"fz-ap-" + id + "\", \"event_time\": " + time + ", \"account_id\": " + account
                    + ", \"amount_cents\": " + rnd.nextInt(100_000) + ", \"fee\": " + rnd.nextInt(100) + ".25, \"ratio\": "
                    + rnd.nextDouble() + ", \"flagged\": " + rnd.nextBoolean() + ", \"status\": \"" + pick(rnd, STATUSES) + "\""
                    + (rnd.nextBoolean() ? ", \"country\": \"" + pick(rnd, COUNTRIES) + "\"" : "")
                    + (rnd.nextBoolean() ? ", \"tags\": [\"a\", \"b\"]" : "") + "}";
            case "confluent_signups" -> "{\"signup_id\": \"fz-cs-" + id + "\", \"event_time\": " + time + ", \"account_id\": " + account
                    + ", \"country\": \"" + pick(rnd, COUNTRIES) + "\"" + (rnd.nextBoolean() ? ", \"referrer\": \"ad\"" : "") + "}";
            default -> throw new IllegalArgumentException(source);
        };
    }

    private static String json(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
