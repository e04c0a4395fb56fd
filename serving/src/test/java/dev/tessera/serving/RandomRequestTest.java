package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random requests (ADR 001: a plain loop over a fixed seed, the seed and request named in
 * every failure; {@code -Dtessera.seed=N -Dtessera.requests=M} explores further): methods, paths,
 * escapes, headers, tokens and bodies, most of them almost right (a valid request with one thing
 * broken), some plain garbage, on kept-alive connections to both servers. Whatever arrives, the
 * answer is never a 5xx, every 4xx is the JSON error shape, and every 2xx from the API is JSON.
 * The status mix is checked too, so the generator cannot drift into testing one refusal 500 times.
 */
class RandomRequestTest {
    static final long SEED = Long.getLong("tessera.seed", 20_261_126L);
    static final int REQUESTS = Integer.getInteger("tessera.requests", 500);

    static final String[] GROUPS = {"account_payments", "card_payments", "account_logins", "device_logins", "acount_payments",
        "account_payments.", "ACCOUNT_PAYMENTS", "", "%", "*", "..", "account%5Fpayments"};
    static final String[] FEATURES = {"account_payments.declined_count_1h", "account_payments.*", "card_payments.amount_max_1d",
        "account_logins.*", "declined_count_1h", "account_payments.nope", "nope.nope", ".", "account_payments.", "*.*", ""};
    static final String[] SERVICES = {"account_risk_v1", "account_risk_v2", "account_risk_v3", "", " account_risk_v1"};
    static final String[] KEYS = {"account_id", "card_fingerprint", "device_id", "acount_id", "", "id", "account_id "};
    static final String[] SOURCES = {"payments", "logins", "signups", "chargebacks", "payment", "", "%2e%2e", "payments%00"};
    static final String[] FIELDS = {"payment_id", "login_id", "account_id", "card_fingerprint", "merchant_id", "amount", "status",
        "country", "event_time", "device_id", "success", "ip", "service", "features", "entities"};
    static final String[] TYPES = {null, "application/json", "application/json; charset=utf-8", "application/x-ndjson",
        "application/jsonl", "application/x-www-form-urlencoded", "text/plain", "", "application/xml", "multipart/form-data; boundary=x",
        "APPLICATION/JSON", "application/json;;;", "*/*"};
    static final String[] AUTHS = {null, "Bearer " + ServingStack.READ_TOKEN, "Bearer " + ServingStack.WRITE_TOKEN,
        "Bearer " + ServingStack.ADMIN_TOKEN, "Bearer nope", "Bearer ", "Basic dXNlcjpwYXNz", "bearer " + ServingStack.ADMIN_TOKEN,
        "Bearer " + ServingStack.READ_TOKEN + "x", "Token abc"};

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

    /** One generated request and how to describe it in a failure. */
    record Request(boolean secured, String method, String target, List<String> headers, byte[] body) {
        byte[] bytes() {
            StringBuilder sb = new StringBuilder().append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            for (String h : headers) {
                sb.append(h).append("\r\n");
            }
            if (body != null) {
                sb.append("Content-Length: ").append(body.length).append("\r\n");
            }
            sb.append("\r\n");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
            if (body != null) {
                out.writeBytes(body);
            }
            return out.toByteArray();
        }

        @Override
        public String toString() {
            String b = body == null ? "(none)" : new String(body, StandardCharsets.UTF_8);
            return (secured ? "[secured] " : "") + method + " " + target + " " + headers + " body: "
                    + (b.length() > 300 ? b.substring(0, 300) + "...(" + body.length + " bytes)" : b);
        }
    }

    @Test
    void randomRequestsNeverGetA5xxAndEvery4xxIsAJsonError() {
        Random rnd = new Random(SEED);
        Map<Integer, Integer> statuses = new TreeMap<>();
        RawHttp[] connections = new RawHttp[2];
        try {
            for (int i = 0; i < REQUESTS; i++) {
                Request req = request(rnd);
                int which = req.secured ? 1 : 0;
                if (connections[which] == null || connections[which].closedByServer()) {
                    if (connections[which] != null) {
                        connections[which].close();
                    }
                    connections[which] = new RawHttp(req.secured ? stack.secured.port() : stack.open.port());
                }
                boolean head = req.method.equals("HEAD");
                Reply r;
                try {
                    r = connections[which].exchange(req.bytes(), head);
                } catch (RuntimeException e) {
                    throw new AssertionError("seed " + SEED + ", request " + i + ": no answer to " + req + ": " + e, e);
                }
                statuses.merge(r.status(), 1, Integer::sum);
                check(i, req, r, head);
            }
        } finally {
            for (RawHttp c : connections) {
                if (c != null) {
                    c.close();
                }
            }
        }
        System.out.println("seed " + SEED + ", " + REQUESTS + " requests, statuses: " + statuses);
        assertThat(statuses.keySet()).as("statuses seen: %s", statuses).contains(200, 400, 401, 403, 404, 405, 415);
        assertThat(statuses.get(200)).as("statuses seen: %s", statuses).isGreaterThan(REQUESTS / 20);
    }

