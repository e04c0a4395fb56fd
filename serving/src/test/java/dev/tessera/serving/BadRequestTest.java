package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad requests, each answered with the right status and a JSON error that helps: {@code error.code}
 * is the stable code clients branch on, and the message or hint names what would be right (the
 * closest valid name, the expected key fields, the limit, the form to use). The table in
 * {@link #badRequests()} holds one row per case; cases the table cannot express (oversized bodies
 * on the wire, hand-made HTTP, headers of the answer) follow as their own tests.
 */
class BadRequestTest {
    static final String FEATURES = "/v1/features";
    static final String PUSH = "/v1/events/payments";

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

    /** One bad request: what to send, and the status, code and words the answer must have. */
    record Bad(String name, int status, String code, List<String> mentions, Function<ServingStack, Reply> call) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Bad> badRequests() {
        List<Bad> cases = new ArrayList<>();
        // ---- GET one entity
        cases.add(bad("unknown group, with the closest group", 404, "unknown_group", get("/v1/features/acount_payments/a1"),
                "did you mean 'account_payments'", "card_payments"));
        cases.add(bad("wrong key name in the query, with the right one", 400, "bad_key",
                get("/v1/features/account_payments?acount_id=a1"), "'acount_id' is not a key field", "did you mean 'account_id'"));
        cases.add(bad("no key at all, with both forms to give it", 400, "missing_key", get("/v1/features/account_payments"),
                "account_id", "/v1/features/account_payments/account_id=...", "/v1/features/account_payments?account_id=..."));
        cases.add(bad("empty key value in the path", 400, "missing_key", get("/v1/features/account_payments/account_id="),
                "'account_id'", "is empty", "non-empty"));
        cases.add(bad("empty key value in the query", 400, "missing_key", get("/v1/features/account_payments?account_id="),
                "is empty"));
        cases.add(bad("misspelt key name in the path, with the right one", 400, "bad_key",
                get("/v1/features/account_payments/acount_id=a1"), "'acount_id' is not a key field", "did you mean 'account_id'"));
        cases.add(bad("key field given twice", 400, "bad_key", get("/v1/features/account_payments?account_id=a&account_id=b"),
                "2 times", "once"));
        cases.add(bad("key in the path and in the query", 400, "unknown_parameter",
                get("/v1/features/account_payments/a1?account_id=a1"), "not both"));
        cases.add(bad("bad %-escape in the path", 400, "bad_uri", raw("GET /v1/features/account_payments/a%zz1 HTTP/1.1\r\nHost: x\r\n\r\n"),
                "percent-encoding", "%20"));
        cases.add(bad("bad %-escape in the query", 400, "bad_uri", raw("GET /v1/features/account_payments?account_id=%E HTTP/1.1\r\nHost: x\r\n\r\n"),
                "percent-encoding"));
        cases.add(bad("escapes that are not UTF-8 in the path", 400, "bad_uri",
                raw("GET /v1/features/account_payments/%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n"), "not UTF-8", "UTF-8"));
        cases.add(bad("escapes that are not UTF-8 in the query", 400, "bad_uri",
                raw("GET /v1/features/account_payments?account_id=a%C3 HTTP/1.1\r\nHost: x\r\n\r\n"), "not UTF-8"));
        cases.add(bad("the schema registry's path on a node that serves none", 404, "no_schema_registry", get("/registry/subjects"),
                "serves no schema registry", "avro-confluent"));
        cases.add(bad("unknown path, with the endpoints", 404, "not_found", get("/v2/features"),
                "/v2/features", "GET /v1/features/{group}/{entityKey}", "POST /v1/events/{source}"));
        cases.add(bad("path one segment too deep", 404, "not_found", get("/v1/features/account_payments/a/b"), "POST /v1/features"));
        cases.add(bad("wrong method on an entity", 405, "method_not_allowed", method("DELETE", "/v1/features/account_payments/a1"),
                "DELETE is not allowed", "use GET"));
        cases.add(bad("wrong method on the batch endpoint", 405, "method_not_allowed", method("PUT", FEATURES), "use GET or POST"));
        cases.add(bad("GET on the push endpoint", 405, "method_not_allowed", get(PUSH), "use POST"));
        cases.add(bad("POST to /health", 405, "method_not_allowed", post("/health", "application/json", "{}"), "use GET"));

