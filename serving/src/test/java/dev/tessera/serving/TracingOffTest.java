package dev.tessera.serving;

import static dev.tessera.serving.NaiveFeatures.SECOND;
import static dev.tessera.serving.NaiveFeatures.payment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.serving.NaiveFeatures.Ev;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tracing off (the default) is off: on the real stack without tracing, a push that carries a
 * {@code traceparent} creates no span anywhere (an SDK with an in-memory exporter is installed as the
 * global OpenTelemetry, so a stray use of the global would show up) and its Kafka record has no
 * headers at all; answers still carry {@code X-Request-Id}.
 */
class TracingOffTest {
    @TempDir
    static Path tmp;
    static ServingStack stack;
    static InMemorySpanExporter spans = InMemorySpanExporter.create();
    static OpenTelemetrySdk global;

    @BeforeAll
    static void start() {
        GlobalOpenTelemetry.resetForTest();
        global = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).buildAndRegisterGlobal();
        stack = ServingStack.start(tmp);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
        global.close();
        GlobalOpenTelemetry.resetForTest();
    }

    @Test
    void aPushWithTraceparentMakesNoSpanAndItsRecordHasNoHeaders() throws Exception {
        String account = "untraced-account";
        Ev e = payment("untraced-0", account, "c-1", "m-1", 12, "DECLINED", "PT", System.currentTimeMillis() - 30 * SECOND);
        Reply pushed = stack.send(HttpRequest.newBuilder(stack.uri(stack.open, "/v1/events/payments"))
                .header("Content-Type", ServingStack.JSON).header("traceparent", PushTraceEndToEndTest.TRACEPARENT)
                .POST(HttpRequest.BodyPublishers.ofString(NaiveFeatures.json(e))).build());
        assertThat(pushed.status()).as("%s", pushed).isEqualTo(200);
        assertThat(pushed.header("X-Request-Id")).as("generated when the client sends none").matches("[0-9a-f]{16}");
        stack.awaitCount("payments", "accepted", 1);

        ConsumerRecord<byte[], byte[]> record = recordOf("untraced-0");
        assertThat(record.headers().toArray()).as("headers of the pushed record").isEmpty();
        Reply read = stack.send(HttpRequest.newBuilder(stack.uri(stack.open, "/v1/features/account_payments/" + account))
                .header("traceparent", PushTraceEndToEndTest.TRACEPARENT).header("X-Request-Id", "mine-1").GET().build());
        assertThat(read.header("X-Request-Id")).as("the client's request id is echoed").isEqualTo("mine-1");
        assertThat(spans.getFinishedSpanItems()).as("spans exported with tracing off").isEmpty();
    }

    /** Reads the payments topic from the start until the record whose value holds {@code eventId}. */
    private static ConsumerRecord<byte[], byte[]> recordOf(String eventId) {
        String topic = stack.defs.source("payments").orElseThrow().topic();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < ServingStack.PARTITIONS; i++) {
                tps.add(new TopicPartition(topic, i));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            long deadline = System.nanoTime() + 30_000_000_000L; // guards a hang
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (new String(r.value(), StandardCharsets.UTF_8).contains("\"" + eventId + "\"")) {
                        return r;
                    }
                }
            }
        }
        throw new AssertionError("the pushed event " + eventId + " is not in " + topic);
    }
}