    private static void check(int i, Request req, Reply r, boolean head) {
        String where = "seed " + SEED + ", request " + i + ": " + req + " -> " + r;
        if (r.status() >= 500) {
            fail("a 5xx for bad input: " + where);
        }
        if (head) {
            assertThat(r.body()).as(where).isEmpty();
            return;
        }
        String path = req.target.split("\\?", 2)[0];
        boolean api = path.startsWith("/v1/") || path.equals("/v1") || path.equals("/health") || path.equals("/metrics");
        if (r.status() >= 400) {
            assertThat(r.isJson()).as("JSON content type: " + where).isTrue();
            JsonNode error = r.json().get("error");
            assertThat(error).as(where).isNotNull();
            assertThat(Reply.fieldNames(error)).as(where).containsExactly("code", "message", "hint");
            for (String f : List.of("code", "message", "hint")) {
                assertThat(error.get(f).isTextual() && !error.get(f).textValue().isBlank()).as(f + ": " + where).isTrue();
            }
        } else if (api && !path.equals("/metrics")) {
            assertThat(r.isJson()).as(where).isTrue();
            r.json();
        }
    }

    // ---------------------------------------------------------------- generation

    static Request request(Random rnd) {
        boolean secured = rnd.nextInt(5) == 0;
        int kind = rnd.nextInt(100);
        String method;
        String target;
        byte[] body = null;
        if (kind < 25) {
            method = rnd.nextInt(6) == 0 ? otherMethod(rnd) : "GET";
            target = entityTarget(rnd);
        } else if (kind < 55) {
            method = rnd.nextInt(8) == 0 ? otherMethod(rnd) : "POST";
            target = rnd.nextInt(10) == 0 ? "/v1/features?x=" + rnd.nextInt(9) : "/v1/features";
            body = mutate(rnd, batchBody(rnd));
        } else if (kind < 80) {
            method = rnd.nextInt(8) == 0 ? otherMethod(rnd) : "POST";
            target = "/v1/events/" + pick(rnd, SOURCES);
            body = mutate(rnd, pushBody(rnd));
        } else if (kind < 90) {
            method = rnd.nextInt(4) == 0 ? otherMethod(rnd) : "GET";
            target = pick(rnd, new String[] {"/health", "/metrics", "/", "/v1/features", "/v1", "/v1/", "//health", "/health/",
                "/v1//features", "/v1/features/", "/v1/events", "/v1/events/", "/metrics?x=%zz", "/favicon.ico", "/v1/models",
                "/v1/catalog", "/v1/history", "/v1/catalog/x", "/console/console.js", "/console/index.html", "/console/nope.js",
                "/console/..%2F..%2Fpom.xml", "/console/%zz", "/console/", "/console/console.css?v=1"});
        } else {
            method = otherMethod(rnd);
            target = junkTarget(rnd);
            if (rnd.nextBoolean()) {
                body = randomBytes(rnd, rnd.nextInt(200));
            }
        }
        if (body == null && rnd.nextInt(10) == 0) {
            body = mutate(rnd, batchBody(rnd)); // a body where none is expected
        }
        List<String> headers = new ArrayList<>();
        if (body != null && rnd.nextInt(4) == 0) {
            String type = pick(rnd, TYPES);
            if (type != null) {
                headers.add("Content-Type: " + type);
            }
        } else if (body != null) {
            boolean ndjson = target.startsWith("/v1/events") && !new String(body, StandardCharsets.UTF_8).startsWith("[");
            headers.add("Content-Type: " + (ndjson ? "application/x-ndjson" : "application/json"));
        }
        String auth = pick(rnd, AUTHS);
        if (auth != null && (secured || rnd.nextInt(4) == 0)) {
            headers.add("Authorization: " + auth);
        }
        if (rnd.nextInt(10) == 0) {
            headers.add("Accept: " + pick(rnd, new String[] {"text/html", "*/*", "application/xml", "application/json"}));
        }
        if (rnd.nextInt(15) == 0) {
            headers.add("Connection: close");
        }
        if (rnd.nextInt(25) == 0 && body != null) {
            headers.add("Expect: 100-continue");
        }
        if (rnd.nextInt(20) == 0) {
            headers.add("X-Noise-" + rnd.nextInt(100) + ": " + "n".repeat(rnd.nextInt(3_000)));
        }
        return new Request(secured, method, target, headers, body);
    }