        // ---- POST /v1/features
        cases.add(bad("malformed JSON, with line and column", 400, "bad_json",
                post(FEATURES, ServingStack.JSON, "{\n  \"service\": \"account_risk_v1\",\n  \"entities\": [}\n"),
                "line 3, column 16", "brackets"));
        cases.add(bad("empty body", 400, "bad_json", post(FEATURES, ServingStack.JSON, ""), "empty", "JSON object"));
        cases.add(bad("an object that never closes", 400, "bad_json", post(FEATURES, ServingStack.JSON, "{\"service\": \"account_risk_v1\""),
                "end-of-input", "line 1", "brackets"));
        cases.add(bad("only whitespace", 400, "bad_request", post(FEATURES, ServingStack.JSON, " \n "), "must be a JSON object"));
        cases.add(bad("body is an array, not an object", 400, "bad_request", post(FEATURES, ServingStack.JSON, "[\"account_risk_v1\"]"),
                "must be a JSON object", "{\"service\": \"<name>\", \"entities\": [{...}]}"));
        cases.add(bad("body is null", 400, "bad_request", post(FEATURES, ServingStack.JSON, "null"), "must be a JSON object"));
        cases.add(bad("unknown field, with the closest field", 400, "bad_request",
                post(FEATURES, ServingStack.JSON, "{\"service\": \"account_risk_v1\", \"entites\": []}"),
                "unknown field 'entites'", "did you mean 'entities'"));
        cases.add(bad("both service and features", 400, "bad_request",
                post(FEATURES, ServingStack.JSON, "{\"service\": \"account_risk_v1\", \"features\": [\"account_payments.*\"], \"entities\": []}"),
                "both", "exactly one of"));
        cases.add(bad("neither service nor features", 400, "bad_request", post(FEATURES, ServingStack.JSON, "{\"entities\": []}"),
                "neither", "\"service\": \"<name>\""));
        cases.add(bad("unknown service, with the closest services", 404, "unknown_service", batch("{\"service\": \"account_risk_v3\"", "a1"),
                "'account_risk_v3'", "'account_risk_v1' or 'account_risk_v2'"));
        cases.add(bad("unknown group in the feature list", 404, "unknown_group",
                batch("{\"features\": [\"acount_payments.declined_count_1h\"]", "a1"), "'acount_payments'", "did you mean 'account_payments'"));
        cases.add(bad("unknown feature, with the closest feature", 404, "unknown_feature",
                batch("{\"features\": [\"account_payments.declined_cnt_1h\"]", "a1"), "no feature 'declined_cnt_1h'",
                "did you mean 'declined_count_1h'"));
        cases.add(bad("unknown window of a known feature", 404, "unknown_feature",
                batch("{\"features\": [\"account_payments.declined_count_2h\"]", "a1"), "'declined_count_1h'"));
        cases.add(bad("unqualified feature, with the groups that have it", 400, "unqualified_feature",
                batch("{\"features\": [\"declined_count_1h\"]", "a1"), "does not name its group",
                "account_payments.declined_count_1h or card_payments.declined_count_1h"));
        cases.add(bad("unqualified unknown feature, with the form", 400, "unqualified_feature", batch("{\"features\": [\"risk\"]", "a1"),
                "write group.feature, e.g. account_payments.payment_count_10m"));
        cases.add(bad("empty feature list", 400, "bad_request", batch("{\"features\": []", "a1"), "non-empty array"));
        cases.add(bad("feature names not strings", 400, "bad_request", batch("{\"features\": [1]", "a1"), "must be strings, got number"));
        cases.add(bad("service not a string", 400, "bad_request", batch("{\"service\": [\"account_risk_v1\"]", "a1"),
                "\"service\" must be a string"));
        cases.add(bad("no entities, with the key fields to give", 400, "bad_request",
                post(FEATURES, ServingStack.JSON, "{\"service\": \"account_risk_v1\"}"), "\"entities\" must be an array",
                "\"account_id\": \"...\""));
        cases.add(bad("an entity that is not an object", 400, "bad_key",
                post(FEATURES, ServingStack.JSON, "{\"service\": \"account_risk_v1\", \"entities\": [\"a1\"]}"),
                "entity 0 is not an object", "\"account_id\": \"...\""));
        cases.add(bad("wrong key name in a batch entity, with the right one", 400, "bad_key",
                post(FEATURES, ServingStack.JSON,
                        "{\"service\": \"account_risk_v1\", \"entities\": [{\"account_id\": \"a\"}, {\"acount_id\": \"a1\"}]}"),
                "entity 1: 'acount_id' is not a key field", "did you mean 'account_id'"));
        cases.add(bad("key missing for one of the requested groups", 400, "missing_key",
                post(FEATURES, ServingStack.JSON,
                        "{\"features\": [\"account_payments.*\", \"card_payments.*\"], \"entities\": [{\"account_id\": \"a\"}]}"),
                "entity 0 has no 'card_fingerprint'", "card_payments", "account_id, card_fingerprint"));
        cases.add(bad("empty key value in a batch entity", 400, "missing_key", batchEntity("\"\""), "'account_id' is empty"));
        cases.add(bad("key of type boolean", 400, "bad_key", batchEntity("true"), "'account_id' is boolean", "strings or numbers"));
        cases.add(bad("key of type object", 400, "bad_key", batchEntity("{\"id\": \"a1\"}"), "is object", "strings or numbers"));
        cases.add(bad("key of type null", 400, "bad_key", batchEntity("null"), "is null"));
        cases.add(bad("too many entities, with the limit", 413, "too_many_entities", tooManyEntities(), "1001 entities", "limit is 1000",
                "batches of at most 1000"));
        cases.add(bad("unsupported media type", 415, "unsupported_media_type",
                post(FEATURES, "text/plain", "{\"service\": \"account_risk_v1\", \"entities\": []}"), "'text/plain'", "application/json"));
        cases.add(bad("duplicate JSON keys", 400, "bad_json",
                post(FEATURES, ServingStack.JSON, "{\"service\": \"account_risk_v1\", \"service\": \"account_risk_v2\", \"entities\": []}"),
                "Duplicate field 'service'", "line 1"));
        cases.add(bad("nesting deeper than 64", 400, "bad_json",
                post(FEATURES, ServingStack.JSON, "{\"entities\": " + "[".repeat(100) + "]".repeat(100) + "}"), "nesting depth", "64"));
        cases.add(bad("trailing garbage after the object", 400, "bad_json",
                post(FEATURES, ServingStack.JSON, "{\"service\": \"account_risk_v1\", \"entities\": []} {}"), "line 1", "trailing"));
        cases.add(bad("a number of 200 digits", 400, "bad_json",
                post(FEATURES, ServingStack.JSON, "{\"service\": \"account_risk_v1\", \"entities\": [{\"account_id\": " + "9".repeat(200) + "}]}"),
                "Number value length", "100"));
        cases.add(bad("an exponent past the int range (found by HttpFuzzTest: was a 500)", 400, "bad_json",
                post(FEATURES, ServingStack.JSON, "{\"service\": \"account_risk_v1\", \"entities\": [{\"account_id\": 1E+2147483648}]}"),
                "number that cannot be read", "exponent"));
        cases.add(bad("invalid UTF-8", 400, "bad_json", postBytes(FEATURES, ServingStack.JSON,
                bytes("{\"service\": \"", new byte[] {(byte) 0xC3, (byte) 0x28}, "\", \"entities\": []}")), "UTF-8"));

