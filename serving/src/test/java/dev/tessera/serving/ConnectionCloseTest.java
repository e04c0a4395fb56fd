package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.serving.NaiveFeatures.Ev;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a connection ends (RFC 9112 §9.6), on the real stack, for the four faults {@link HttpFuzzTest}
 * found: a request pipelined behind an answer that says {@code Connection: close} was still done
 * (a push reached Kafka, and the client, never answered, would send it again); a client that
 * half-closes after its requests lost the answer to a push whose events were written; an
 * {@code Expect} other than {@code 100-continue} got Netty's empty 417, after which the body was
 * read as the next request (a request smuggled past a proxy that saw one); and a refusal made before
 * the body was read went out ahead of the answer to a push pipelined before it.
 *
 * <p>"Not done" is checked after a fence: a push on another connection, answered, then the runtime
 * caught up. A request wrongly done could in principle still land after the fence, so a broken server
 * could pass a run; a correct one can never fail it.
 */
@Tag("reliability")
class ConnectionCloseTest {
    static final int BOUND_MS = 30_000;

    @TempDir
    static Path tmp;
    static ServingStack stack;
    static int ids;

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

    @Test
    void nothingPipelinedBehindTheLastAnswerIsDone() throws Exception {
        List<String> notDone = new ArrayList<>();
        List<String> closers = List.of(
                "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /health HTTP/1.0\r\nHost: x\r\n\r\n",
                new String(push("closing-push", "Connection: close"), StandardCharsets.UTF_8));
        for (String closer : closers) {
            String account = "behind-close-" + notDone.size();
            notDone.add(account);
            try (RawHttp c = new RawHttp(stack.open.port(), BOUND_MS)) {
                c.write(BadRequestTest.bytes(closer, push(account)));
                Reply r = c.read(false);
                assertThat(r.status()).as("%s", r).isEqualTo(200);
                assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
                assertThat(c.atEnd()).as("a clean close after the last answer, with the request behind it unread").isTrue();
            }
        }
        String fence = fence();
        for (String account : notDone) {
            assertThat(paymentCount(account)).as("the push behind the last answer, for %s", account).isZero();
        }
        assertThat(paymentCount(fence)).as("the fence is seen").isEqualTo(1);
    }

    @Test
    void aClientThatHalfClosesAfterItsRequestsGetsEveryAnswer() throws IOException {
        try (RawHttp c = new RawHttp(stack.open.port(), BOUND_MS)) {
            c.write(BadRequestTest.bytes(push("half-closed-0"), push("half-closed-1"),
                    "GET /v1/features/account_payments/half-closed-0 HTTP/1.1\r\nHost: x\r\nX-Request-Id: read-after\r\n\r\n"));
            c.shutdownOutput();
            for (int i = 0; i < 2; i++) {
                Reply r = c.read(false);
                assertThat(r.status()).as("%s", r).isEqualTo(200);
                assertThat(r.json().get("accepted").intValue()).isEqualTo(1);
                assertThat(r.header(HttpApi.REQUEST_ID)).isEqualTo("push-half-closed-" + i);
            }
            Reply read = c.read(false);
            assertThat(read.status()).as("%s", read).isEqualTo(200);
            assertThat(read.header(HttpApi.REQUEST_ID)).isEqualTo("read-after");
            assertThat(c.atEnd()).isTrue();
        }
        // cut short by the half-close: in the headers, a 400 saying so; in the body, a close (nothing was asked in full)
        try (RawHttp c = new RawHttp(stack.open.port(), BOUND_MS)) {
            c.write("POST /v1/features HTTP/1.1\r\nHost: x\r\nContent-Ty".getBytes(StandardCharsets.UTF_8));
            c.shutdownOutput();
            BadRequestTest.assertHelpfulError(c.read(false), 400, "bad_request", List.of("closed before received headers"));
            assertThat(c.atEnd()).isTrue();
        }
        try (RawHttp c = new RawHttp(stack.open.port(), BOUND_MS)) {
            c.write("POST /v1/features HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"service\""
                    .getBytes(StandardCharsets.UTF_8));
            c.shutdownOutput();
            assertThat(c.atEnd()).as("a clean close").isTrue();
        }
    }

