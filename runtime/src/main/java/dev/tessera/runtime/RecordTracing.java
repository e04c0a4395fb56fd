package dev.tessera.runtime;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The runtime's side of tracing (ADR 024): a span per applied batch, and for a record whose Kafka
 * headers carry a W3C trace context (the push API writes one), an {@code apply} span that is a
 * child of the pushing request's span and links the batch span, so one trace shows push, Kafka and
 * the apply after which the event is visible to reads.
 *
 * <p>Only built when tracing is configured ({@link RuntimeConfig#tracing()} not null): with tracing
 * off the consumer never looks at record headers and the applier creates no spans, so the hot path
 * pays one null check per batch and one per record.
 */
final class RecordTracing {
    static final String INSTRUMENTATION = "dev.tessera.runtime";
    static final AttributeKey<String> SOURCE = AttributeKey.stringKey("tessera.source");
    static final AttributeKey<Long> RECORDS = AttributeKey.longKey("tessera.records");
    static final AttributeKey<Long> PARTITION = AttributeKey.longKey("messaging.destination.partition.id");
    static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("tessera.outcome");

    /** Reads a text map from Kafka record headers (the last value of a repeated header wins). */
    static final TextMapGetter<Headers> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
            List<String> keys = new ArrayList<>();
            for (Header h : carrier) {
                keys.add(h.key());
            }
            return keys;
        }

        @Override
        public String get(Headers carrier, String key) {
            if (carrier == null) {
                return null;
            }
            Header h = carrier.lastHeader(key);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;

    RecordTracing(OpenTelemetry otel) {
        this.tracer = otel.getTracer(INSTRUMENTATION);
        this.propagator = otel.getPropagators().getTextMapPropagator();
    }

    /** The tracing of {@code config}, or null when tracing is off. */
    static RecordTracing of(RuntimeConfig config) {
        return config.tracing() == null ? null : new RecordTracing(config.tracing());
    }

    /** On a consumer thread: the trace context a record's headers carry, or null (no header, or not valid). */
    SpanContext parentOf(Headers headers) {
        SpanContext sc = Span.fromContext(propagator.extract(Context.root(), headers, HEADERS)).getSpanContext();
        return sc.isValid() ? sc : null;
    }

    /** A span around applying one batch of {@code source}. */
    Span startBatch(String source, int records) {
        return tracer.spanBuilder("apply batch " + source).setSpanKind(SpanKind.CONSUMER).setNoParent()
                .setAttribute(SOURCE, source).setAttribute(RECORDS, (long) records).startSpan();
    }

    /** A span around applying one traced record: a child of the span that produced it, linked to its batch. */
    Span startApply(String source, Batch.Record r, Span batch) {
        return tracer.spanBuilder("apply " + source).setSpanKind(SpanKind.CONSUMER)
                .setParent(Context.root().with(Span.wrap(r.trace())))
                .addLink(batch.getSpanContext())
                .setAttribute(SOURCE, source).setAttribute(PARTITION, (long) r.partition()).setAttribute(OFFSET, r.offset())
                .startSpan();
    }
}