        // ---- POST /v1/events/{source}
        cases.add(bad("push to an unknown source, with the closest", 404, "unknown_source",
                post("/v1/events/payment", ServingStack.JSON, "[]"), "'payment'", "did you mean 'payments'"));
        cases.add(bad("push of an invalid JSON array, with line and column", 400, "bad_json",
                post(PUSH, ServingStack.JSON, "[{\"payment_id\": \"x\", \"account_id\": \"a\"},\n{\"payment_id\": }]"), "line 2, column 16",
                "application/x-ndjson"));
        cases.add(bad("push of a JSON string", 400, "bad_json", post(PUSH, ServingStack.JSON, "\"event\""), "a JSON string",
                "array of event objects"));
        cases.add(bad("push of an empty body", 400, "bad_json", post(PUSH, ServingStack.JSON, ""), "empty"));
        cases.add(bad("push with duplicate keys in the array", 400, "bad_json",
                post(PUSH, ServingStack.JSON, "[{\"payment_id\": \"x\", \"payment_id\": \"y\"}]"), "Duplicate field 'payment_id'"));
        cases.add(bad("push with an exponent past the int range (found by HttpFuzzTest: was a 500)", 400, "bad_json",
                post(PUSH, ServingStack.JSON, "[{\"payment_id\": \"x\", \"account_id\": \"a\", \"amount\": 1E+2147483648}]"),
                "number that cannot be read"));
        cases.add(bad("score with an exponent past the int range (found by HttpFuzzTest: was a 500)", 400, "bad_json",
                post("/v1/score/account_risk", ServingStack.JSON, "{\"entity\": {\"account_id\": -1e-2147483649}}"),
                "number that cannot be read"));
        cases.add(bad("push as CSV", 415, "unsupported_media_type", post(PUSH, "text/csv", "payment_id,account_id\nx,a\n"),
                "'text/csv'", "application/x-ndjson"));
        cases.add(bad("push of too many events, with the limit", 413, "too_many_events", tooManyEvents(), "10001 events",
                "limit is 10000"));

