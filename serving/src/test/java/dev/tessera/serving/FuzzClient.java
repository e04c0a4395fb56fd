package dev.tessera.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tessera.serving.FuzzRequest.Framing;
import dev.tessera.serving.FuzzRequest.Server;
import dev.tessera.serving.NaiveFeatures.Ev;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * One client of {@link HttpFuzzTest}: its own seeded requests ({@link FuzzRequests},
 * {@link RequestMutations}), its own connections, five ways to send them ({@link Transport}), and
 * the oracle every answer is held to ({@link #check}). What it sees goes to {@link FuzzOutcomes}.
 */
final class FuzzClient {
    /** The longest any request may wait for its answer or a clean close: a hang guard, not a speed assertion. */
    static final int ANSWER_BOUND_MS = 30_000;
    /** The valid token characters of a method (RFC 9110 §5.6.2), which the JDK client insists on. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Headers the JDK client sets itself or refuses. */
    private static final Set<String> JDK_RESTRICTED = Set.of("host", "content-length", "connection", "expect", "upgrade",
            "transfer-encoding", "http2-settings", "te", "sec-websocket-key", "sec-websocket-version");

    /**
     * How requests are sent: one at a time on a kept-alive socket; 2 to 6 written at once on it
     * (pipelined); on a fresh socket whose client side is closed after the last request, which may
     * lie about its framing (half-closed); or by the JDK client, over HTTP/1.1 or offering an h2c
     * upgrade (which the server declines).
     */
    enum Transport { KEEP_ALIVE, PIPELINED, HALF_CLOSED, JDK_HTTP1, JDK_H2C }

    /** Where the servers are, the JDK clients, and where the events of answered tracked pushes go. */
    record Targets(Map<Server, Integer> ports, HttpClient http1, HttpClient h2c, Consumer<Ev> accepted) {}

    private final long seed;
    private final int id;
    private final int quota;
    private final Random rnd;
    private final FuzzRequests generator;
    private final List<String> endpoints;
    private final FuzzOutcomes outcomes;
    private final Targets targets;
    private final Map<Server, RawHttp> connections = new EnumMap<>(Server.class);
    private int sent;

    /** Client {@code id} of a run with {@code seed}: {@code quota} requests, made by {@code generator}. */
    FuzzClient(long seed, int id, int quota, FuzzRequests generator, FuzzOutcomes outcomes, Targets targets) {
        this.seed = seed;
        this.id = id;
        this.quota = quota;
        this.rnd = new Random(seed * 31 + id);
        this.generator = generator;
        this.endpoints = generator.endpoints();
        this.outcomes = outcomes;
        this.targets = targets;
    }

    void run() {
        try {
            while (sent < quota) {
                int t = rnd.nextInt(100);
                if (t < 45) {
                    keepAlive(rnd.nextInt(40) == 0 ? tracked() : next(null, false));
                } else if (t < 60) {
                    pipelined();
                } else if (t < 70) {
                    halfClosed();
                } else {
                    jdk(rnd.nextInt(40) == 0 ? tracked() : next(null, false), t < 90 ? Transport.JDK_HTTP1 : Transport.JDK_H2C);
                }
            }
        } finally {
            connections.values().forEach(RawHttp::close);
        }
    }

    /** A request: valid, broken, or junk; {@code honest}: only framings that leave the connection usable. */
    private FuzzRequest next(Server server, boolean honest) {
        while (true) {
            Server s = server != null ? server : pickServer();
            int kind = rnd.nextInt(100);
            FuzzRequest r;
            if (kind < 5) {
                r = junk(s);
            } else {
                String endpoint = s == Server.AVRO ? "POST /v1/events/{source}" : endpoints.get(rnd.nextInt(endpoints.size()));
                FuzzRequest valid = generator.valid(rnd, endpoint, s);
                r = kind < 38 ? valid : RequestMutations.broken(rnd, valid);
            }
            if (!honest || r.framing().honest()) {
                return r;
            }
        }
    }

    private FuzzRequest tracked() {
        return generator.trackedPush(rnd, rnd.nextInt(3) == 0 ? Server.SECURED : Server.OPEN, System.currentTimeMillis());
    }

    private Server pickServer() {
        int s = rnd.nextInt(100);
        return s < 62 ? Server.OPEN : s < 88 ? Server.SECURED : Server.AVRO;
    }

    private FuzzRequest junk(Server s) {
        StringBuilder target = new StringBuilder(rnd.nextInt(5) == 0 ? "" : "/");
        String alphabet = "abcv1/%?&=#.;:@!$'()*+,~-_0123456789Z\u00e9\u0416 \t";
        for (int i = 0, n = rnd.nextInt(40); i < n; i++) {
            target.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        byte[] body = rnd.nextBoolean() ? BodyMutations.random(rnd, rnd.nextInt(300)) : null;
        return new FuzzRequest(FuzzRequest.JUNK, s, BodyMutations.pick(rnd, RequestMutations.METHODS), target.toString(),
                rnd.nextInt(10) == 0 ? "" : "HTTP/1.1", List.of("Host: 127.0.0.1"), body, body == null ? Framing.NONE : Framing.LENGTH,
                null, List.of("junk"), List.of());
    }

    private int port(Server s) {
        return targets.ports().get(s);
    }

    private String where(FuzzRequest r, Transport t) {
        return "seed " + seed + ", client " + id + ", request " + sent + " over " + t + ": " + r.describe();
    }

    // ------------------------------------------------------------ transports

    private void keepAlive(FuzzRequest r) {
        if (!r.framing().honest()) {
            halfClosed(List.of(r));
            return;
        }
        sent++;
        outcomes.sent(r, Transport.KEEP_ALIVE);
        RawHttp c = connections.computeIfAbsent(r.server(), s -> new RawHttp(port(s), ANSWER_BOUND_MS));
        Reply reply;
        try {
            reply = c.exchange(r.bytes(rnd), r.head());
        } catch (UncheckedIOException e) {
            noAnswer(r, Transport.KEEP_ALIVE, e.getCause());
            drop(r.server());
            return;
        }
        check(r, reply, Transport.KEEP_ALIVE);
        if (c.closedByServer()) {
            expectCleanClose(c, r, Transport.KEEP_ALIVE);
            drop(r.server());
        }
    }

    /** 2 to 6 requests written at once on the kept-alive connection, answers read in order. */
    private void pipelined() {
        Server server = pickServer();
        List<FuzzRequest> batch = new ArrayList<>();
        for (int i = 0, n = Math.min(2 + rnd.nextInt(5), quota - sent); i < n; i++) {
            batch.add(next(server, true));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        batch.forEach(r -> bytes.writeBytes(r.bytes(rnd)));
        batch.forEach(r -> outcomes.sent(r, Transport.PIPELINED));
        RawHttp c = connections.computeIfAbsent(server, s -> new RawHttp(port(s), ANSWER_BOUND_MS));
        try {
            c.write(bytes.toByteArray());
        } catch (IOException e) {
            sent += batch.size();
            noAnswer(batch.get(0), Transport.PIPELINED, e);
            drop(server);
            return;
        }
        FuzzRequest answered = batch.get(0);
        for (int i = 0; i < batch.size(); i++) {
            FuzzRequest r = batch.get(i);
            sent++;
            if (c.closedByServer()) { // announced: the rest is not answered, and the client retries it
                outcomes.closedWithoutAnswer(r);
                continue;
            }
            try {
                check(r, c.read(r.head()), Transport.PIPELINED);
                answered = r;
            } catch (IOException e) {
                noAnswer(r, Transport.PIPELINED, new IOException(e + "; the batch: " + batch.stream().map(FuzzRequest::brief).toList(), e));
                sent += batch.size() - i - 1;
                drop(server);
                return;
            }
        }
        if (c.closedByServer()) {
            expectCleanClose(c, answered, Transport.PIPELINED);
            drop(server);
        }
    }

    private void halfClosed() {
        Server server = pickServer();
        List<FuzzRequest> batch = new ArrayList<>();
        for (int i = 0, n = Math.min(rnd.nextInt(3), quota - sent - 1); i < n; i++) {
            batch.add(next(server, true));
        }
        FuzzRequest last = next(server, false);
        if (last.framing().honest() && rnd.nextBoolean()) { // a lie more often than not: that is what this transport is for
            last = RequestMutations.broken(rnd, generator.valid(rnd, last.endpoint().equals(FuzzRequest.JUNK) ? "POST /v1/features"
                    : last.endpoint(), server));
        }
        batch.add(last);
        halfClosed(batch);
    }

    /**
     * The requests on a fresh connection, then the client's side closed. Every honest request is
     * answered in order (unless an answer announced the close); the last may lie about its framing,
     * so what follows its answer (what its extra bytes read as, or nothing) is only checked as
     * answers in general. The connection must then end in a clean close.
     */
    private void halfClosed(List<FuzzRequest> batch) {
        Server server = batch.get(0).server();
        sent += batch.size();
        batch.forEach(r -> outcomes.sent(r, Transport.HALF_CLOSED));
        FuzzRequest last = batch.get(batch.size() - 1);
        try (RawHttp c = new RawHttp(port(server), ANSWER_BOUND_MS)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            batch.forEach(r -> bytes.writeBytes(r.bytes(rnd)));
            try {
                c.write(bytes.toByteArray());
                c.shutdownOutput();
            } catch (IOException e) {
                // the server may close after an early refusal (431, 414) before the rest is written: read what it said
            }
            int answers = 0;
            FuzzRequest answered = last;
            try {
                for (int i = 0; i < batch.size(); i++) {
                    FuzzRequest r = batch.get(i);
                    boolean honest = r != last || r.framing().honest();
                    if (c.closedByServer() || c.atEnd()) {
                        if (honest && !c.closedByServer()) {
                            outcomes.failure("closed without answering a complete request", where(r, Transport.HALF_CLOSED));
                        } else {
                            batch.subList(i, batch.size()).forEach(outcomes::closedWithoutAnswer);
                        }
                        break;
                    }
                    Reply reply;
                    try {
                        reply = c.read(r.head());
                    } catch (java.io.EOFException e) {
                        if (honest || !e.getMessage().endsWith("(read: '')")) {
                            throw e;
                        }
                        // the lie's body never ended: a close after "100 Continue" (Expect) is a close without an answer
                        outcomes.closedWithoutAnswer(r);
                        return;
                    }
                    check(r, reply, Transport.HALF_CLOSED);
                    answers++;
                    answered = r;
                }
                while (answers == batch.size() && !last.framing().honest() && !c.closedByServer() && !c.atEnd()) {
                    check(last.junkFollowing(), c.read(false), Transport.HALF_CLOSED); // the lie's extra bytes, read as a request
                }
                expectCleanClose(c, answered, Transport.HALF_CLOSED);
            } catch (IOException e) {
                noAnswer(last, Transport.HALF_CLOSED, e);
            }
        }
    }

    private void jdk(FuzzRequest r, Transport t) {
        HttpRequest request = jdkRequest(r);
        if (request == null) { // not expressible through the JDK client
            keepAlive(r);
            return;
        }
        sent++;
        outcomes.sent(r, t);
        try {
            HttpResponse<byte[]> res = (t == Transport.JDK_H2C ? targets.h2c() : targets.http1()).send(request, HttpResponse.BodyHandlers.ofByteArray());
            check(r, new Reply(res.statusCode(), res.headers().map(), new String(res.body(), StandardCharsets.UTF_8)), t);
        } catch (HttpTimeoutException e) {
            outcomes.failure("no answer within " + ANSWER_BOUND_MS + " ms (a hang)", where(r, t) + ": " + e);
        } catch (IOException e) {
            noAnswer(r, t, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code r} as the JDK client would send it, or null when that client cannot say it. */
    private HttpRequest jdkRequest(FuzzRequest r) {
        if (!r.version().equals("HTTP/1.1") || r.framing() == Framing.RAW || !r.framing().honest() || !TOKEN.matcher(r.method()).matches()
                || r.method().equals("CONNECT") || !r.target().startsWith("/")) {
            return null;
        }
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(r.server()) + r.target()))
                    .timeout(Duration.ofMillis(ANSWER_BOUND_MS))
                    .method(r.method(), r.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(r.body()));
            for (String lines : r.headers()) {
                for (String h : lines.split("\r\n")) {
                    int colon = h.indexOf(':');
                    if (colon <= 0) {
                        return null;
                    }
                    String name = h.substring(0, colon);
                    if (!JDK_RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
                        b.header(name, h.substring(colon + 1).strip());
                    }
                }
            }
            return b.build();
        } catch (IllegalArgumentException e) { // a URI, method or header the client refuses
            return null;
        }
    }

    // ------------------------------------------------------------ the oracle

    private void check(FuzzRequest r, Reply reply, Transport t) {
        outcomes.answered(r, reply.status());
        String where = where(r, t) + " -> " + reply;
        int status = reply.status();
        if (status >= 500) {
            outcomes.failure("a " + status, where);
            return;
        }
        if (status >= 400) {
            checkErrorShape(reply, r.head(), where);
        }
        String sentId = FuzzRequests.requestIdOf(r.headers());
        String answeredId = reply.header(HttpApi.REQUEST_ID);
        if (sentId != null && answeredId != null && answeredId.startsWith("fz-") && !answeredId.equals(sentId)) {
            outcomes.failure("the answer to another request", "its X-Request-Id is " + answeredId + ": " + where);
        }
        if (status >= 200 && status < 300 && !r.head() && reply.isJson()) {
            try {
                reply.json();
            } catch (AssertionError e) {
                outcomes.failure("a 2xx that says JSON and is not", where);
            }
        }
        if (r.valid()) {
            checkValid(r, reply, where);
        }
    }

    /** The JSON error shape; of an answer to HEAD, which has no body, only the content type. */
    private void checkErrorShape(Reply reply, boolean head, String where) {
        if (!reply.isJson()) {
            outcomes.failure("a " + reply.status() + " without the JSON error shape", where);
            return;
        }
        if (head) {
            return;
        }
        try {
            JsonNode error = reply.json().get("error");
            boolean shaped = error != null && Reply.fieldNames(error).equals(List.of("code", "message", "hint"))
                    && error.get("code").isTextual() && !error.get("code").textValue().isBlank()
                    && error.get("message").isTextual() && !error.get("message").textValue().isBlank() && error.get("hint").isTextual();
            if (!shaped) {
                outcomes.failure("a " + reply.status() + " without the JSON error shape", where);
            }
        } catch (AssertionError e) {
            outcomes.failure("a " + reply.status() + " whose JSON does not parse", where);
        }
    }

    private void checkValid(FuzzRequest r, Reply reply, String where) {
        if (reply.status() < 200 || reply.status() >= 300) {
            outcomes.failure("a valid request refused", where);
            return;
        }
        if (!r.endpoint().equals("POST /v1/events/{source}")) {
            if (!r.endpoint().equals("GET /metrics") && !r.endpoint().startsWith("GET /console") && !r.endpoint().startsWith("GET / ")
                    && !reply.isJson()) {
                outcomes.failure("a valid API request answered without JSON", where);
            }
            return;
        }
        JsonNode answer = reply.json();
        int events = events(r);
        if (answer.path("accepted").asInt(-1) != events || !answer.path("rejected").isEmpty()) {
            outcomes.failure("a valid push of " + events + " events not accepted whole", where);
            return;
        }
        r.tracked().forEach(targets.accepted());
    }

    /** The number of events in a valid push: a JSON array's elements, one object, or NDJSON's non-blank lines. */
    private static int events(FuzzRequest r) {
        String body = new String(r.body(), StandardCharsets.UTF_8).strip();
        if (body.isEmpty()) {
            return 0;
        }
        if (body.startsWith("[")) {
            return Reply.toJava(new Reply(200, Map.of(), body).json()) instanceof List<?> l ? l.size() : -1;
        }
        return (int) body.lines().filter(l -> !l.isBlank()).count();
    }

    private void noAnswer(FuzzRequest r, Transport t, Throwable e) {
        Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
        if (cause instanceof SocketTimeoutException || cause.getCause() instanceof SocketTimeoutException) {
            outcomes.failure("no answer within " + ANSWER_BOUND_MS + " ms (a hang)", cause.getMessage() + ": " + where(r, t));
        } else {
            outcomes.failure("no answer (" + cause.getClass().getSimpleName() + ")", cause + ": " + where(r, t));
        }
    }

    /**
     * The connection ends in a clean close. After HEAD, the body of an answer to a request the
     * server could not parse (so it could not know it was HEAD) may come first.
     */
    private void expectCleanClose(RawHttp c, FuzzRequest r, Transport t) {
        try {
            if (!c.atEnd()) {
                byte[] rest = c.readAll();
                if (!r.head()) {
                    outcomes.failure("bytes after the answer that announced the close", "'" + abbreviated(rest) + "' after " + where(r, t));
                }
            }
        } catch (SocketTimeoutException e) {
            outcomes.failure("the connection still open " + ANSWER_BOUND_MS + " ms after the last answer (a hang)", where(r, t));
        } catch (IOException e) {
            outcomes.failure("not a clean close (" + e.getClass().getSimpleName() + ")", e + " after " + where(r, t));
        }
    }

    private static String abbreviated(byte[] b) {
        String s = new String(b, 0, Math.min(b.length, 600), StandardCharsets.UTF_8);
        return b.length > 600 ? s + "...(" + b.length + " bytes)" : s;
    }

    private void drop(Server s) {
        RawHttp c = connections.remove(s);
        if (c != null) {
            c.close();
        }
    }
}
