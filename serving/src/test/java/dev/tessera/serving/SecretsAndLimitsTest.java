package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.TesseraException;
import dev.tessera.inference.ModelRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §9's "tokens never logged" and "limits on request size", on the real stack's server with
 * tokens ({@link ServingStack#secured}) and a second one over the same runtime whose models all
 * fail, so that requests also take the 500 path, the one that logs.
 *
 * <p><b>Secrets.</b> Tokens, valid and not, are sent in the {@code Authorization} header, in query
 * strings ({@code access_token}, as RFC 6750 §2.3 lets clients send them; Tessera does not read them
 * there) and in bodies, to requests answered 2xx, 4xx and 500. None may appear in what the node
 * writes to its log (slf4j-simple writes to {@code System.err}, captured here, with Tessera's
 * loggers at debug when this class creates them), in {@code /metrics}, in a span, or in an answer —
 * except where a client's own unparsable body is quoted back to it in a parse error, which only that
 * client sees (those answers are left out of the answer check, not of the log check).
 *
 * <p><b>Limits.</b> A body over the limit is a JSON 413 and the connection carries on; a header
 * block or request line over its limit is a JSON 431 or 414 and the connection ends with a clean
 * close, not a reset and not a hang, however much more the client sends.
 */
@Tag("reliability")
class SecretsAndLimitsTest {
    static final String UNKNOWN_TOKEN = "u-not-configured-0123456789";
    static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(("reader:" + ServingStack.READ_TOKEN)
            .getBytes(StandardCharsets.UTF_8));
    static final List<String> SECRETS = List.of(ServingStack.READ_TOKEN, ServingStack.WRITE_TOKEN, ServingStack.ADMIN_TOKEN,
            UNKNOWN_TOKEN, BASIC.substring("Basic ".length()));
    static final String READ = "Bearer " + ServingStack.READ_TOKEN;
    static final String WRITE = "Bearer " + ServingStack.WRITE_TOKEN;
    static final String SCORE = "{\"entity\": {\"account_id\": \"leak-account\"}}";
    /** slf4j-simple reads a logger's level from this property when the logger is made. */
    static final String TESSERA_LOG_LEVEL = "org.slf4j.simpleLogger.log.dev.tessera";

    @TempDir
    static Path tmp;
    static Captured output;
    static InMemorySpanExporter spans = InMemorySpanExporter.create();
    static OpenTelemetrySdk otel;
    static ServingStack stack;
    static ServingApi failingApi;
    static ServingServer failing;

    @BeforeAll
    static void start() {
        System.setProperty(TESSERA_LOG_LEVEL, "debug");
        output = Captured.start();
        otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
        stack = ServingStack.start(tmp, otel);
        ModelRegistry broken = ModelRegistry.load(ModelRegistry.defaultFolder(ServingStack.FEATURES), stack.defs)
                .decorated((info, model) -> new FaultyModel(model, inputs -> {
                    throw new IllegalStateException("injected fault: this model cannot score");
                }));
        Tokens tokens = Tokens.parse("read:" + ServingStack.READ_TOKEN + " write:" + ServingStack.WRITE_TOKEN
                + " admin:" + ServingStack.ADMIN_TOKEN, "test");
        failingApi = ServingApi.builder(stack.defs, stack.runtime.reader()).models(broken).tokens(tokens).tracing(otel).build();
        failing = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, failingApi);
    }

    @AfterAll
    static void stop() {
        if (failing != null) {
            failing.close();
            failingApi.scoring().close();
        }
        if (stack != null) {
            stack.close();
        }
        if (otel != null) {
            otel.close();
        }
        if (output != null) {
            output.stop();
        }
        System.clearProperty(TESSERA_LOG_LEVEL);
    }

    // ---------------------------------------------------------------- secrets

    /** A taken port is a clear error naming the port and --port (Netty's native transport reports it as its own IOException). */
    @Test
    void aTakenPortIsAClearError() throws Exception {
        int port = failing.port();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> ServingServer.start("127.0.0.1", port, ServingServer.DEFAULT_MAX_BODY_BYTES, failingApi))
                .isInstanceOf(dev.tessera.api.TesseraException.class)
                .hasMessageContaining("port " + port + " on 127.0.0.1 is already in use").hasMessageContaining("--port");
    }

    @Test
    void tokensInHeadersQueriesAndBodiesAppearInNoLogAnswerMetricOrSpan() {
        List<Reply> answers = new ArrayList<>();
        for (String token : List.of(ServingStack.READ_TOKEN, ServingStack.WRITE_TOKEN, ServingStack.ADMIN_TOKEN, UNKNOWN_TOKEN)) {
            String bearer = "Bearer " + token;
            // in the Authorization header: allowed, refused, unknown paths, bad bodies, a 500
            answers.add(send(stack.secured, "GET", "/v1/features/account_payments/leak-account", bearer, null));
            answers.add(send(stack.secured, "GET", "/v1/features/acount_payments/leak-account", bearer, null));
            answers.add(send(stack.secured, "POST", "/v1/features", bearer, "{\"service\": \"account_risk_v3\", \"entities\": []}"));
            answers.add(send(stack.secured, "DELETE", "/v1/events/payments", bearer, null));
            answers.add(send(stack.secured, "GET", "/v2/nowhere", bearer, null));
            answers.add(send(stack.secured, "POST", "/v1/events/payments", bearer, "[{\"payment_id\": \"leak-1\"}, {}]"));
            answers.add(send(failing, "POST", "/v1/score/account_risk", bearer, SCORE));
            answers.add(raw(stack.secured, "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer + "\r\nX-Pad: "
                    + "p".repeat(20_000) + "\r\n\r\n"));
            answers.add(raw(stack.secured, "POST /v1/features HTTP/1.1\r\nHost: x\r\nAuthorization: " + bearer
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + (ServingServer.DEFAULT_MAX_BODY_BYTES + 1) + "\r\n"
                    + "Expect: 100-continue\r\n\r\n"));
            // in the query string
            answers.add(send(stack.secured, "GET", "/health?access_token=" + token, null, null));
            answers.add(send(stack.secured, "GET", "/v2/nowhere?access_token=" + token, null, null));
            answers.add(send(stack.secured, "GET", "/v1/features/account_payments/leak-account?access_token=" + token, READ, null));
            answers.add(send(stack.secured, "GET", "/v1/features/account_payments?account_id=leak&access_token=" + token, READ, null));
            answers.add(send(stack.secured, "POST", "/v1/events/payments?access_token=" + token, null, "[]"));
            answers.add(send(failing, "POST", "/v1/score/account_risk?access_token=" + token, READ, SCORE));
            answers.add(raw(stack.secured, "GET /v1/features/account_payments/" + "k".repeat(9_000) + "?access_token=" + token
                    + " HTTP/1.1\r\nHost: x\r\n\r\n"));
            // in bodies, as the value of fields the server names in its refusals
            answers.add(send(stack.secured, "POST", "/v1/features", READ,
                    "{\"service\": \"account_risk_v1\", \"entities\": [], \"access_token\": \"" + token + "\"}"));
            answers.add(send(failing, "POST", "/v1/score/account_risk", READ,
                    "{\"entity\": {\"account_id\": \"leak-account\"}, \"authorization\": \"" + bearer + "\"}"));
            answers.add(send(failing, "POST", "/v1/score/account_risk", READ,
                    "{\"entity\": {\"account_id\": \"leak-account\", \"api_key\": \"" + token + "\"}}"));
            answers.add(send(stack.secured, "POST", "/v1/events/payments", WRITE,
                    "[{\"payment_id\": \"leak-2\", \"account_id\": \"leak-account\", \"api_key\": \"" + token + "\"}]"));
            // unparsable bodies around a token (the parse error may quote them to their sender: logs only)
            send(stack.secured, "POST", "/v1/features", READ, "{\"service\": " + token + "}");
            send(stack.secured, "POST", "/v1/events/payments", WRITE, "[{\"api_key\": \"" + token + "\"");
            send(failing, "POST", "/v1/score/account_risk", READ, token);
        }
        answers.add(send(stack.secured, "GET", "/v1/features", BASIC, null));
        answers.add(send(failing, "POST", "/v1/score/account_risk", BASIC, SCORE));

        SoftAssertions soft = new SoftAssertions();
        for (Reply r : answers) {
            for (String secret : SECRETS) {
                soft.assertThat(r.body()).as("an answer: %s", r).doesNotContain(secret);
                soft.assertThat(r.headers().toString()).as("an answer's headers: %s", r.headers()).doesNotContain(secret);
            }
        }
        assertThat(answers).as("the requests took the 2xx, 4xx and 500 paths").extracting(Reply::status)
                .contains(200, 400, 401, 403, 404, 405, 413, 414, 431, 500);
        for (ServingServer server : List.of(stack.secured, stack.open, failing)) {
            Reply metrics = send(server, "GET", "/metrics", READ, null);
            assertThat(metrics.status()).isEqualTo(200);
            for (String secret : SECRETS) {
                soft.assertThat(metrics.body()).as("/metrics of port %s", server.port()).doesNotContain(secret);
            }
        }
        String traced = spans.getFinishedSpanItems().toString();
        assertThat(traced).as("spans were recorded").contains("POST /v1/score/{model}");
        String logged = output.text();
        assertThat(logged).as("the server's log is captured").contains("internal error answering POST /v1/score/account_risk");
        for (String secret : SECRETS) {
            soft.assertThat(traced).as("spans").doesNotContain(secret);
            soft.assertThat(logged).as("the log").doesNotContain(secret);
        }
        soft.assertAll();
    }

    @Test
    void theTokenFileAppearsInNoStringOrErrorOfTokens() throws IOException {
        String a = "r-file-token-a-0123456789abcdef";
        String b = "w-file-token-b-0123456789abcdef";
        String c = "a-file-token-c-0123456789abcdef";
        Path file = tmp.resolve("tokens");
        String text = "# scoped tokens\nread:" + a + "\nread,write:" + b + "  # the pipeline\nadmin:" + c + "\n";
        Files.writeString(file, text);
        Tokens tokens = Tokens.fromFile(file);
        assertThat(tokens.size()).isEqualTo(3);
        assertThat(tokens.toString()).isEqualTo("Tokens[3 configured]").doesNotContain(a, b, c);
        assertThatThrownBy(() -> tokens.check("Bearer " + a + "x", Tokens.Scope.READ))
                .satisfies(e -> assertThat(e.getMessage() + ((ApiException) e).hint()).doesNotContain(a));

        // mistakes in the file are reported by line and kind, never with the token
        for (String bad : List.of("reed:" + a, a, "read " + a, "read:" + a + " writ:" + b, ":" + a)) {
            Files.writeString(file, "read:" + c + "\n" + bad + "\n");
            assertThatThrownBy(() -> Tokens.fromFile(file)).as(bad).isInstanceOf(TesseraException.class)
                    .satisfies(e -> assertThat(e.getMessage()).as(bad).contains("line 2").doesNotContain(a, b, c));
        }
    }

    // ---------------------------------------------------------------- limits

    @Test
    void bodiesOverTheLimitAreJson413AndTheConnectionCarriesOn() {
        byte[] big = new byte[ServingServer.DEFAULT_MAX_BODY_BYTES + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        try (RawHttp c = new RawHttp(stack.secured.port())) {
            for (String path : List.of("/v1/events/payments", "/v1/features", "/v1/score/account_risk")) {
                for (String auth : new String[] {null, "Authorization: " + WRITE}) {
                    List<String> headers = auth == null ? List.of("Content-Type: application/json")
                            : List.of("Content-Type: application/json", auth);
                    Reply r = c.exchange(RawHttp.request("POST", path, headers, big), false);
                    BadRequestTest.assertHelpfulError(r, 413, "body_too_large", List.of("4194304"));
                    assertThat(c.closedByServer()).as("%s: %s", path, r).isFalse();
                    Reply next = c.exchange(RawHttp.request("GET", "/v1/features", List.of("Authorization: " + READ), null), false);
                    assertThat(next.status()).as("the same connection after a 413").isEqualTo(200);
                }
            }
        }
    }

    @Test
    void headerBlocksOverTheLimitAreJson431AndTheConnectionClosesCleanly() throws IOException {
        String authorization = "Authorization: " + READ + "\r\n";
        List<String> blocks = List.of(
                authorization + "X-Pad: " + "p".repeat(20_000) + "\r\n",
                authorization + "X-Pad: p\r\n".repeat(3_000),
                "Authorization: Bearer " + "t".repeat(20_000) + "\r\n",
                authorization + ("X-Pad: " + "p".repeat(1_000) + "\r\n").repeat(1_000));
        for (String block : blocks) {
            Reply r = refusedAndClosed("GET /v1/features HTTP/1.1\r\nHost: x\r\n" + block + "\r\n");
            BadRequestTest.assertHelpfulError(r, 431, "headers_too_large", List.of("16384"));
        }
    }

    @Test
    void requestLinesOverTheLimitAreJson414AndTheConnectionClosesCleanly() throws IOException {
        for (String target : List.of("/v1/features/account_payments/" + "k".repeat(9_000),
                "/v1/features/account_payments?account_id=" + "k".repeat(9_000), "/" + "x".repeat(1 << 20))) {
            Reply r = refusedAndClosed("GET " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + READ + "\r\n\r\n");
            BadRequestTest.assertHelpfulError(r, 414, "uri_too_long", List.of("8192"));
        }
    }

    @Test
    void requestsJustUnderTheLimitsAreServed() {
        String line = "GET /v1/features/account_payments/ HTTP/1.1";
        String key = "k".repeat(ServingServer.MAX_REQUEST_LINE_BYTES - line.length() - 100);
        try (RawHttp c = new RawHttp(stack.secured.port())) {
            Reply longLine = c.exchange(RawHttp.request("GET", "/v1/features/account_payments/" + key,
                    List.of("Authorization: " + READ), null), false);
            assertThat(longLine.status()).as("%s", longLine).isEqualTo(200);
            Reply manyHeaders = c.exchange(RawHttp.request("GET", "/v1/features", List.of("Authorization: " + READ,
                    "X-Pad: " + "p".repeat(ServingServer.MAX_HEADER_BYTES - 1_000)), null), false);
            assertThat(manyHeaders.status()).as("%s", manyHeaders).isEqualTo(200);
            assertThat(c.closedByServer()).isFalse();
        }
    }

    // ---------------------------------------------------------------- shared

    /**
     * Sends {@code request} on a fresh connection, carrying on when the server stops reading (it may
     * answer and close before all is sent), reads the answer, and checks that the server announced
     * the close and then closed cleanly.
     */
    private static Reply refusedAndClosed(String request) throws IOException {
        try (RawHttp c = new RawHttp(stack.secured.port())) {
            try {
                c.write(request.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the server answered and stopped reading: the answer is what matters
            }
            Reply r = c.read(false);
            assertThat(r.header("Connection")).as("%s", r).isEqualToIgnoringCase("close");
            assertThat(c.atEnd()).as("the server closed the connection after %s", r).isTrue();
            return r;
        }
    }

    private static Reply send(ServingServer server, String method, String pathAndQuery, String authorization, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(stack.uri(server, pathAndQuery)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (body != null) {
            b.header("Content-Type", ServingStack.JSON);
        }
        return stack.send(b.build());
    }

    private static Reply raw(ServingServer server, String request) {
        return RawHttp.once(server.port(), request);
    }

    /** {@code System.out} and {@code System.err}, teed into a buffer until {@link #stop}. */
    static final class Captured {
        private final PrintStream out = System.out;
        private final PrintStream err = System.err;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        static Captured start() {
            Captured c = new Captured();
            System.setOut(c.tee(c.out));
            System.setErr(c.tee(c.err));
            return c;
        }

        private PrintStream tee(PrintStream to) {
            return new PrintStream(new OutputStream() {
                @Override
                public void write(int b) {
                    synchronized (bytes) {
                        bytes.write(b);
                    }
                    to.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    synchronized (bytes) {
                        bytes.write(b, off, len);
                    }
                    to.write(b, off, len);
                }

                @Override
                public void flush() {
                    to.flush();
                }
            }, true, StandardCharsets.UTF_8);
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }

        void stop() {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
