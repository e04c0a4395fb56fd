package dev.tessera.serving;

import static dev.tessera.serving.NaiveFeatures.SECOND;
import static dev.tessera.serving.NaiveFeatures.payment;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tessera.serving.NaiveFeatures.Ev;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's acceptance: one pushed event followed through a single trace to the point where a read
 * sees it, on the real stack (in-process Kafka, the real runtime), spans exported to the SDK's
 * in-memory exporter. The client sends a W3C {@code traceparent} with the push and the same one with
 * its reads; the trace then holds the push's server span, the runtime's apply span (a child of the
 * push span, through the Kafka record's headers) and the read's server span.
 */
class PushTraceEndToEndTest {
    /** The client's trace: a fixed trace id and parent span id, sampled. */
    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

    @TempDir
    static Path tmp;
    static ServingStack stack;
    static InMemorySpanExporter spans = InMemorySpanExporter.create();
    static OpenTelemetrySdk otel;

    @BeforeAll
    static void start() {
        otel = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().setSampler(Sampler.parentBased(Sampler.alwaysOn()))
                        .addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        stack = ServingStack.start(tmp, otel);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
        if (otel != null) {
            otel.close();
        }
    }

    @Test
    void onePushedEventIsOneTraceFromPushThroughKafkaAndApplyToTheReadThatSeesIt() throws InterruptedException {
        String account = "traced-account";
        Ev e = payment("traced-0", account, "c-1", "m-1", 12, "DECLINED", "PT", System.currentTimeMillis() - 30 * SECOND);
        Reply pushed = stack.send(HttpRequest.newBuilder(stack.uri(stack.open, "/v1/events/payments"))
                .header("Content-Type", ServingStack.JSON).header("traceparent", TRACEPARENT).header("X-Request-Id", "push-1")
                .POST(HttpRequest.BodyPublishers.ofString(NaiveFeatures.json(e))).build());
        assertThat(pushed.status()).as("%s", pushed).isEqualTo(200);
        assertThat(pushed.json().get("accepted").intValue()).isEqualTo(1);
        assertThat(pushed.header("X-Request-Id")).isEqualTo("push-1");

        Reply read;
        long deadline = System.nanoTime() + 60_000_000_000L; // guards a hang; the assertions are on what was read and traced
        do {
            read = stack.send(HttpRequest.newBuilder(stack.uri(stack.open, "/v1/features/account_payments/" + account))
                    .header("traceparent", TRACEPARENT).GET().build());
            if (declined(read) >= 1) {
                break;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        assertThat(declined(read)).as("the pushed DECLINED payment is visible in a read: %s", read).isEqualTo(1);
        assertThat(read.header("X-Request-Id")).as("a generated request id").isNotBlank();

        // the apply span ends just after the event becomes readable, and the server ends a request's span just after
        // writing its answer: once the apply span is exported, read once more, and wait (bounded) for that read's span
        long spanDeadline = System.nanoTime() + 10_000_000_000L;
        while (spans.getFinishedSpanItems().stream().noneMatch(s -> s.getTraceId().equals(TRACE_ID) && s.getName().equals("apply payments"))
                && System.nanoTime() < spanDeadline) {
            Thread.sleep(10);
        }
        Reply after = stack.send(HttpRequest.newBuilder(stack.uri(stack.open, "/v1/features/account_payments/" + account))
                .header("traceparent", TRACEPARENT).GET().build());
        assertThat(declined(after)).isEqualTo(1);
        long appliedEnd = spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(TRACE_ID)
                && s.getName().equals("apply payments")).mapToLong(SpanData::getEndEpochNanos).findFirst().orElse(Long.MAX_VALUE);
        while (spans.getFinishedSpanItems().stream().noneMatch(s -> s.getTraceId().equals(TRACE_ID)
                && s.getName().equals("GET /v1/features/{group}/{key}") && s.getStartEpochNanos() >= appliedEnd)
                && System.nanoTime() < spanDeadline) {
            Thread.sleep(10);
        }
        List<SpanData> trace = spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(TRACE_ID)).toList();
        SpanData push = only(trace, "POST /v1/events/{source}");
        assertThat(push.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(push.getParentSpanId()).as("the client's span is the push's parent").isEqualTo("00f067aa0ba902b7");
        assertThat(push.getAttributes().get(HttpTracing.STATUS)).isEqualTo(200L);
        assertThat(push.getAttributes().get(HttpTracing.REQUEST_ID)).isEqualTo("push-1");

        SpanData apply = only(trace, "apply payments");
        assertThat(apply.getParentSpanId()).as("apply continues the push through the record's headers").isEqualTo(push.getSpanId());
        assertThat(apply.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("tessera.outcome"))).isEqualTo("accepted");
        assertThat(apply.getLinks()).as("linked to its batch's span").hasSize(1);
        Optional<SpanData> batch = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getSpanId().equals(apply.getLinks().get(0).getSpanContext().getSpanId())).findFirst();
        assertThat(batch).as("the batch span was exported").isPresent();
        assertThat(batch.get().getName()).isEqualTo("apply batch payments");

        SpanData visible = trace.stream().filter(s -> s.getName().equals("GET /v1/features/{group}/{key}"))
                .filter(s -> s.getStartEpochNanos() >= apply.getEndEpochNanos()).findFirst().orElseThrow(
                        () -> new AssertionError("no read span after the apply in " + trace));
        assertThat(visible.getAttributes().get(HttpTracing.STATUS)).isEqualTo(200L);
        assertThat(visible.getAttributes().get(HttpTracing.ROUTE)).isEqualTo("/v1/features/{group}/{key}");
    }

    private static long declined(Reply read) {
        if (read.status() != 200) {
            return -1;
        }
        JsonNode f = read.json().get("features");
        return f == null || f.get("declined_count_1h") == null ? -1 : f.get("declined_count_1h").longValue();
    }

    private static SpanData only(List<SpanData> trace, String name) {
        List<SpanData> named = trace.stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(named).as("spans named %s in the trace %s", name, trace).hasSize(1);
        return named.get(0);
    }
}
