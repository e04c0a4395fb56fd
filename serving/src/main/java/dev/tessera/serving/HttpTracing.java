package dev.tessera.serving;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.Map;

/**
 * The HTTP server's side of tracing (ADR 024): one {@link SpanKind#SERVER} span per request, named
 * by its route ({@code GET /v1/features/{group}/{key}}, {@code POST /v1/events/{source}}, ...), a
 * child of the caller's span when the request carries a W3C {@code traceparent} header. Only built
 * when tracing is configured; {@link HttpApi} then holds null and pays one null check per request.
 */
final class HttpTracing {
    static final String INSTRUMENTATION = "dev.tessera.serving";
    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("tessera.endpoint");
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("tessera.request_id");

    /** Route templates by {@link HttpApi}'s endpoint names (the names its latency metrics use). */
    private static final Map<String, String> ROUTES = Map.ofEntries(Map.entry("entity", "/v1/features/{group}/{key}"),
            Map.entry("features", "/v1/features"), Map.entry("push", "/v1/events/{source}"), Map.entry("score", "/v1/score/{model}"),
            Map.entry("models", "/v1/models"), Map.entry("experiments", "/v1/experiments"), Map.entry("catalog", "/v1/catalog"),
            Map.entry("history", "/v1/history"), Map.entry("quality", "/v1/quality"), Map.entry("alerts", "/v1/alerts"),
            Map.entry("diagnostics", "/v1/diagnostics"), Map.entry("registry", "/registry/{path}"),
            Map.entry("health", "/health"), Map.entry("metrics", "/metrics"), Map.entry("index", "/"),
            Map.entry("console", "/console/{file}"));

    private static final TextMapGetter<HttpHeaders> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.names();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;

    HttpTracing(OpenTelemetry otel) {
        this.tracer = otel.getTracer(INSTRUMENTATION);
        this.propagator = otel.getPropagators().getTextMapPropagator();
    }

    /** The route template of an endpoint, as in span names and {@code http.route}. */
    static String route(String endpoint) {
        return ROUTES.getOrDefault(endpoint, "unknown");
    }

    /** Starts the span of a request (not made current: the caller passes its context on where needed). */
    Span start(FullHttpRequest req, String endpoint, String requestId) {
        Context parent = propagator.extract(Context.root(), req.headers(), HEADERS);
        String method = req.method().name();
        String route = route(endpoint);
        return tracer.spanBuilder(method + " " + route).setSpanKind(SpanKind.SERVER).setParent(parent)
                .setAttribute(METHOD, method).setAttribute(ROUTE, route).setAttribute(ENDPOINT, endpoint)
                .setAttribute(REQUEST_ID, requestId).startSpan();
    }

    /** Ends a request's span with its answer's status (5xx marks the span as an error, as OpenTelemetry's HTTP conventions say). */
    static void end(Span span, int status) {
        span.setAttribute(STATUS, (long) status);
        if (status >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }
}