        // ---- tokens (the second server, with read, write and admin tokens)
        cases.add(bad("no token", 401, "unauthorized", secured("GET", "/v1/features/account_payments/a1", null, null),
                "needs a bearer token", "Authorization: Bearer <token>", "read scope"));
        cases.add(bad("unknown token", 401, "unauthorized",
                secured("GET", "/v1/features/account_payments/a1", "Bearer not-a-token-0123456789", null), "not valid"));
        cases.add(bad("basic auth instead of a bearer token", 401, "unauthorized",
                secured("GET", FEATURES, "Basic dXNlcjpwYXNz", null), "not a bearer token", "Authorization: Bearer <token>"));
        cases.add(bad("bearer without a token", 401, "unauthorized", secured("GET", FEATURES, "Bearer", null), "not a bearer token"));
        cases.add(bad("unknown group without a token: 401 first, nothing about the group", 401, "unauthorized",
                secured("GET", "/v1/features/secret_group/a1", null, null), "bearer token"));
        cases.add(bad("read token pushing", 403, "forbidden", secured("POST", PUSH, "Bearer " + ServingStack.READ_TOKEN, "[]"),
                "lacks the write scope", "write (or admin)"));
        cases.add(bad("write token reading", 403, "forbidden",
                secured("GET", "/v1/features/account_payments/a1", "Bearer " + ServingStack.WRITE_TOKEN, null), "lacks the read scope"));
        cases.add(bad("write token reading a batch", 403, "forbidden", secured("POST", FEATURES, "Bearer " + ServingStack.WRITE_TOKEN,
                "{\"service\": \"account_risk_v1\", \"entities\": []}"), "read scope"));

