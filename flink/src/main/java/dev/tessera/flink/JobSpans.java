package dev.tessera.flink;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The job's side of tracing (ADR 024): a record whose Kafka headers carry a sampled W3C trace
 * context (the push API writes one) travels with it, as a {@code traceparent} string, through the
 * fan-out to the aggregating operator, which makes an {@code apply} span its child, and on to the
 * Redis sink, which makes the {@code write tiles} span (ended once Redis has the tiles: from then on
 * a read sees the event) a child of the apply span. Nothing is carried, and no header looked at,
 * when tracing is off.
 */
final class JobSpans {
    static final String INSTRUMENTATION = "dev.tessera.flink";
    static final String TRACEPARENT = "traceparent";
    static final AttributeKey<String> SOURCE = AttributeKey.stringKey("tessera.source");
    static final AttributeKey<String> GROUP = AttributeKey.stringKey("tessera.group");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("tessera.outcome");
    static final AttributeKey<Long> PARTITION = AttributeKey.longKey("messaging.destination.partition.id");
    static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
    static final AttributeKey<Long> OPERATIONS = AttributeKey.longKey("tessera.operations");
    static final AttributeKey<Long> ENTITIES = AttributeKey.longKey("tessera.entities");
    static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("tessera.attempts");

    /** At most this many traced records per entity and flush keep their context (a flood of traced pushes stays bounded). */
    static final int MAX_TRACES_PER_FLUSH = 16;

    private static final TextMapGetter<String> ONE_VALUE = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return List.of(TRACEPARENT);
        }

        @Override
        public String get(String carrier, String key) {
            return TRACEPARENT.equals(key) ? carrier : null;
        }
    };

    private JobSpans() {}

    /** The tracer of {@code config} in this JVM, or null when tracing is off. */
    static Tracer tracer(TracingConfig config) {
        OpenTelemetry otel = config == null ? null : config.shared();
        return otel == null ? null : otel.getTracer(INSTRUMENTATION);
    }

    /** The record's sampled trace context as a {@code traceparent}, or null (none, invalid, or not sampled). */
    static String sampledParent(Headers headers) {
        Header h = headers.lastHeader(TRACEPARENT);
        if (h == null || h.value() == null) {
            return null;
        }
        SpanContext c = parse(new String(h.value(), StandardCharsets.UTF_8));
        return c.isValid() && c.isSampled() ? format(c) : null;
    }

    /** {@code traceparent} to a remote span context (invalid when it is not one). */
    static SpanContext parse(String traceparent) {
        TextMapPropagator w3c = W3CTraceContextPropagator.getInstance();
        return Span.fromContext(w3c.extract(Context.root(), traceparent, ONE_VALUE)).getSpanContext();
    }

    /** The parent context of a span continuing {@code traceparent}. */
    static Context parent(String traceparent) {
        return Context.root().with(Span.wrap(parse(traceparent)));
    }

    static String format(SpanContext c) {
        return "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex();
    }
}
