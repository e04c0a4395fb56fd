package dev.tessera.cli;

import dev.tessera.api.TesseraException;
import dev.tessera.flink.TracingConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.net.URI;

/**
 * The OpenTelemetry instance of {@code --tracing} (ADR 024) for the life of a command: built by
 * {@link TracingConfig} (the same SDK setup the Flink job uses), null when {@code off}, which the
 * runtime, the pusher and the HTTP server read as "no tracing" (no spans, no record headers).
 */
final class Tracing implements AutoCloseable {
    static final String DEFAULT_OTLP_ENDPOINT = TracingConfig.DEFAULT_OTLP_ENDPOINT;

    private final OpenTelemetrySdk sdk;

    private Tracing(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
    }

    static Tracing open(TracingConfig.Mode mode, URI otlpEndpoint, double sampleRatio) {
        try {
            return new Tracing(new TracingConfig(mode,
                    otlpEndpoint == null ? null : otlpEndpoint.toString(), sampleRatio).build());
        } catch (IllegalArgumentException e) {
            throw new TesseraException(e.getMessage());
        }
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
