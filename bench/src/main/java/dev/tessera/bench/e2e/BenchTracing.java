package dev.tessera.bench.e2e;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Collection;
import java.util.List;

/**
 * {@code --tracing} of {@link ServingLatencyBench}: {@code off} (the default, as {@code tessera run}:
 * nothing wired, the cost is a null check per request), {@code noop} (the OpenTelemetry API's no-op
 * instance wired in: API calls made, nothing recorded), {@code sdk} (the SDK as {@code --tracing otlp}
 * builds it, parent-based ratio sampler at {@code --trace-sample}, batch processor, but an exporter
 * that drops the spans: the cost of tracing without the collector's network).
 */
final class BenchTracing implements AutoCloseable {
    static final List<String> MODES = List.of("off", "noop", "sdk");

    private final String mode;
    private final OpenTelemetry otel;

    private BenchTracing(String mode, OpenTelemetry otel) {
        this.mode = mode;
        this.otel = otel;
    }

    static void check(String mode) {
        if (!MODES.contains(mode)) {
            throw new IllegalArgumentException("--tracing must be one of " + MODES + ", not " + mode);
        }
    }

    static BenchTracing open(String mode, double sample) {
        check(mode);
        return switch (mode) {
            case "noop" -> new BenchTracing(mode, OpenTelemetry.noop());
            case "sdk" -> new BenchTracing(mode + " (sample " + sample + ", spans dropped)", OpenTelemetrySdk.builder()
                    .setTracerProvider(SdkTracerProvider.builder().setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sample)))
                            .addSpanProcessor(BatchSpanProcessor.builder(new Dropping()).build()).build())
                    .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build());
            default -> new BenchTracing(mode, null);
        };
    }

    OpenTelemetry otel() {
        return otel;
    }

    @Override
    public void close() {
        if (otel instanceof OpenTelemetrySdk sdk) {
            sdk.close();
        }
    }

    @Override
    public String toString() {
        return mode;
    }

    /** Takes spans and drops them. */
    private static final class Dropping implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