    @Test
    void anUnmetExpectationIsAJson417AndItsBodyIsNeverReadAsARequest() throws Exception {
        byte[] smuggled = push("smuggled");
        try (RawHttp c = new RawHttp(stack.open.port(), BOUND_MS)) {
            c.write(BadRequestTest.bytes("POST /v1/features HTTP/1.1\r\nHost: x\r\nExpect: x-smuggle\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + smuggled.length + "\r\n\r\n", smuggled));
            Reply r = c.read(false);
            BadRequestTest.assertHelpfulError(r, 417, "expectation_failed", List.of("'x-smuggle'", "100-continue"));
            assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(c.atEnd()).as("nothing after the 417: the body was skipped, not answered as a request").isTrue();
        }
        // a body of 3 MB sent anyway is read and skipped while the 417 waits for the client to close: no reset
        try (RawHttp c = new RawHttp(stack.open.port(), BOUND_MS)) {
            Reply r = c.exchange(RawHttp.request("POST", "/v1/features", List.of("Expect: x-big", "Content-Type: application/json"),
                    ("{\"service\": \"" + "s".repeat(3_000_000) + "\"}").getBytes(StandardCharsets.UTF_8)), false);
            assertThat(r.status()).isEqualTo(417);
            assertThat(c.atEnd()).isTrue();
        }
        // a client that waits, as it should, before sending the body gets the answer without sending it
        try (RawHttp c = new RawHttp(stack.open.port(), BOUND_MS)) {
            c.write(("POST /v1/features HTTP/1.1\r\nHost: x\r\nExpect: x-wait\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(c.read(false).status()).isEqualTo(417);
        }
        String fence = fence();
        assertThat(paymentCount("smuggled")).as("the body of the refused request, a push").isZero();
        assertThat(paymentCount(fence)).isEqualTo(1);
    }

    @Test
    void anAnnouncedCloseIsAClose() throws IOException {
        // the 413 to an Expect: 100-continue over the limit said Connection: close and then waited for the client
        try (RawHttp c = new RawHttp(stack.open.port(), BOUND_MS)) {
            c.write(("POST /v1/features HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: "
                    + (ServingServer.DEFAULT_MAX_BODY_BYTES + 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            Reply r = c.read(false);
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(c.atEnd()).as("closed by the server within %d ms", BOUND_MS).isTrue();
        }
    }

    @Test
    void aRefusalPipelinedBehindAPushIsAnsweredAfterIt() throws IOException {
        List<String> refused = List.of(
                "POST /v1/features HTTP/1.1\r\nHost: x\r\nX-Request-Id: refused\r\nExpect: 200-ok\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 2\r\n\r\n{}",
                "POST /v1/features HTTP/1.1\r\nHost: x\r\nX-Request-Id: refused\r\nContent-Type: application/json\r\nContent-Length: "
                        + (ServingServer.DEFAULT_MAX_BODY_BYTES + 1) + "\r\n\r\n");
        for (String r : refused) {
            try (RawHttp c = new RawHttp(stack.open.port(), BOUND_MS)) {
                String account = "before-refusal-" + ids;
                c.write(BadRequestTest.bytes(push(account), r));
                Reply first = c.read(false);
                assertThat(first.status()).as("%s", first).isEqualTo(200);
                assertThat(first.header(HttpApi.REQUEST_ID)).isEqualTo("push-" + account);
                Reply second = c.read(false);
                assertThat(second.status()).as("%s", second).isIn(413, 417);
                assertThat(second.header(HttpApi.REQUEST_ID)).isEqualTo("refused");
            }
        }
    }

    // ---------------------------------------------------------------- shared

    /** A push of one payment of {@code account} (its request id {@code push-<account>}), with {@code extraHeaders}. */
    static byte[] push(String account, String... extraHeaders) {
        Ev e = NaiveFeatures.payment("cc-" + account + "-" + ids++, account, "card-1", "m-1", 10, "APPROVED", "DE",
                System.currentTimeMillis() - 1_000);
        byte[] body = ("[" + NaiveFeatures.json(e) + "]").getBytes(StandardCharsets.UTF_8);
        List<String> headers = new ArrayList<>(List.of("Content-Type: application/json", "X-Request-Id: push-" + account));
        headers.addAll(List.of(extraHeaders));
        return RawHttp.request("POST", "/v1/events/payments", headers, body);
    }

    /** Pushes one payment of a new account on a connection of its own, then waits until the runtime applied all it read. */
    static String fence() throws Exception {
        String account = "fence-" + ids;
        try (RawHttp c = new RawHttp(stack.open.port(), BOUND_MS)) {
            Reply r = c.exchange(push(account), false);
            assertThat(r.status()).as("%s", r).isEqualTo(200);
        }
        stack.runtime.awaitCaughtUp(Duration.ofSeconds(60));
        return account;
    }

    static long paymentCount(String account) {
        Reply r = stack.get("/v1/features/account_payments/" + account);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.json().get("features").get("payment_count_1d").longValue();
    }
}
