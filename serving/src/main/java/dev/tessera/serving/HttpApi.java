package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes HTTP requests to the API (SPEC §4) and writes JSON answers. Feature reads run on the
 * Netty event loop (they are in-memory and take microseconds); pushes wait for Kafka and run on
 * their own executor, with reading from the connection paused and requests already read behind
 * them (pipelined) held back until the push is answered, so answers stay in request order.
 *
 * <p>Every refusal is a JSON error with a code, a message and a hint; an unexpected failure is a
 * 500 {@code internal} and is logged, which bad input must never cause. An answer that closes the
 * connection is its last: what is read after it is dropped, unprocessed ({@link ServingServer},
 * "Closing"); a client that half-closes still gets every answer.
 *
 * <p>Every answer carries {@code X-Request-Id}: the client's, or a generated one; log lines about a
 * request name it. With tracing on ({@link HttpTracing}), each request gets a span, made current
 * while a push is produced so the records carry its context (ADR 024); with tracing off the only
 * cost is a null check.
 */
@ChannelHandler.Sharable
final class HttpApi extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    static final String JSON_TYPE = "application/json; charset=utf-8";
    /** Every endpoint, as the 404 for an unknown path lists them; SecurityScopeTest holds each against its scope table. */
    static final List<String> ENDPOINTS = List.of("GET /v1/features", "GET /v1/features/{group}/{entityKey}",
            "POST /v1/features", "POST /v1/events/{source}", "GET /v1/catalog", "GET /v1/history", "GET /v1/quality",
            "GET /v1/alerts", "POST /v1/score/{model}", "GET /v1/models", "GET /v1/experiments", "GET /v1/diagnostics", "GET /health", "GET /metrics",
            "GET / (the console)", "GET /console/{file}");

    /**
     * What the API serves; {@code pusher} may be null (no push without a Kafka producer), and so may
     * {@code history} (no stream runtime on this node) and {@code monitor} (no quality monitoring).
     */
    record Parts(FeatureQueries queries, EventPusher pusher, Supplier<ServingApi.Health> health, PrometheusMeterRegistry metrics,
                 Tokens tokens, ObjectMapper json, ExecutorService pushExecutor, ConsoleAssets console, ConsoleCatalog catalog,
                 MetricsHistory history, QualityMonitor monitor, Scoring scoring, HttpTracing tracing,
                 Supplier<Object> diagnostics, dev.tessera.schemas.SchemaRegistryServer schemaRegistry) {}

    /** The request id header: echoed when the client sent a usable one, else generated; also in log lines. */
    static final String REQUEST_ID = "X-Request-Id";
    /** Longer or non-printable incoming request ids are replaced (they end up in logs). */
    static final int MAX_REQUEST_ID_CHARS = 128;


    /** Requests read on a connection while a push on it awaits its answer (null when none does). */
    private static final AttributeKey<Deque<FullHttpRequest>> WAITING = AttributeKey.valueOf("tessera.waiting");
    /** Set when the client ended its side of the connection while a push on it was unanswered: close after the answers. */
    private static final AttributeKey<Boolean> INPUT_ENDED = AttributeKey.valueOf("tessera.inputEnded");

    private final Parts parts;
    private final JsonFactory factory;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    /** Null when tracing is off. */
    private final HttpTracing tracing;

    HttpApi(Parts parts) {
        this.parts = parts;
        this.tracing = parts.tracing;
        this.factory = parts.json.getFactory();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (ServingServer.closing(ctx.channel())) { // read after the last answer (RFC 9112 §9.6): never processed, never answered
            return;
        }
        Deque<FullHttpRequest> waiting = ctx.channel().attr(WAITING).get();
        if (waiting != null) { // a push on this connection is not answered yet: answers must keep the request order
            waiting.add(req.retain());
            return;
        }
        answer(ctx, req);
    }

    /**
     * Answers one request. A push is answered later, off the event loop; until then the connection
     * stops reading, and requests already read (pipelined behind the push, decoded from the same
     * bytes) wait in {@link #WAITING} and are answered by {@link #resume} after it, in order.
     */
    private void answer(ChannelHandlerContext ctx, FullHttpRequest req) {
        long start = System.nanoTime();
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        String endpoint = "unknown";
        String requestId = requestId(req.headers());
        io.opentelemetry.api.trace.Span span = null;
        FullHttpResponse res;
        boolean unparsable = !req.decoderResult().isSuccess();
        if (unparsable) {
            res = error(unparsable(req.decoderResult().cause()));
            // the rest of the request may still be arriving: the last answer, unless the aggregator skips a body it announced
            keepAlive &= req.decoderResult().cause() instanceof ServingServer.RefusedBeforeBody r && r.keepAlive();
        } else {
            try {
                QueryStringDecoder uri = new QueryStringDecoder(req.uri());
                List<String> path = segments(uri.rawPath());
                endpoint = endpointOf(path);
                if (tracing != null) {
                    span = tracing.start(req, endpoint, requestId);
                }
                if (!parts.tokens.enabled()) {
                    checkSameOrigin(req);
                }
                if (endpoint.equals("push")) {
                    checkMethod(req, HttpMethod.POST);
                    parts.tokens.check(req.headers().get(HttpHeaderNames.AUTHORIZATION), Tokens.Scope.WRITE);
                    push(ctx, req, path.get(2), keepAlive, start, requestId, span);
                    return;
                }
                res = endpoint.equals("registry") ? registry(req, uri) : route(req, endpoint, path, uri, requestId);
            } catch (ApiException e) {
                res = error(e);
            } catch (dev.tessera.store.StoreException e) {
                // the online store (Redis for stateless serving nodes) failed: fail fast, say so, let clients retry
                res = error(new ApiException(503, "store_unavailable", "the online store cannot be read: " + e.getMessage(),
                        "retry shortly; if it persists, check the store (redis-cli ping) and this node's log"));
            } catch (RuntimeException | IOException e) {
                LOG.error("internal error answering {} {} (request {})", req.method(), loggedTarget(req.uri()), requestId, e);
                res = error(new ApiException(500, "internal", "internal error: " + e, "this is a bug in Tessera; the log has the details"));
            }
        }
        res.headers().set(REQUEST_ID, requestId);
        write(ctx, res, keepAlive);
        record(endpoint, res.status().code(), start);
        if (tracing != null) {
            HttpTracing.end(span != null ? span : tracing.start(req, endpoint, requestId), res.status().code());
        }
    }

    /** The client's {@code X-Request-Id} when it is 1 to 128 printable ASCII characters, else a new random one. */
    static String requestId(io.netty.handler.codec.http.HttpHeaders headers) {
        String id = headers.get(REQUEST_ID);
        if (id != null && !id.isEmpty() && id.length() <= MAX_REQUEST_ID_CHARS) {
            boolean printable = true;
            for (int i = 0; i < id.length() && printable; i++) {
                char c = id.charAt(i);
                printable = c > 0x20 && c < 0x7f;
            }
            if (printable) {
                return id;
            }
        }
        return Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    }

    /**
     * Refuses a POST a browser sends from a page of another origin. Browsers send such requests
     * without asking (an HTML form, or {@code fetch} in {@code no-cors} mode, with a form or text
     * content type, which this API reads as JSON for {@code curl -d}); with authentication off (the
     * demo on localhost) any web page the user opens could otherwise push events or score. Browsers
     * always name the page's origin in {@code Origin} on a cross-origin POST; the console posts from
     * this server's own origin, and scripts and servers send no {@code Origin} at all. The API sends
     * no CORS headers, so no cross-origin browser use is lost. Only checked with authentication off:
     * a browser never attaches a bearer token by itself, so with tokens the request is refused
     * anyway, and a proxy that rewrites {@code Host} cannot break the console. {@code X-Forwarded-Host}
     * counts as the host too.
     */
    private static void checkSameOrigin(FullHttpRequest req) {
        if (!req.method().equals(HttpMethod.POST)) {
            return;
        }
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            return;
        }
        String host = req.headers().get(HttpHeaderNames.HOST);
        String authority;
        try {
            authority = java.net.URI.create(origin.trim()).getRawAuthority();
        } catch (IllegalArgumentException e) {
            authority = null;
        }
        String forwarded = req.headers().get("X-Forwarded-Host");
        boolean same = authority != null && (host != null && authority.equalsIgnoreCase(host.trim())
                || forwarded != null && authority.equalsIgnoreCase(forwarded.split(",", 2)[0].trim()));
        if (!same) {
            throw new ApiException(403, "cross_origin", "a browser page of another origin (" + origin + ") may not POST to this server",
                    "call the API from a server or script (they send no Origin header), or from the console this server serves");
        }
    }

    /**
     * A request's target as log lines show it: the path, without the query, which may hold a
     * credential (RFC 6750 §2.3 lets clients send {@code ?access_token=}; tokens are never logged).
     */
    private static String loggedTarget(String uri) {
        String path = new QueryStringDecoder(uri).rawPath();
        return path.length() < uri.length() ? path + "?<query not logged>" : path;
    }

    /** A request Netty's decoder gave up on (too long a request line or header block, or not HTTP), or the aggregator refused. */
    private static ApiException unparsable(Throwable cause) {
        if (cause instanceof ServingServer.RefusedBeforeBody r) {
            return r.refusal();
        }
        if (cause instanceof TooLongHttpLineException) {
            return new ApiException(414, "uri_too_long", "the request line is longer than " + ServingServer.MAX_REQUEST_LINE_BYTES
                    + " bytes", "send long keys or many entities in the body of POST /v1/features");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new ApiException(431, "headers_too_large", "the request headers are larger than " + ServingServer.MAX_HEADER_BYTES
                    + " bytes", "send smaller headers (a bearer token needs far less)");
        }
        String why = cause == null || cause.getMessage() == null ? "not HTTP/1.1" : cause.getMessage();
        return new ApiException(400, "bad_request", "the request could not be parsed: " + why, "send a well-formed HTTP/1.1 request");
    }

    /**
     * The decoded, non-empty segments of a raw path. A '+' in a path is a plus (RFC 3986; only
     * form-encoded query strings mean a space by it), so an entity key such as {@code +15551234} or
     * {@code ann+news@example.com} reads that entity. {@code %20} and {@code %2B} decode as usual.
     */
    static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/", -1)) {
            if (!s.isEmpty()) {
                // '+' is a literal plus in a path (RFC 3986 §3.3); decodeComponent would make it a space, as in a query
                out.add(requireUtf8(s, percentDecoded(() -> QueryStringDecoder.decodeComponent(s.replace("+", "%2B")))));
            }
        }
        return out;
    }

    /**
     * {@code decoded}, when the escapes of {@code raw} are UTF-8; else a 400. Netty's decoder turns bytes that
     * are not UTF-8 ({@code %ff%fe}) into U+FFFD, so two such keys would read one entity; the runtime calls
     * such keys malformed, and so does the API.
     */
    static String requireUtf8(String raw, String decoded) {
        if (decoded.indexOf('\uFFFD') < 0) {
            return decoded;
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) { // well-formed: Netty decoded it already
                bytes.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        try {
            java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes.toByteArray()));
            return decoded; // a real U+FFFD, sent encoded as UTF-8
        } catch (java.nio.charset.CharacterCodingException e) {
            throw ApiException.badRequest("bad_uri", "the URL's %XX escapes in '" + (raw.length() <= 64 ? raw : raw.substring(0, 61) + "...")
                    + "' are not UTF-8 text", "encode keys as UTF-8 before percent-encoding them");
        }
    }

    /** The query's parameters, each name and value checked as {@link #requireUtf8} checks a path segment. */
    static Map<String, List<String>> parameters(QueryStringDecoder uri) {
        Map<String, List<String>> decoded = percentDecoded(uri::parameters);
        String raw = uri.rawQuery();
        if (raw != null && !raw.isEmpty() && decoded.toString().indexOf('\uFFFD') >= 0) {
            for (String part : raw.split("[&=]")) {
                requireUtf8(part, percentDecoded(() -> QueryStringDecoder.decodeComponent(part)));
            }
        }
        return decoded;
    }

    /** Netty's decoders throw IllegalArgumentException on a bad escape ({@code %zz}, a lone {@code %}): bad input, a 400. */
    private static <T> T percentDecoded(Supplier<T> decode) {
        try {
            return decode.get();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad_uri", "the URL is not valid percent-encoding: " + e.getMessage(),
                    "encode reserved and non-ASCII characters as UTF-8 %XX escapes (a space as %20, '%' as %25, '/' as %2F)");
        }
    }

    /**
     * {@code /registry/...}: the embedded schema registry's Confluent REST API (SPEC §4), the same one its own port
     * serves, so clients can use {@code schema.registry.url=http://host:port/registry}.
     */
    private FullHttpResponse registry(FullHttpRequest req, QueryStringDecoder uri) {
        dev.tessera.schemas.SchemaRegistryServer registry = parts.schemaRegistry();
        if (registry == null) {
            throw ApiException.notFound("no_schema_registry", "this node serves no schema registry",
                    "tessera run and demo serve the embedded one when a source is format: avro-confluent and no --schema-registry"
                            + " URL is given; otherwise use your registry's own URL");
        }
        String rest = uri.rawPath().substring("/registry".length());
        byte[] body = new byte[req.content().readableBytes()];
        req.content().getBytes(req.content().readerIndex(), body);
        String query = uri.rawQuery();
        dev.tessera.schemas.SchemaRegistryServer.Response r = registry.serve(req.method().name(), rest.isEmpty() ? "/" : rest,
                query == null || query.isEmpty() ? null : query, req.headers().get(HttpHeaderNames.AUTHORIZATION), body);
        FullHttpResponse res = new io.netty.handler.codec.http.DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(r.status()), io.netty.buffer.Unpooled.wrappedBuffer(r.body()));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, dev.tessera.schemas.SchemaRegistryServer.CONTENT_TYPE);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        if (r.status() == 401) {
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        return res;
    }

    private static String endpointOf(List<String> p) {
        if (p.isEmpty()) {
            return "index";
        }
        if (p.get(0).equals("registry")) {
            return "registry";
        }
        if (p.size() == 1 && p.get(0).equals("health")) {
            return "health";
        }
        if (p.size() == 1 && p.get(0).equals("metrics")) {
            return "metrics";
        }
        if (p.size() == 2 && p.get(0).equals("console")) {
            return "console";
        }
        if (p.size() == 2 && p.get(0).equals("v1") && p.get(1).equals("catalog")) {
            return "catalog";
        }
        if (p.size() == 2 && p.get(0).equals("v1") && p.get(1).equals("history")) {
            return "history";
        }
        if (p.get(0).equals("v1") && p.size() >= 2) {
            if (p.get(1).equals("features")) {
                return switch (p.size()) {
                    case 2 -> "features";
                    case 3, 4 -> "entity";
                    default -> "unknown";
                };
            }
            if (p.get(1).equals("events") && p.size() == 3) {
                return "push";
            }
            if (p.size() == 2 && (p.get(1).equals("quality") || p.get(1).equals("alerts") || p.get(1).equals("models")
                    || p.get(1).equals("experiments") || p.get(1).equals("diagnostics"))) {
                return p.get(1);
            }
            if (p.get(1).equals("score") && p.size() == 3) {
                return "score";
            }
        }
        return "unknown";
    }

    private FullHttpResponse route(FullHttpRequest req, String endpoint, List<String> path, QueryStringDecoder uri, String requestId)
            throws IOException {
        String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        switch (endpoint) {
            case "health": {
                checkMethod(req, HttpMethod.GET);
                ServingApi.Health h = parts.health.get();
                return json(h.ok() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, out -> {
                    out.writeStartObject();
                    out.writeStringField("status", h.ok() ? "ok" : "failing");
                    for (Map.Entry<String, Object> e : h.details().entrySet()) {
                        out.writeFieldName(e.getKey());
                        out.writeObject(e.getValue());
                    }
                    out.writeEndObject();
                });
            }
            case "metrics": {
                checkMethod(req, HttpMethod.GET);
                parts.tokens.check(auth, Tokens.Scope.READ);
                byte[] text = parts.metrics.scrape().getBytes(StandardCharsets.UTF_8);
                FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        io.netty.buffer.Unpooled.wrappedBuffer(text));
                res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                return res;
            }
            case "index": { // the console's page and files need no token: the data they show does
                checkMethod(req, HttpMethod.GET);
                return parts.console.answer("index.html", req.headers().get(HttpHeaderNames.IF_NONE_MATCH));
            }
            case "console": {
                checkMethod(req, HttpMethod.GET);
                return parts.console.answer(path.get(1), req.headers().get(HttpHeaderNames.IF_NONE_MATCH));
            }
            case "catalog": {
                checkMethod(req, HttpMethod.GET);
                parts.tokens.check(auth, Tokens.Scope.READ);
                return json(HttpResponseStatus.OK, parts.catalog::write);
            }
            case "history": {
                checkMethod(req, HttpMethod.GET);
                parts.tokens.check(auth, Tokens.Scope.READ);
                if (parts.history == null) {
                    throw ApiException.notFound("no_history", "this node runs no stream runtime, so it keeps no per-source history"
                            + " (tessera serve reads features from a shared store)",
                            "open the console of a node that runs the sources (tessera run or tessera demo), or use its /metrics");
                }
                return json(HttpResponseStatus.OK, parts.history::write);
            }
            case "features": {
                checkMethod(req, HttpMethod.GET, HttpMethod.POST);
                parts.tokens.check(auth, Tokens.Scope.READ);
                if (req.method().equals(HttpMethod.GET)) {
                    return json(HttpResponseStatus.OK, parts.queries::catalog);
                }
                requireJson(req, false);
                JsonNode body = parse(req.content());
                return json(HttpResponseStatus.OK, out -> parts.queries.readBatch(body, out));
            }
            case "entity": {
                checkMethod(req, HttpMethod.GET);
                parts.tokens.check(auth, Tokens.Scope.READ);
                String group = path.get(2);
                String key = path.size() == 4 ? path.get(3) : null;
                Map<String, List<String>> query = parameters(uri);
                return json(HttpResponseStatus.OK, out -> parts.queries.readOne(group, key, query, out));
            }
            case "score": {
                checkMethod(req, HttpMethod.POST);
                parts.tokens.check(auth, Tokens.Scope.READ);
                Scoring scoring = requireScoring();
                requireJson(req, false);
                JsonNode body = parse(req.content());
                return json(HttpResponseStatus.OK, out -> scoring.score(path.get(2), body, requestId, out));
            }
            case "models", "experiments": {
                checkMethod(req, HttpMethod.GET);
                parts.tokens.check(auth, Tokens.Scope.READ);
                Scoring scoring = requireScoring();
                return json(HttpResponseStatus.OK, endpoint.equals("models") ? scoring::models : scoring::experiments);
            }
            case "diagnostics": {
                checkMethod(req, HttpMethod.GET);
                parts.tokens.check(auth, Tokens.Scope.READ);
                if (parts.diagnostics == null) {
                    throw ApiException.notFound("no_diagnostics", "this server runs no stream runtime to diagnose",
                            "run tessera doctor against a node that runs the sources (tessera run or tessera demo)");
                }
                Object d = parts.diagnostics.get();
                return json(HttpResponseStatus.OK, out -> out.writeObject(d));
            }
            case "quality", "alerts": {
                checkMethod(req, HttpMethod.GET);
                parts.tokens.check(auth, Tokens.Scope.READ);
                QualityMonitor m = parts.monitor;
                if (m == null) {
                    throw ApiException.notFound("not_monitored", "this server does not monitor quality or alerts",
                            "run tessera run or tessera demo, or tessera serve (which monitors what it serves)");
                }
                QualityMonitor.Report r = m.report();
                return json(HttpResponseStatus.OK, endpoint.equals("quality") ? out -> QualityJson.quality(r, m.settings(), out)
                        : out -> QualityJson.alerts(r, out));
            }
            default:
                throw ApiException.notFound("not_found", "no endpoint at " + uri.rawPath(), "endpoints: " + String.join(", ", ENDPOINTS));
        }
    }

    private Scoring requireScoring() {
        if (parts.scoring == null) {
            throw ApiException.notFound("no_models", "this server has no models to score",
                    "register models in the models/ folder of the definitions (tessera train writes them), then restart");
        }
        return parts.scoring;
    }

    private void push(ChannelHandlerContext ctx, FullHttpRequest req, String source, boolean keepAlive, long start, String requestId,
                      io.opentelemetry.api.trace.Span span) {
        if (parts.pusher == null) {
            throw new ApiException(503, "push_unavailable", "this server has no Kafka producer to push events with",
                    "run tessera with --bootstrap-servers or --embedded-kafka");
        }
        boolean ndjson = requireJson(req, true);
        byte[] body = ByteBufUtil.getBytes(req.content());
        ctx.channel().attr(WAITING).set(new ArrayDeque<>());
        ctx.channel().config().setAutoRead(false);
        try {
            parts.pushExecutor.execute(() -> answerPush(ctx, source, body, ndjson, keepAlive, start, requestId, span));
        } catch (RejectedExecutionException e) {
            ctx.channel().attr(WAITING).set(null);
            ctx.channel().config().setAutoRead(true);
            throw new ApiException(503, "shutting_down", "the server is shutting down", "retry against another instance");
        }
    }

    /**
     * On the push executor: waits for Kafka, then writes the answer on the event loop and resumes the
     * connection. {@code span} (null when tracing is off) is current while the records are made, so
     * they carry its context; it ends when the answer is written.
     */
    private void answerPush(ChannelHandlerContext ctx, String source, byte[] body, boolean ndjson, boolean keepAlive, long start,
                            String requestId, io.opentelemetry.api.trace.Span span) {
        FullHttpResponse res;
        try {
            java.util.concurrent.CompletableFuture<EventPusher.Result> pushed;
            try (io.opentelemetry.context.Scope ignored = span == null ? null : span.makeCurrent()) {
                pushed = parts.pusher.push(source, body, ndjson);
            }
            EventPusher.Result r = pushed.get(60, TimeUnit.SECONDS);
            res = json(HttpResponseStatus.OK, out -> {
                out.writeStartObject();
                out.writeNumberField("accepted", r.accepted());
                out.writeArrayFieldStart("rejected");
                for (EventPusher.Rejection x : r.rejected()) {
                    out.writeStartObject();
                    out.writeNumberField("index", x.index());
                    out.writeStringField("reason", x.reason());
                    out.writeStringField("message", x.message());
                    out.writeEndObject();
                }
                out.writeEndArray();
                out.writeEndObject();
            });
        } catch (ApiException e) {
            res = error(e);
        } catch (java.util.concurrent.ExecutionException e) {
            res = e.getCause() instanceof ApiException a ? error(a) : error(new ApiException(503, "kafka_unavailable",
                    "the events could not be written to Kafka: " + e.getCause(), "retry the push"));
        } catch (java.util.concurrent.TimeoutException e) {
            res = error(new ApiException(503, "kafka_unavailable", "Kafka did not acknowledge the events within 60 s",
                    "retry the push: events with ids are counted once"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            res = error(new ApiException(503, "shutting_down", "the server is shutting down", "retry against another instance"));
        } catch (RuntimeException | IOException e) {
            LOG.error("internal error answering a push to {} (request {})", source, requestId, e);
            res = error(new ApiException(500, "internal", "internal error: " + e, "this is a bug in Tessera; the log has the details"));
        }
        FullHttpResponse answer = res;
        answer.headers().set(REQUEST_ID, requestId);
        ctx.executor().execute(() -> {
            write(ctx, answer, keepAlive);
            record("push", answer.status().code(), start);
            if (span != null) {
                HttpTracing.end(span, answer.status().code());
            }
            resume(ctx);
        });
    }

    /** On the event loop, after a push was answered: answers the requests that waited, in order, up to the next push. */
    private void resume(ChannelHandlerContext ctx) {
        Deque<FullHttpRequest> waiting = ctx.channel().attr(WAITING).getAndSet(null);
        while (waiting != null && !waiting.isEmpty()) {
            FullHttpRequest next = waiting.poll();
            try {
                if (ctx.channel().isActive() && !ServingServer.closing(ctx.channel())) {
                    answer(ctx, next);
                }
            } finally {
                next.release();
            }
            Deque<FullHttpRequest> behindPush = ctx.channel().attr(WAITING).get();
            if (behindPush != null) { // `next` was a push: the rest waits for its answer
                behindPush.addAll(waiting);
                return;
            }
        }
        if (ctx.channel().attr(INPUT_ENDED).getAndSet(null) != null) {
            closeAfterAnswers(ctx); // the client sends nothing more: no reading to resume
        } else if (ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /**
     * The client ended its side of the connection (a half-close: {@link ServingServer} allows them).
     * Every request read before is answered, then the connection is closed: at once, or after the
     * push on it (and the requests behind it) is answered.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            if (ctx.channel().attr(WAITING).get() == null) {
                closeAfterAnswers(ctx);
            } else {
                ctx.channel().attr(INPUT_ENDED).set(Boolean.TRUE);
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    /** Closes the connection once what was written to it is flushed (an empty buffer bypasses the HTTP encoder). */
    private static void closeAfterAnswers(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        Deque<FullHttpRequest> waiting = ctx.channel().attr(WAITING).getAndSet(null);
        if (waiting != null) {
            waiting.forEach(FullHttpRequest::release);
        }
        super.channelInactive(ctx);
    }

    private static void checkMethod(FullHttpRequest req, HttpMethod... allowed) {
        for (HttpMethod m : allowed) {
            if (m.equals(req.method())) {
                return;
            }
        }
        List<String> names = new ArrayList<>();
        for (HttpMethod m : allowed) {
            names.add(m.name());
        }
        throw new ApiException(405, "method_not_allowed", req.method() + " is not allowed here",
                "use " + String.join(" or ", names)).withHeader(HttpHeaderNames.ALLOW.toString(), String.join(", ", names));
    }

    /** Checks the content type of a body; returns true for newline-delimited JSON. */
    private static boolean requireJson(FullHttpRequest req, boolean ndjsonAllowed) {
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null) {
            return false;
        }
        String base = type.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        if (base.equals("application/json") || base.equals("application/x-www-form-urlencoded")) {
            return false; // the second is what curl -d sends unless told otherwise: the body is read as JSON
        }
        if (ndjsonAllowed && (base.equals("application/x-ndjson") || base.equals("application/jsonl"))) {
            return true;
        }
        throw new ApiException(415, "unsupported_media_type", "content type '" + type + "' is not accepted here",
                ndjsonAllowed ? "send application/json (an array of events) or application/x-ndjson" : "send application/json");
    }

    private JsonNode parse(ByteBuf content) {
        if (content.readableBytes() == 0) {
            throw ApiException.badRequest("bad_json", "the body is empty", "send a JSON object");
        }
        try {
            return parts.json.readTree(ByteBufUtil.getBytes(content));
        } catch (JsonProcessingException e) {
            throw ServingServer.notJson(e, "check the JSON (quotes, commas, brackets)");
        } catch (NumberFormatException e) {
            throw ServingServer.numberOutOfRange(e);
        } catch (IOException e) {
            throw ApiException.badRequest("bad_json", "the body could not be read: " + e.getMessage(), "send a JSON object");
        }
    }

    @FunctionalInterface
    interface JsonBody {
        void write(JsonGenerator out) throws IOException;
    }

    private FullHttpResponse json(HttpResponseStatus status, JsonBody body) throws IOException {
        ByteBuf buf = io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(1024);
        boolean ok = false;
        try (OutputStream os = new ByteBufOutputStream(buf); JsonGenerator out = factory.createGenerator(os)) {
            body.write(out);
            ok = true;
        } finally {
            if (!ok) {
                buf.release();
            }
        }
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buf);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, JSON_TYPE);
        return res;
    }

    static FullHttpResponse error(ApiException e) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"error\":{\"code\":");
        quote(sb, e.code());
        sb.append(",\"message\":");
        quote(sb, e.getMessage());
        sb.append(",\"hint\":");
        quote(sb, e.hint() == null ? "" : e.hint());
        sb.append("}}");
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(e.status()),
                io.netty.buffer.Unpooled.wrappedBuffer(sb.toString().getBytes(StandardCharsets.UTF_8)));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, JSON_TYPE);
        if (e.status() == 401) {
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        e.headers().forEach((name, value) -> res.headers().set(name, value));
        return res;
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(s, sb);
        sb.append('"');
    }

    /** Writes an answer; {@code keepAlive} false: the last, and the connection ends in stages ({@link ServingServer#answerThenClose}). */
    static void write(ChannelHandlerContext ctx, FullHttpResponse res, boolean keepAlive) {
        if (!keepAlive) {
            ServingServer.answerThenClose(ctx, res);
            return;
        }
        HttpUtil.setContentLength(res, res.content().readableBytes());
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        ctx.writeAndFlush(res, ctx.voidPromise());
    }

    private void record(String endpoint, int status, long start) {
        String key = endpoint + '|' + status;
        Timer t = timers.get(key);
        if (t == null) {
            t = timers.computeIfAbsent(key, k -> Timer.builder("tessera.http.server.requests")
                    .description("HTTP requests by endpoint and status")
                    .tag("endpoint", endpoint)
                    .tag("status", Integer.toString(status))
                    .publishPercentileHistogram()
                    .minimumExpectedValue(java.time.Duration.ofNanos(10_000))
                    .maximumExpectedValue(java.time.Duration.ofSeconds(10))
                    .register(parts.metrics));
        }
        t.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ServingServer.closing(ctx.channel())) {
            // after the last answer, writes fail (the aggregator's empty one after a refusal): the staged close goes on, reading
            return;
        }
        // a client that resets or closes mid-request is its own business, not the server's
        if (!(cause instanceof IOException || cause instanceof io.netty.handler.codec.PrematureChannelClosureException)) {
            LOG.warn("closing a connection after: {}", cause.toString());
        }
        ctx.close();
    }
}
