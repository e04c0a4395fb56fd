package dev.tessera.flink;

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
import java.io.Serializable;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What {@code --tracing off|log|otlp}, {@code --otlp-endpoint} and {@code --trace-sample} ask for
 * (ADR 024), and the one place that turns it into an OpenTelemetry SDK: {@code off} is no SDK at
 * all (null), {@code log} writes finished spans to the log with the SDK's logging exporter,
 * {@code otlp} sends them in batches to an OTLP/HTTP collector (over the JDK's HTTP client).
 * Sampling is parent-based: a record or request that arrives with a sampled W3C
 * {@code traceparent} is traced, one without starts a new trace sampled at the ratio.
 *
 * <p>Serializable, so the Flink job's operators carry it to the task managers; there each JVM
 * builds one SDK per configuration ({@link #shared}), flushed and closed when the JVM exits. The
 * command line builds its own ({@link #build}) and closes it when it stops.
 */
public record TracingConfig(Mode mode, String otlpEndpoint, double sampleRatio) implements Serializable {
    /** The values of {@code --tracing}. */
    public enum Mode { off, log, otlp }

    public static final String DEFAULT_OTLP_ENDPOINT = "http://localhost:4318/v1/traces";
    public static final TracingConfig OFF = new TracingConfig(Mode.off, null, 1.0);

    private static final Map<TracingConfig, OpenTelemetry> SHARED = new ConcurrentHashMap<>();

    /** @throws IllegalArgumentException naming the option that is wrong */
    public TracingConfig {
        if (mode == null) {
            throw new IllegalArgumentException("--tracing must be one of off, log, otlp");
        }
        if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
            throw new IllegalArgumentException("--trace-sample must be a ratio between 0 and 1, not " + sampleRatio);
        }
        if (mode != Mode.otlp && otlpEndpoint != null) {
            throw new IllegalArgumentException("--otlp-endpoint is only used with --tracing otlp (tracing is " + mode + ")");
        }
        if (otlpEndpoint != null) {
            try {
                URI u = new URI(otlpEndpoint);
                if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
                    throw new IllegalArgumentException("--otlp-endpoint must be an http:// or https:// URL, not " + otlpEndpoint);
                }
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException("--otlp-endpoint is not a URL: " + e.getMessage(), e);
            }
        }
    }

    public boolean enabled() {
        return mode != Mode.off;
    }

    /** A new SDK for this configuration, or null when tracing is off; the caller closes it. */
    public OpenTelemetrySdk build() {
        SpanProcessor processor = switch (mode) {
            case off -> null;
            case log -> SimpleSpanProcessor.create(LoggingSpanExporter.create());
            case otlp -> BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                    .setEndpoint(otlpEndpoint == null ? DEFAULT_OTLP_ENDPOINT : otlpEndpoint).build()).build();
        };
        if (processor == null) {
            return null;
        }
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "tessera")));
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().setResource(resource)
                        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampleRatio))).addSpanProcessor(processor).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
    }

    /**
     * The SDK every operator of this JVM traces with for this configuration (built on first use,
     * closed, so flushed, when the JVM exits), or null when tracing is off.
     */
    public OpenTelemetry shared() {
        if (!enabled()) {
            return null;
        }
        return SHARED.computeIfAbsent(this, c -> {
            OpenTelemetrySdk sdk = c.build();
            Runtime.getRuntime().addShutdownHook(new Thread(sdk::close, "tessera-tracing-shutdown"));
            return sdk;
        });
    }

    /**
     * Makes {@link #shared} answer {@code otel} for this configuration in this JVM: for a job
     * embedded in a process that already traces (one SDK, one exporter), and for tests, which
     * export to memory. The caller keeps owning {@code otel}.
     */
    public void install(OpenTelemetry otel) {
        if (!enabled()) {
            throw new IllegalArgumentException("tracing is off: nothing to install");
        }
        SHARED.put(this, otel);
    }

    /** Forgets what {@link #install} put (an instance built by {@link #shared} stays until the JVM exits). */
    public void uninstall(OpenTelemetry otel) {
        SHARED.remove(this, otel);
    }
}
