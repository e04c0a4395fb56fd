package dev.tessera.serving;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.runtime.RuntimeConfig;
import dev.tessera.runtime.StreamRuntime;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.InMemoryTileStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The real serving stack, started once per test class, assembled as {@code cli Node} assembles it:
 * an in-process KRaft broker with every source topic of {@code examples/commerce} (and its
 * {@code .dlq}), the stream runtime over an in-memory tile store, its {@link MetricsHistory} sampled
 * every {@link #HISTORY_INTERVAL}, the quality monitor (judging every 100 ms), an idempotent producer
 * for pushed events, and two HTTP servers over the same runtime: {@link #open} without tokens (as in
 * the demo) and {@link #secured} with a read, a write and an admin token. Both answer
 * {@code GET /v1/diagnostics} as a node does (each source's partitions and recent dead letters).
 *
 * <p>Requests go through {@link java.net.http.HttpClient} ({@link #get}, {@link #post}, {@link #send});
 * what that client refuses to send (bad escapes, huge headers, garbage) goes through {@link RawHttp}.
 */
final class ServingStack implements AutoCloseable {
    static final Path FEATURES = Path.of("../examples/commerce");
    static final String READ_TOKEN = "r-serving-test-0123456789";
    static final String WRITE_TOKEN = "w-serving-test-0123456789";
    static final String ADMIN_TOKEN = "a-serving-test-0123456789";
    static final String JSON = "application/json";
    static final String NDJSON = "application/x-ndjson";
    static final int PARTITIONS = 2;
    /** Quality and alerts judged every 100 ms over the last minute. */
    static final QualityMonitor.Settings MONITORING = new QualityMonitor.Settings(Duration.ofMillis(100), Duration.ofMinutes(1),
            "docs/runbooks/");
    /** The console's history is sampled this often here (5 s in a node), so charts fill within a test. */
    static final Duration HISTORY_INTERVAL = Duration.ofMillis(200);

    final Definitions defs;
    final StreamRuntime runtime;
    final ServingServer open;
    final ServingServer secured;
    final HttpClient http;
    /** The broker (scored requests are logged to {@link PredictionLog#TOPIC} there by {@link #open}). */
    String bootstrap;
    /** The broker itself, for tests that need topics of their own. */
    EmbeddedKafka kafka;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Deque<AutoCloseable> owned;

    private ServingStack(Definitions defs, StreamRuntime runtime, ServingServer open, ServingServer secured,
                         KafkaProducer<byte[], byte[]> producer, Deque<AutoCloseable> owned) {
        this.defs = defs;
        this.runtime = runtime;
        this.open = open;
        this.secured = secured;
        this.producer = producer;
        this.owned = owned;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    static ServingStack start(Path tmp) {
        return start(tmp, null);
    }

    /** The stack with tracing through {@code tracing} in the runtime, the pusher and both servers (null: off). */
    static ServingStack start(Path tmp, io.opentelemetry.api.OpenTelemetry tracing) {
        Deque<AutoCloseable> owned = new ArrayDeque<>();
        try {
            Definitions defs = DefinitionLoader.load(FEATURES);
            EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
            owned.push(kafka);
            Map<String, Integer> topics = new LinkedHashMap<>();
            for (Source s : defs.sources().values()) {
                topics.put(s.topic(), PARTITIONS);
                topics.put(s.topic() + ".dlq", 1);
            }
            topics.put(PredictionLog.TOPIC, 1);
            kafka.createTopics(topics);
            InMemoryTileStore store = new InMemoryTileStore();
            owned.push(store);
            StreamRuntime runtime = StreamRuntime.start(defs, FEATURES, store,
                    RuntimeConfig.defaults(kafka.bootstrapServers()).withCommitInterval(Duration.ofMillis(50)).withTracing(tracing));
            owned.push(runtime);
            MetricsHistory history = MetricsHistory.start(runtime, HISTORY_INTERVAL, MetricsHistory.DEFAULT_CAPACITY);
            owned.push(history);
            KafkaProducer<byte[], byte[]> producer = EventPusher.producer(kafka.bootstrapServers());
            owned.push(() -> producer.close(Duration.ofSeconds(5)));
            EventPusher pusher = new EventPusher(defs, FEATURES, producer, System::currentTimeMillis,
                    EventPusher.DEFAULT_MAX_EVENTS, ServingServer.requestMapper(), null, tracing);

            ServedQuality served = new ServedQuality(defs, runtime.reader(), Map.of(), null, ServedQuality.DEFAULT_DRIFT_WINDOW,
                    ServedQuality.DEFAULT_MAX_READS_PER_SECOND, System::currentTimeMillis);
            QualityMonitor monitor = new QualityMonitor(defs, SourceSignals.of(runtime), served, MONITORING, List.of(),
                    System::currentTimeMillis);
            owned.push(monitor);
            dev.tessera.inference.ModelRegistry models = dev.tessera.inference.ModelRegistry.loadIfPresent(
                    dev.tessera.inference.ModelRegistry.defaultFolder(FEATURES), defs);
            ServingApi openApi = ServingApi.builder(defs, runtime.reader()).pusher(pusher).servedQuality(served).monitor(monitor)
                    .models(models).predictionLog(PredictionLog.kafka(producer, PredictionLog.TOPIC))
                    .history(history).tracing(tracing).diagnostics(() -> diagnostics(runtime))
                    .health(() -> ServingApi.Health.of(runtime, System::currentTimeMillis)).build();
            RuntimeMetrics.bind(openApi.metrics(), runtime, System::currentTimeMillis);
            monitor.bind(openApi.metrics()).start();
            owned.push(openApi.scoring());
            ServingServer open = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, openApi);
            owned.push(open);

            Tokens tokens = Tokens.parse("read:" + READ_TOKEN + " write:" + WRITE_TOKEN + " admin:" + ADMIN_TOKEN, "test");
            ServingApi securedApi = ServingApi.builder(defs, runtime.reader()).pusher(pusher).tokens(tokens)
                    .servedQuality(served).monitor(monitor).history(history).models(models).tracing(tracing)
                    .diagnostics(() -> diagnostics(runtime))
                    .health(() -> ServingApi.Health.of(runtime, System::currentTimeMillis)).build();
            RuntimeMetrics.bind(securedApi.metrics(), runtime, System::currentTimeMillis);
            owned.push(securedApi.scoring());
            ServingServer secured = ServingServer.start("127.0.0.1", 0, ServingServer.DEFAULT_MAX_BODY_BYTES, securedApi);
            owned.push(secured);
            ServingStack stack = new ServingStack(defs, runtime, open, secured, producer, owned);
            stack.bootstrap = kafka.bootstrapServers();
            stack.kafka = kafka;
            return stack;
        } catch (RuntimeException e) {
            closeAll(owned);
            throw e;
        }
    }

    /** {@code GET /v1/diagnostics} as {@code cli Node} answers it, less the data folder's disk (this stack keeps no data folder). */
    static Map<String, Object> diagnostics(StreamRuntime rt) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("now", System.currentTimeMillis());
        d.put("sources", rt.sources().stream().map(rt::diagnostics).toList());
        d.put("runtime", rt.failure() == null ? "running" : "failed: " + rt.failure().getMessage());
        return d;
    }

    /** Writes events straight to a source's topic (not through the API) and waits for the acknowledgements. */
    void produce(String source, String key, List<String> events) throws Exception {
        String topic = defs.source(source).orElseThrow().topic();
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (String e : events) {
            acks.add(producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), e.getBytes(StandardCharsets.UTF_8))));
        }
        for (Future<RecordMetadata> f : acks) {
            f.get();
        }
    }

    /**
     * Waits until the runtime counted at least {@code atLeast} events of {@code source} with
     * {@code outcome}, or 60 s passed (a guard against a hang: callers assert on the count).
     */
    long awaitCount(String source, String outcome, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        long n;
        while ((n = runtime.counters(source).getOrDefault(outcome, 0L)) < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return n;
    }

    URI uri(ServingServer server, String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
    }

    Reply get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(uri(open, pathAndQuery)).GET().build());
    }

    Reply post(String pathAndQuery, String contentType, String body) {
        return send(HttpRequest.newBuilder(uri(open, pathAndQuery)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    Reply send(HttpRequest request) {
        HttpRequest withTimeout = HttpRequest.newBuilder(request, (name, value) -> true).timeout(Duration.ofSeconds(60)).build();
        try {
            HttpResponse<byte[]> res = http.send(withTimeout, HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(res.statusCode(), res.headers().map(), new String(res.body(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closeAll(owned);
    }

    private static void closeAll(Deque<AutoCloseable> owned) {
        while (!owned.isEmpty()) {
            AutoCloseable c = owned.pop();
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("warning: closing " + c + ": " + e);
            }
        }
    }
}
