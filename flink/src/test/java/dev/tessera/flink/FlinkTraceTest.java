package dev.tessera.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.runtime.PaymentsWorld;
import dev.tessera.runtime.StoreFeatureReader;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.serving.EventPusher;
import dev.tessera.serving.ServingApi;
import dev.tessera.serving.ServingServer;
import dev.tessera.store.RedisServerProcess;
import dev.tessera.store.RedisTileStore;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's trace on the scale-out path (ADR 024): a stateless serving node (push to Kafka, reads
 * from Redis) in front of the Flink job on a MiniCluster, the in-process broker and a real
 * {@code redis-server}, every span exported to the SDK's in-memory exporter. One pushed event is
 * followed through one trace: the push's server span, the job's {@code apply} span (its child,
 * through the record's headers), the sink's {@code write tiles} span (the apply's child, ended when
 * Redis has the tiles) and a read's server span after it that sees the event. Records produced
 * without a trace context, around it, get no per-record spans.
 */
class FlinkTraceTest {
    static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    static final String TRACEPARENT = "00-" + TRACE_ID + "-b7ad6b7169203331-01";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void onePushedEventIsOneTraceThroughKafkaTheJobAndRedisToTheReadThatSeesIt() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        TracingConfig tracing = new TracingConfig(TracingConfig.Mode.log, null, 1.0);
        String topic = "traced.payments";
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
             RedisServerProcess redis = RedisServerProcess.start();
             OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
                     .setTracerProvider(SdkTracerProvider.builder().setSampler(Sampler.parentBased(Sampler.alwaysOn()))
                             .addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                     .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
             RedisTileStore store = RedisTileStore.open(redis.uri(), "traced:");
             Producer<byte[], byte[]> producer = EventPusher.producer(kafka.bootstrapServers());
             KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(FlinkTests.producerProps(kafka))) {
            kafka.createTopics(Map.of(topic, PaymentsWorld.PARTITIONS, topic + ".dlq", 1));
            Path defsDir = Files.createDirectories(tmp.resolve("features"));
            Files.writeString(defsDir.resolve("payments.yaml"), PaymentsWorld.DEFINITIONS.replace(PaymentsWorld.TOPIC, topic));
            Definitions defs = DefinitionLoader.load(defsDir);
            tracing.install(otel);

            ServingApi api = ServingApi.builder(defs, new StoreFeatureReader(defs, store))
                    .pusher(new EventPusher(defs, defsDir, producer, System::currentTimeMillis, EventPusher.DEFAULT_MAX_EVENTS,
                            ServingServer.requestMapper(), null, otel))
                    .tracing(otel)
                    .build();
            FlinkJobOptions o = new FlinkJobOptions();
            o.bootstrapServers = kafka.bootstrapServers();
            o.redis = List.of(redis.uri());
            o.redisNamespace = "traced:";
            o.consumerGroup = "traced";
            o.parallelism = 2;
            o.tracing = tracing.mode();
            StreamExecutionEnvironment env = FlinkJob.localEnvironment(tmp.resolve("checkpoints"), null, tmp.resolve("flink-tmp"));
            FlinkJob.build(env, DefinitionBundle.of(defsDir), o);
            JobClient job = env.executeAsync("traced");
            HttpClient http = HttpClient.newHttpClient();
            try (ServingServer server = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, api)) {
                String base = "http://127.0.0.1:" + server.port();
                long now = System.currentTimeMillis();
                // untraced payments of other accounts, before and after the traced one (in event time too: none is late)
                Random rnd = new Random(3);
                List<PaymentsWorld.Produced> before = PaymentsWorld.payments(rnd, 250, 20, now - 3_600_000L, now - 60_000, 0);
                List<PaymentsWorld.Produced> after = PaymentsWorld.payments(rnd, 50, 20, now - 29_000, now - 1_000, 1_000);
                FlinkRunnerTest.send(plain, topic, before);

                String account = "traced-account";
                String payment = JSON.writeValueAsString(Map.of("payment_id", "traced-0", "account_id", account, "amount", 12.5,
                        "status", "DECLINED", "card", "c-1", "merchant", "m-1", "country", "PT", "event_time", now - 30_000));
                HttpResponse<String> pushed = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/events/payments"))
                        .header("Content-Type", "application/json").header("traceparent", TRACEPARENT)
                        .POST(HttpRequest.BodyPublishers.ofString(payment)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(200);
                assertThat(JSON.readTree(pushed.body()).get("accepted").intValue()).isEqualTo(1);
                FlinkRunnerTest.send(plain, topic, after);

                long deadline = System.nanoTime() + 120_000_000_000L; // guards a hang; the assertions are on what was read and traced
                while (declined(read(http, base, account)) != 1 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(declined(read(http, base, account))).as("the pushed DECLINED payment is visible in a read").isEqualTo(1);
                // the write span ends just after Redis acknowledges, and a server span just after its answer is written:
                // once the write span is exported, read once more, and wait (bounded) for that read's span
                waitFor(spans, s -> s.getTraceId().equals(TRACE_ID) && s.getName().equals("write tiles payments"));
                long written = only(trace(spans), "write tiles payments").getEndEpochNanos();
                assertThat(declined(read(http, base, account))).isEqualTo(1);
                waitFor(spans, s -> s.getTraceId().equals(TRACE_ID) && s.getName().equals("GET /v1/features/{group}/{key}")
                        && s.getStartEpochNanos() >= written);
                // and the background is served as the oracle has it: tracing changed no value
                FlinkRunnerTest.awaitOracle(new StoreFeatureReader(defs, store),
                        java.util.stream.Stream.concat(before.stream(), after.stream()).map(PaymentsWorld.Produced::event).toList());
            } finally {
                job.cancel().get();
                tracing.uninstall(otel);
            }

            List<SpanData> trace = trace(spans);
            SpanData push = only(trace, "POST /v1/events/{source}");
            assertThat(push.getKind()).isEqualTo(SpanKind.SERVER);
            assertThat(push.getParentSpanId()).as("the client's span is the push's parent").isEqualTo("b7ad6b7169203331");

            SpanData apply = only(trace, "apply payments");
            assertThat(apply.getParentSpanId()).as("the job's apply continues the push through the record's headers")
                    .isEqualTo(push.getSpanId());
            assertThat(apply.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(apply.getAttributes().get(JobSpans.OUTCOME)).isEqualTo("accepted");
            assertThat(apply.getAttributes().get(JobSpans.GROUP)).isEqualTo("account_payments");

            SpanData write = only(trace, "write tiles payments");
            assertThat(write.getParentSpanId()).as("the Redis write continues the apply").isEqualTo(apply.getSpanId());
            assertThat(write.getStartEpochNanos()).isGreaterThanOrEqualTo(apply.getEndEpochNanos());
            assertThat(write.getLinks()).as("linked to its batch's span").hasSize(1);
            String batchId = write.getLinks().get(0).getSpanContext().getSpanId();
            SpanData batch = spans.getFinishedSpanItems().stream().filter(s -> s.getSpanId().equals(batchId)).findFirst()
                    .orElseThrow(() -> new AssertionError("the batch span " + batchId + " was not exported"));
            assertThat(batch.getName()).isEqualTo("write batch payments");
            assertThat(batch.getTraceId()).as("a batch mixes records of many producers: its own trace").isNotEqualTo(TRACE_ID);
            assertThat(batch.getAttributes().get(AttributeKey.longKey("tessera.entities"))).isGreaterThanOrEqualTo(1L);

            SpanData visible = trace.stream().filter(s -> s.getName().equals("GET /v1/features/{group}/{key}"))
                    .filter(s -> s.getStartEpochNanos() >= write.getEndEpochNanos()).findFirst()
                    .orElseThrow(() -> new AssertionError("no read span after the Redis write in " + trace));
            assertThat(visible.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);

            assertThat(spans.getFinishedSpanItems().stream().filter(s -> s.getName().startsWith("apply ")))
                    .as("records without a trace context get no per-record span").hasSize(1);
        }
    }

    private static List<SpanData> trace(InMemorySpanExporter spans) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(TRACE_ID)).toList();
    }

    private static void waitFor(InMemorySpanExporter spans, Predicate<SpanData> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (spans.getFinishedSpanItems().stream().noneMatch(wanted) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static JsonNode read(HttpClient http, String base, String account) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/features/account_payments/" + account))
                .header("traceparent", TRACEPARENT).GET().build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    }

    private static long declined(JsonNode read) {
        JsonNode f = read == null ? null : read.get("features");
        return f == null || f.get("declined_count_1h") == null || f.get("declined_count_1h").isNull() ? -1
                : f.get("declined_count_1h").longValue();
    }

    private static SpanData only(List<SpanData> trace, String name) {
        List<SpanData> named = trace.stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(named).as("spans named %s in the trace %s", name, trace).hasSize(1);
        return named.get(0);
    }
}