        // ---- HTTP itself
        cases.add(bad("garbage instead of a request line", 400, "bad_request", raw("HELLO\r\n\r\n"), "could not be parsed",
                "well-formed HTTP/1.1"));
        cases.add(bad("an expectation other than 100-continue (found by HttpFuzzTest: was an empty 417)", 417, "expectation_failed",
                raw("POST /v1/features HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"),
                "'200-ok'", "Expect: 100-continue"));
        cases.add(bad("Content-Length that is not a number", 400, "bad_request",
                raw("POST /v1/features HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n{}"), "could not be parsed"));
        cases.add(bad("headers over 16 KiB", 431, "headers_too_large",
                raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: " + "p".repeat(20_000) + "\r\n\r\n"), "16384", "smaller headers"));
        cases.add(bad("request line over 8 KiB", 414, "uri_too_long",
                raw("GET /v1/features/account_payments/" + "k".repeat(9_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), "8192", "POST /v1/features"));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void isAnsweredWithTheRightStatusAndAHelpfulJsonError(Bad c) {
        Reply r = c.call.apply(stack);
        assertHelpfulError(r, c.status, c.code, c.mentions);
    }

    @Test
    void thereAreAtLeastTwentyDistinctBadRequests() {
        List<Bad> all = badRequests().toList();
        assertThat(all.stream().map(Bad::name).distinct().count()).isEqualTo(all.size()).isGreaterThanOrEqualTo(20);
    }

    // ---------------------------------------------------------------- cases the table cannot express

    @Test
    void wrongMethodNamesTheAllowedOnesInTheAllowHeader() {
        Reply r = method("DELETE", "/v1/features").apply(stack);
        assertHelpfulError(r, 405, "method_not_allowed", List.of("use GET or POST"));
        assertThat(r.header("Allow")).isEqualTo("GET, POST");
        assertThat(method("PATCH", PUSH).apply(stack).header("Allow")).isEqualTo("POST");
    }

    @Test
    void unauthorizedAnswersCarryABearerChallenge() {
        Reply r = secured("POST", PUSH, null, "[]").apply(stack);
        assertHelpfulError(r, 401, "unauthorized", List.of("write scope"));
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
        assertThat(r.body()).doesNotContain(ServingStack.READ_TOKEN, ServingStack.WRITE_TOKEN, ServingStack.ADMIN_TOKEN);
    }

    @Test
    void anOversizedBodyIsA413JsonErrorAndTheClientCanCarryOn() {
        byte[] big = new byte[ServingServer.DEFAULT_MAX_BODY_BYTES + 1024];
        Arrays.fill(big, (byte) ' ');
        big[0] = '[';
        big[big.length - 1] = ']';
        // repeated: answering and closing while the body still arrives reset the connection before
        // the client read the 413 about one time in four
        for (int i = 0; i < 10; i++) {
            for (String path : List.of(PUSH, FEATURES)) {
                Reply r = postBytes(path, ServingStack.JSON, big).apply(stack);
                assertHelpfulError(r, 413, "body_too_large", List.of("larger than 4194304 bytes", "split"));
            }
        }
        try (RawHttp c = new RawHttp(stack.open.port())) { // the connection itself stays usable
            Reply r = c.exchange(RawHttp.request("POST", FEATURES, List.of("Content-Type: application/json"), big), false);
            assertHelpfulError(r, 413, "body_too_large", List.of("4194304"));
            assertThat(c.closedByServer()).isFalse();
            assertThat(c.exchange(RawHttp.request("GET", "/health", List.of(), null), false).status()).isEqualTo(200);
        }
    }

    @Test
    void anOversizedBodyAnnouncedWithExpectContinueGetsThe413InsteadOf100() throws IOException {
        try (RawHttp c = new RawHttp(stack.open.port())) {
            c.write(("POST /v1/features HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                    + "Content-Length: " + (ServingServer.DEFAULT_MAX_BODY_BYTES + 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            Reply r = c.read(false);
            assertHelpfulError(r, 413, "body_too_large", List.of("4194304"));
        }
    }

    @Test
    void anOversizedChunkedBodyIsA413JsonError() throws IOException {
        try (RawHttp c = new RawHttp(stack.open.port())) {
            c.write("POST /v1/events/payments HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] line = ("{\"payment_id\": \"p\", \"account_id\": \"a\", \"pad\": \"" + "x".repeat(8_000) + "\"}\n")
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] chunk = bytes(Integer.toHexString(line.length) + "\r\n", line, "\r\n");
            int sent = 0;
            try {
                while (sent <= ServingServer.DEFAULT_MAX_BODY_BYTES + line.length) {
                    c.write(chunk);
                    sent += line.length;
                }
                c.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // the server may stop reading once it has answered; the answer is what matters
            }
            Reply r = c.read(false);
            assertHelpfulError(r, 413, "body_too_large", List.of("4194304"));
        }
    }

    @Test
    void aBodyJustUnderTheLimitIsReadNormally() {
        StringBuilder body = new StringBuilder("{\"service\": \"account_risk_v1\", \"entities\": [{\"account_id\": \"a1\"}]");
        body.append(" ".repeat(ServingServer.DEFAULT_MAX_BODY_BYTES - body.length() - 1)).append('}');
        assertThat(body.length()).isEqualTo(ServingServer.DEFAULT_MAX_BODY_BYTES);
        Reply r = post(FEATURES, ServingStack.JSON, body.toString()).apply(stack);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
    }

    // ---------------------------------------------------------------- shared

    static void assertHelpfulError(Reply r, int status, String code, List<String> mentions) {
        assertThat(r.status()).as("status of %s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).as("%s", r).isEqualTo("application/json; charset=utf-8");
        JsonNode body = r.json();
        assertThat(Reply.fieldNames(body)).containsExactly("error");
        JsonNode error = body.get("error");
        assertThat(Reply.fieldNames(error)).containsExactly("code", "message", "hint");
        assertThat(error.get("code").textValue()).as("%s", r).isEqualTo(code);
        String message = error.get("message").textValue();
        String hint = error.get("hint").textValue();
        assertThat(message).as("message").isNotBlank();
        assertThat(hint).as("hint").isNotBlank();
        String both = message + " / " + hint;
        for (String m : mentions) {
            assertThat(both.toLowerCase(Locale.ROOT)).as("the error should mention '%s'", m).contains(m.toLowerCase(Locale.ROOT));
        }
        assertThat(both).doesNotContain("Exception").doesNotContain("\tat ").as("no parser internals").doesNotContain("[Source:", "REDACTED");
    }

    private static Bad bad(String name, int status, String code, Function<ServingStack, Reply> call, String... mentions) {
        return new Bad(name, status, code, List.of(mentions), call);
    }

    static Function<ServingStack, Reply> get(String path) {
        return s -> s.get(path);
    }

    static Function<ServingStack, Reply> post(String path, String type, String body) {
        return s -> s.post(path, type, body);
    }

    static Function<ServingStack, Reply> postBytes(String path, String type, byte[] body) {
        return s -> s.send(HttpRequest.newBuilder(s.uri(s.open, path)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    static Function<ServingStack, Reply> method(String method, String path) {
        return s -> s.send(HttpRequest.newBuilder(s.uri(s.open, path)).method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    /** A request to the server with tokens; {@code authorization} null sends none, {@code body} null sends none. */
    static Function<ServingStack, Reply> secured(String method, String path, String authorization, String body) {
        return s -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(s.uri(s.secured, path)).method(method,
                    body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            if (body != null) {
                b.header("Content-Type", ServingStack.JSON);
            }
            return s.send(b.build());
        };
    }

    static Function<ServingStack, Reply> raw(String request) {
        return s -> RawHttp.once(s.open.port(), request);
    }

    /** A batch body: {@code head} (an object opened with its first fields) plus one entity. */
    static Function<ServingStack, Reply> batch(String head, String account) {
        return post(FEATURES, ServingStack.JSON, head + ", \"entities\": [{\"account_id\": \"" + account + "\"}]}");
    }

    static Function<ServingStack, Reply> batchEntity(String keyJson) {
        return post(FEATURES, ServingStack.JSON, "{\"service\": \"account_risk_v1\", \"entities\": [{\"account_id\": " + keyJson + "}]}");
    }

    static Function<ServingStack, Reply> tooManyEntities() {
        StringBuilder sb = new StringBuilder("{\"service\": \"account_risk_v1\", \"entities\": [");
        for (int i = 0; i < 1001; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"account_id\": \"a").append(i).append("\"}");
        }
        return post(FEATURES, ServingStack.JSON, sb.append("]}").toString());
    }

    static Function<ServingStack, Reply> tooManyEvents() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 10_001; i++) {
            sb.append("{}\n");
        }
        return post(PUSH, ServingStack.NDJSON, sb.toString());
    }

    static byte[] bytes(Object... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Object p : parts) {
            byte[] b = p instanceof byte[] x ? x : p.toString().getBytes(StandardCharsets.UTF_8);
            out.write(b, 0, b.length);
        }
        return out.toByteArray();
    }
}
