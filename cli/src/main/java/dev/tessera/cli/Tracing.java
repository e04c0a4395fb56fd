package dev.tessera.cli;

import dev.tessera.api.TesseraException;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.URI;

/**
 * Builds the OpenTelemetry instance of {@code --tracing} (ADR 024), the one place that knows the
 * SDK: {@code off} gives null, which the runtime, the pusher and the HTTP server read as "no
 * tracing" (no spans, no record headers); {@code log} writes finished spans to the log with the
 * SDK's logging exporter; {@code otlp} sends them in batches to an OTLP/HTTP collector. Sampling is
 * parent-based: a request that arrives with a sampled {@code traceparent} is traced, one without is
 * a new trace sampled at {@code --trace-sample}. Propagation is W3C trace context.
 */
final class Tracing implements AutoCloseable {
    /** The values of {@code --tracing}. */
    enum Mode { off, log, otlp }

    static final String DEFAULT_OTLP_ENDPOINT = "http://localhost:4318/v1/traces";

    private final OpenTelemetrySdk sdk;

    private Tracing(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
    }

    static Tracing open(Mode mode, URI otlpEndpoint, double sampleRatio) {
        if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
            throw new TesseraException("--trace-sample must be a ratio between 0 and 1, not " + sampleRatio);
        }
        if (mode != Mode.otlp && otlpEndpoint != null) {
            throw new TesseraException("--otlp-endpoint is only used with --tracing otlp (tracing is " + mode + ")");
        }
        SpanProcessor processor = switch (mode) {
            case off -> null;
            case log -> SimpleSpanProcessor.create(LoggingSpanExporter.create());
            case otlp -> BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                    .setEndpoint((otlpEndpoint == null ? URI.create(DEFAULT_OTLP_ENDPOINT) : otlpEndpoint).toString()).build()).build();
        };
        if (processor == null) {
            return new Tracing(null);
        }
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "tessera")));
        return new Tracing(OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().setResource(resource)
                        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampleRatio))).addSpanProcessor(processor).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build());
    }

    /** What to trace with, or null when tracing is off. */
    OpenTelemetry otel() {
        return sdk;
    }

    /** Flushes spans not exported yet and stops the exporter. */
    @Override
    public void close() {
        if (sdk != null) {
            sdk.close();
        }
    }
}
