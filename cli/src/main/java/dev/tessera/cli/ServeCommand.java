package dev.tessera.cli;

import dev.tessera.api.Definitions;
import dev.tessera.runtime.StoreFeatureReader;
import dev.tessera.serving.EventPusher;
import dev.tessera.serving.PredictionLog;
import dev.tessera.serving.ResponseLog;
import dev.tessera.serving.QualityMonitor;
import dev.tessera.serving.ServingApi;
import dev.tessera.serving.MetricsHistory;
import dev.tessera.serving.PublishedMetrics;
import dev.tessera.serving.PublishedSignals;
import dev.tessera.serving.SharedAlerts;
import dev.tessera.serving.ServingServer;
import dev.tessera.serving.Tokens;
import dev.tessera.store.RedisTileStore;
import dev.tessera.store.StoreException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tessera serve}: a stateless serving node (issue [Scale-out]). It reads tiles from Redis,
 * where the Flink runner (or an embedded runtime on Redis) writes them, and answers the same HTTP
 * API as {@code tessera run}; it keeps nothing per entity, so any number of them can run behind a
 * load balancer. While Redis is down, feature reads answer 503 {@code store_unavailable} at once,
 * and {@code /health} says so; both recover when Redis is back.
 *
 * <p>With {@code --bootstrap-servers} the node also takes pushed events ({@code POST /v1/events},
 * written to the sources' topics, where the Flink job reads them; with {@code --tracing} their
 * trace context goes along in the record headers) and logs scored requests to
 * {@code tessera.predictions}; without it, pushes answer 503 {@code push_unavailable}.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve features from Redis with no local state (scale-out serving nodes).")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--redis", paramLabel = "URI", required = true, split = ",",
            description = "Redis to read tiles from: redis://host:port (rediss:// for TLS); with --redis-cluster, one or more"
                    + " seed nodes separated by commas.")
    List<String> redis;

    @Option(names = "--redis-cluster", description = "The Redis is a Redis Cluster.")
    boolean cluster;

    @Option(names = "--redis-namespace", paramLabel = "PREFIX", defaultValue = "tessera:",
            description = "Prefix of every key Tessera keeps in Redis (the writer's must match). Default: ${DEFAULT-VALUE}")
    String namespace;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka to write pushed events (POST /v1/events/{source}) and the prediction log to. Without it the"
                    + " node only reads.")
    String bootstrapServers;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
            description = "HTTP port of the feature API. Default: ${DEFAULT-VALUE}")
    int port;

    @Mixin
    DurationOption duration;

    @Mixin
    ServingOptions serving;

    @Spec
    CommandSpec spec;

    private final CountDownLatch closed = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Definitions defs = common.definitions(spec.commandLine().getErr());
        if (defs == null) {
            return 1;
        }
        if (!cluster && redis.size() != 1) {
            spec.commandLine().getErr().println("--redis takes one address, got " + redis.size()
                    + "; pass --redis-cluster for several seed nodes of a Redis Cluster");
            return 2;
        }
        Tokens tokens = serving.tokens();
        double logFraction = serving.logResponses(0);
        try (Tracing tracing = serving.tracing();
             RedisTileStore store = cluster ? RedisTileStore.openCluster(redis, namespace) : RedisTileStore.open(redis.get(0), namespace);
             ResponseLog responses = logFraction > 0 ? ResponseLog.jsonl(common.data.resolve("responses"), logFraction) : ResponseLog.NONE;
             KafkaProducer<byte[], byte[]> events = bootstrapServers == null ? null : EventPusher.producer(bootstrapServers);
             KafkaProducer<byte[], byte[]> predictions = bootstrapServers == null ? null : PredictionLog.producer(bootstrapServers)) {
            StoreFeatureReader reader = new StoreFeatureReader(defs, store);
            ServingApi.Builder builder = ServingApi.builder(defs, reader)
                    .models(dev.tessera.inference.ModelRegistry.loadIfPresent(dev.tessera.inference.ModelRegistry.defaultFolder(common.features), defs));
            if (events != null) {
                // avro-confluent sources need a schema registry to frame pushed events: they refuse pushes here
                builder.pusher(new EventPusher(defs, common.features, events, System::currentTimeMillis, EventPusher.DEFAULT_MAX_EVENTS,
                                ServingServer.requestMapper(), null, tracing.otel()))
                        .predictionLog(PredictionLog.kafka(predictions, PredictionLog.TOPIC));
            }
            // what the Flink job's subtasks publish: outcome counts and source rule checks (ADR 030)
            PublishedSignals signals = new PublishedSignals(defs, reader, System::currentTimeMillis);
            // every serve node over this Redis evaluates the alerts; one of them notifies each transition
            SharedAlerts.Leases leases = new SharedAlerts.Leases() {
                @Override
                public boolean claim(String name, long ttlMillis) {
                    return store.claim(name, ttlMillis);
                }

                @Override
                public void release(String name) {
                    store.release(name);
                }
            };
            QualityMonitor monitor = serving.monitoring().attach(defs, reader, signals, builder, leases);
            MetricsHistory history = MetricsHistory.start(signals); // the console's source charts
            builder.history(history);
            ServingApi api = builder
                    .tokens(tokens)
                    .health(() -> health(store, signals))
                    .responseLog(responses)
                    .tracing(tracing.otel())
                    .build();
            monitor.bind(api.metrics()).start();
            PublishedMetrics.bind(api.metrics(), signals, System::currentTimeMillis);
            AutoCloseable scoring = api.scoring() == null ? () -> { } : api.scoring();
            try (history; scoring; monitor; ServingServer server = ServingServer.start(serving.host, port, ServingServer.DEFAULT_MAX_BODY_BYTES, api)) {
                out.println("serving " + defs.groups().size() + " feature groups from Redis " + String.join(",", redis)
                        + (cluster ? " (cluster)" : "") + ", keys under '" + namespace + "', on http://" + serving.host + ":"
                        + server.port() + (events == null ? "" : ", pushes to Kafka at " + bootstrapServers) + (tokens.enabled() ? " (" + tokens.size() + " bearer tokens)"
                        : " (authentication off: configure --tokens-file or " + ServingOptions.TOKENS_ENV + ")"));
                out.flush();
                // serving runs on Netty's threads; nothing to do here until Ctrl-C or the end of --duration
                StopSignal.waitForStop(closed, duration.durationSeconds, 10_000, () -> { });
                out.println("stopping");
                out.flush();
            }
            return 0;
        } finally {
            closed.countDown();
        }
    }

    /**
     * 200 while Redis answers, 503 with the reason when it does not; with each source's freshness and the
     * event counts the Flink job published (totals since this node started reading them).
     */
    private static ServingApi.Health health(RedisTileStore store, PublishedSignals signals) {
        Map<String, Object> details = new LinkedHashMap<>();
        boolean ok;
        try {
            details.put("store", "redis reachable, " + store.approximateSizeBytes() + " bytes used");
            ok = true;
        } catch (StoreException e) {
            details.put("store", "unavailable: " + e.getMessage());
            return new ServingApi.Health(false, details);
        }
        Map<String, Object> sources = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        for (String s : signals.sources()) {
            long newest = signals.newestEventTime(s);
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("freshness_ms", newest == Long.MIN_VALUE ? null : Math.max(0, now - newest));
            d.put("events", signals.counters(s));
            sources.put(s, d);
        }
        details.put("sources", sources);
        return new ServingApi.Health(ok, details);
    }
}