    private static String otherMethod(Random rnd) {
        return pick(rnd, new String[] {"PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "GET", "POST", "PROPFIND", "get", "BREW"});
    }

    private static String entityTarget(Random rnd) {
        String group = pick(rnd, GROUPS);
        return switch (rnd.nextInt(4)) {
            case 0 -> "/v1/features/" + group + "/" + key(rnd);
            case 1 -> "/v1/features/" + group + "/" + pick(rnd, KEYS) + "=" + key(rnd);
            case 2 -> "/v1/features/" + group + "?" + pick(rnd, KEYS) + "=" + key(rnd)
                    + (rnd.nextInt(4) == 0 ? "&" + pick(rnd, KEYS) + "=" + key(rnd) : "");
            default -> "/v1/features/" + group + "/" + key(rnd) + "?" + pick(rnd, KEYS) + "=" + key(rnd);
        };
    }

    /** A key as it may appear in a URL: plain, escaped, badly escaped, with reserved characters. */
    private static String key(Random rnd) {
        return switch (rnd.nextInt(10)) {
            case 0 -> "";
            case 1 -> "a%zz";
            case 2 -> "%";
            case 3 -> "a+b%40c";
            case 4 -> "%E2%82%AC%20x";
            case 5 -> "%C3%28"; // an escape of invalid UTF-8
            case 6 -> "k".repeat(rnd.nextInt(3_000));
            case 7 -> "acct-" + rnd.nextInt(5) + "%2Fx";
            case 8 -> "a=b,c=d";
            default -> "acct-" + rnd.nextInt(5);
        };
    }

    private static String junkTarget(Random rnd) {
        StringBuilder sb = new StringBuilder(rnd.nextInt(5) == 0 ? "" : "/");
        int n = rnd.nextInt(6);
        String alphabet = "abcv1/%?&=#.;:@!$'()*+,~-_0123456789ZéЖ";
        for (int i = 0; i < n * 5; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.length() == 0 ? "/" : sb.toString();
    }

    private static String batchBody(Random rnd) {
        StringBuilder sb = new StringBuilder("{");
        List<String> fields = new ArrayList<>();
        if (rnd.nextInt(3) > 0) {
            fields.add("\"service\": " + (rnd.nextInt(6) == 0 ? randomJson(rnd, 2) : "\"" + pick(rnd, SERVICES) + "\""));
        }
        if (rnd.nextInt(3) == 0 || fields.isEmpty()) {
            StringBuilder f = new StringBuilder("[");
            for (int i = 0, n = rnd.nextInt(4); i < n; i++) {
                f.append(i == 0 ? "" : ", ").append(rnd.nextInt(8) == 0 ? randomJson(rnd, 1) : "\"" + pick(rnd, FEATURES) + "\"");
            }
            fields.add("\"features\": " + f.append("]"));
        }
        if (rnd.nextInt(8) > 0) {
            StringBuilder e = new StringBuilder("[");
            for (int i = 0, n = rnd.nextInt(rnd.nextInt(20) == 0 ? 1_100 : 4); i < n; i++) {
                e.append(i == 0 ? "" : ", ");
                if (rnd.nextInt(8) == 0) {
                    e.append(randomJson(rnd, 2));
                } else {
                    e.append("{\"").append(pick(rnd, KEYS)).append("\": ").append(keyValueJson(rnd));
                    if (rnd.nextInt(3) == 0) {
                        e.append(", \"").append(pick(rnd, KEYS)).append("\": ").append(keyValueJson(rnd));
                    }
                    e.append("}");
                }
            }
            fields.add("\"entities\": " + e.append("]"));
        }
        if (rnd.nextInt(10) == 0) {
            fields.add("\"" + pick(rnd, FIELDS) + "\": " + randomJson(rnd, 2));
        }
        return sb.append(String.join(", ", fields)).append("}").toString();
    }

    private static String keyValueJson(Random rnd) {
        return switch (rnd.nextInt(9)) {
            case 0 -> "12345";
            case 1 -> "1.5";
            case 2 -> "1e400";
            case 3 -> "-0.0";
            case 4 -> "true";
            case 5 -> "null";
            case 6 -> "\"\"";
            case 7 -> "{\"x\": 1}";
            default -> "\"acct-" + rnd.nextInt(5) + "\"";
        };
    }

    private static String pushBody(Random rnd) {
        long now = System.currentTimeMillis();
        List<String> events = new ArrayList<>();
        for (int i = 0, n = rnd.nextInt(rnd.nextInt(30) == 0 ? 200 : 6); i < n; i++) {
            if (rnd.nextInt(6) == 0) {
                events.add(randomJson(rnd, 3));
                continue;
            }
            StringBuilder e = new StringBuilder("{");
            List<String> fields = new ArrayList<>();
            for (String f : FIELDS) {
                if (rnd.nextInt(3) > 0) {
                    fields.add("\"" + f + "\": " + switch (f) {
                        case "event_time" -> switch (rnd.nextInt(6)) {
                            case 0 -> "\"" + java.time.Instant.ofEpochMilli(now - rnd.nextInt(600_000)) + "\"";
                            case 1 -> Long.toString(now + 86_400_000L);
                            case 2 -> "\"soon\"";
                            case 3 -> Long.toString((now - rnd.nextInt(600_000)) * 1000);
                            default -> Long.toString(now - rnd.nextInt(600_000));
                        };
                        case "amount" -> rnd.nextInt(5) == 0 ? randomJson(rnd, 1) : Integer.toString(rnd.nextInt(1_000));
                        case "success" -> Boolean.toString(rnd.nextBoolean());
                        default -> rnd.nextInt(10) == 0 ? randomJson(rnd, 1) : "\"" + f.charAt(0) + rnd.nextInt(20) + "\"";
                    });
                }
            }
            events.add(e.append(String.join(", ", fields)).append("}").toString());
        }
        if (rnd.nextBoolean()) {
            return "[" + String.join(",\n", events) + "]";
        }
        return String.join(rnd.nextBoolean() ? "\n" : "\r\n\n", events) + (rnd.nextBoolean() ? "\n" : "");
    }

    /** A random JSON value, sometimes deeper than the nesting limit. */
    private static String randomJson(Random rnd, int depth) {
        if (rnd.nextInt(40) == 0) {
            int d = 50 + rnd.nextInt(40);
            return "[".repeat(d) + "]".repeat(d);
        }
        if (depth <= 0) {
            return switch (rnd.nextInt(7)) {
                case 0 -> "null";
                case 1 -> Boolean.toString(rnd.nextBoolean());
                case 2 -> Long.toString(rnd.nextLong());
                case 3 -> Double.toString(rnd.nextGaussian() * 1e6);
                case 4 -> "\"" + "s".repeat(rnd.nextInt(20)) + "\"";
                case 5 -> "9".repeat(1 + rnd.nextInt(150));
                default -> "\"\\u00e9\\n\\t\\\"\"";
            };
        }
        if (rnd.nextBoolean()) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0, n = rnd.nextInt(4); i < n; i++) {
                sb.append(i == 0 ? "" : ",").append(randomJson(rnd, depth - 1));
            }
            return sb.append("]").toString();
        }
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0, n = rnd.nextInt(4); i < n; i++) {
            sb.append(i == 0 ? "" : ",").append('"').append(pick(rnd, FIELDS)).append("\":").append(randomJson(rnd, depth - 1));
        }
        return sb.append("}").toString();
    }

    /** Mostly the body as is; otherwise cut, spliced with a stray character, duplicated, or replaced by bytes. */
    private static byte[] mutate(Random rnd, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        switch (rnd.nextInt(12)) {
            case 0:
                return b.length == 0 ? b : java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            case 1: {
                String stray = pick(rnd, new String[] {"{", "}", "[", "]", "\"", ",", ":", "\\", "\u0000", "é", "\uD83D\uDE00", "\n"});
                int at = rnd.nextInt(body.length() + 1);
                return (body.substring(0, at) + stray + body.substring(at)).getBytes(StandardCharsets.UTF_8);
            }
            case 2:
                return (body + body).getBytes(StandardCharsets.UTF_8);
            case 3:
                return randomBytes(rnd, rnd.nextInt(300));
            case 4:
                return new byte[0];
            default:
                return b;
        }
    }

    private static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static String pick(Random rnd, String[] options) {
        return options[rnd.nextInt(options.length)];
    }
}
