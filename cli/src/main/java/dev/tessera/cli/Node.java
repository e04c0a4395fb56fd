package dev.tessera.cli;

import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.offline.archive.ArchiveConfig;
import dev.tessera.offline.archive.Archivers;
import dev.tessera.runtime.RuntimeConfig;
import dev.tessera.runtime.StreamRuntime;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.serving.EventPusher;
import dev.tessera.serving.MetricsHistory;
import dev.tessera.serving.QualityMonitor;
import dev.tessera.serving.SourceSignals;
import dev.tessera.serving.RuntimeMetrics;
import dev.tessera.serving.ResponseLog;
import dev.tessera.serving.ServingApi;
import dev.tessera.serving.ServingServer;
import dev.tessera.serving.Tokens;
import dev.tessera.store.RedisTileStore;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * One Tessera node as {@code run} and {@code demo} start it: the broker (when embedded), the
 * RocksDB store, the stream runtime and its metrics history (the console's charts), the event archive
 * (unless off), a producer for pushed events, and the HTTP server with the console. Closed in reverse order, so the runtime's and the archive's final commits
 * happen before the store and the broker go.
 */
final class Node implements AutoCloseable {
    final Definitions defs;
    final String bootstrap;
    final EmbeddedKafka broker;
    final StreamRuntime runtime;
    /** One archiver per source, writing {@code data/archive}; null when the archive is off. */
    final Archivers archivers;
    final Path archiveRoot;
    final ServingServer server;
    /** Scoring, when the model registry has models; else null. */
    final dev.tessera.serving.Scoring scoring;
    /** The embedded schema registry's URL, or null when none is served. */
    final String registryUrl;
    private final String host;
    private final Deque<AutoCloseable> owned;

    private Node(Definitions defs, String bootstrap, EmbeddedKafka broker, StreamRuntime runtime, Archivers archivers,
                 Path archiveRoot, ServingServer server, String host, Deque<AutoCloseable> owned, String registryUrl,
                 dev.tessera.serving.Scoring scoring) {
        this.scoring = scoring;
        this.registryUrl = registryUrl;
        this.archivers = archivers;
        this.archiveRoot = archiveRoot;
        this.host = host;
        this.defs = defs;
        this.bootstrap = bootstrap;
        this.broker = broker;
        this.runtime = runtime;
        this.server = server;
        this.owned = owned;
    }

    /**
     * Starts a node. {@code bootstrapServers} null: start an embedded broker in {@code data/kafka} and
     * create every source topic (with {@code partitions}) and its {@code .dlq}. {@code archiveEvery}
     * null: no archive; else every source is archived to {@code data/archive}, committed that often.
     */
    static Node start(Definitions defs, Path features, Path data, String bootstrapServers, int partitions,
                      String host, int port, Tokens tokens, Duration archiveEvery) {
        return start(defs, features, data, bootstrapServers, partitions, host, port, tokens, archiveEvery, 0);
    }

    /** As above, logging {@code logResponses} (0..1) of feature reads to {@code <data>/responses}. */
    static Node start(Definitions defs, Path features, Path data, String bootstrapServers, int partitions,
                      String host, int port, Tokens tokens, Duration archiveEvery, double logResponses) {
        return start(defs, features, data, bootstrapServers, partitions, host, port, tokens, archiveEvery, logResponses,
                RegistrySettings.EMBEDDED_ANY_PORT);
    }

    /** As above, with the schema registry of {@code registry} for avro-confluent sources. */
    static Node start(Definitions defs, Path features, Path data, String bootstrapServers, int partitions,
                      String host, int port, Tokens tokens, Duration archiveEvery, double logResponses,
                      RegistrySettings registry) {
        return start(defs, features, data, bootstrapServers, partitions, host, port, tokens, archiveEvery, logResponses,
                registry, null, null, Monitoring.DEFAULTS, null);
    }

    /**
     * As above; {@code redisUri} not null: the online store is that (standalone) Redis, keys under
     * {@code redisNamespace}, instead of RocksDB in {@code data/store}, so {@code tessera serve}
     * nodes can read it. {@code monitoring}: quality, drift and alerts. {@code tracing}: where the
     * runtime, the pusher and the server send spans (ADR 024); null: tracing off.
     */
    static Node start(Definitions defs, Path features, Path data, String bootstrapServers, int partitions,
                      String host, int port, Tokens tokens, Duration archiveEvery, double logResponses,
                      RegistrySettings registry, String redisUri, String redisNamespace, Monitoring monitoring,
                      io.opentelemetry.api.OpenTelemetry tracing) {
        // the model registry first: a node that cannot serve its models must refuse before it starts anything, and
        // before the runtime rewrites the store for changed definitions
        dev.tessera.inference.ModelRegistry models = dev.tessera.inference.ModelRegistry.loadIfPresent(
                dev.tessera.inference.ModelRegistry.defaultFolder(features), defs);
        Deque<AutoCloseable> owned = new ArrayDeque<>();
        try {
            EmbeddedKafka broker = null;
            String bootstrap = bootstrapServers;
            if (bootstrap == null) {
                broker = EmbeddedKafka.start(data.resolve("kafka"));
                owned.push(broker);
                Map<String, Integer> topics = new LinkedHashMap<>();
                for (Source s : defs.sources().values()) {
                    topics.put(s.topic(), partitions);
                    topics.put(s.topic() + ".dlq", 1);
                }
                topics.putIfAbsent(dev.tessera.serving.PredictionLog.TOPIC, partitions);
                broker.createTopics(topics);
                bootstrap = broker.bootstrapServers();
            }
            Registries.Opened schemas = Registries.open(defs, features, data, host, registry, tokens, owned, System.out);
            if (redisUri != null) { // a backfill into the same Redis must not run alongside (RocksDB locks itself)
                dev.tessera.core.io.ProcessLock lock;
                try {
                    lock = OnlineStoreMarker.tryLock(data, "tessera run (online store in Redis)");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                if (lock == null) {
                    throw new dev.tessera.api.TesseraException("the online store of --data " + data + " is in use by "
                            + OnlineStoreMarker.holder(data) + ": wait for it to finish, or stop it, then start again");
                }
                owned.push(lock);
            }
            TileStore store = redisUri == null ? RocksDbTileStore.open(data.resolve("store"))
                    : RedisTileStore.open(redisUri, redisNamespace);
            owned.push(store);
            try {
                OnlineStoreMarker.write(data, redisUri, redisNamespace); // where tessera backfill on this --data writes
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            StreamRuntime rt = StreamRuntime.start(defs, features, store,
                    RuntimeConfig.defaults(bootstrap).withSchemaRegistry(schemas.registry()).withTracing(tracing));
            owned.push(rt);
            MetricsHistory history = MetricsHistory.start(rt); // the console's source charts; closed before the runtime
            owned.push(history);
            Path archiveRoot = data.resolve("archive");
            Archivers archivers = null;
            if (archiveEvery != null) {
                archivers = Archivers.start(defs, features, archiveRoot,
                        ArchiveConfig.defaults(bootstrap).withCommitInterval(archiveEvery)
                                .withSchemaRegistry(schemas.registry()));
                owned.push(archivers);
            }
            KafkaProducer<byte[], byte[]> producer = EventPusher.producer(bootstrap);
            owned.push(producer);
            KafkaProducer<byte[], byte[]> predictions = dev.tessera.serving.PredictionLog.producer(bootstrap);
            owned.push(predictions);
            ResponseLog responses = ResponseLog.NONE;
            if (logResponses > 0) {
                responses = ResponseLog.jsonl(data.resolve("responses"), logResponses);
                owned.push(responses);
            }
            ServingApi.Builder builder = ServingApi.builder(defs, rt.reader())
                    .models(models)
                    .predictionLog(dev.tessera.serving.PredictionLog.kafka(predictions, dev.tessera.serving.PredictionLog.TOPIC))
                    .experimentStates(dev.tessera.serving.ExperimentStates.file(data.resolve("experiments").resolve("state.json")));
            QualityMonitor monitor = monitoring.attach(defs, rt.reader(), SourceSignals.of(rt), builder);
            owned.push(monitor);
            ServingApi api = builder
                    .responseLog(responses)
                    .pusher(new EventPusher(defs, features, producer, System::currentTimeMillis, EventPusher.DEFAULT_MAX_EVENTS,
                            ServingServer.requestMapper(), schemas.registry(), tracing))
                    .tracing(tracing)
                    .tokens(tokens)
                    .history(history)
                    .diagnostics(() -> diagnostics(rt, data))
                    .schemaRegistry(schemas.server())
                    .health(() -> ServingApi.Health.of(rt, System::currentTimeMillis))
                    .build();
            if (api.scoring() != null) {
                owned.push(api.scoring());
            }
            RuntimeMetrics.bind(api.metrics(), rt, System::currentTimeMillis);
            monitor.bind(api.metrics()).start();
            if (archivers != null) {
                ArchiveMetrics.bind(api.metrics(), archivers);
            }
            ServingServer server = ServingServer.start(host, port, ServingServer.DEFAULT_MAX_BODY_BYTES, api);
            owned.push(server);
            return new Node(defs, bootstrap, broker, rt, archivers, archiveRoot, server, host, owned, schemas.url(), api.scoring());
        } catch (RuntimeException e) {
            closeAll(owned);
            throw e;
        }
    }

    /** {@code GET /v1/diagnostics}: each source's partitions and recent dead letters, and the data folder's disk. */
    static Map<String, Object> diagnostics(StreamRuntime rt, Path data) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("now", System.currentTimeMillis());
        d.put("sources", rt.sources().stream().map(rt::diagnostics).toList());
        Map<String, Object> disk = new LinkedHashMap<>();
        disk.put("path", data.toAbsolutePath().toString());
        try {
            java.nio.file.FileStore store = java.nio.file.Files.getFileStore(data.toAbsolutePath());
            disk.put("usable_bytes", store.getUsableSpace());
            disk.put("total_bytes", store.getTotalSpace());
        } catch (java.io.IOException e) {
            disk.put("error", e.getMessage());
        }
        d.put("disk", disk);
        d.put("runtime", rt.failure() == null ? "running" : "failed: " + rt.failure().getMessage());
        return d;
    }

    /** The first failure of the runtime or an archiver, or null while everything runs. */
    Throwable failure() {
        if (runtime.failure() != null) {
            return runtime.failure();
        }
        return archivers == null ? null : archivers.failure();
    }

    /** Where the API answers: the bound host (localhost for the wildcard address) and port. */
    String url() {
        return "http://" + ("0.0.0.0".equals(host) ? "localhost" : host) + ":" + server.port();
    }

    @Override
    public void close() {
        closeAll(owned);
    }

    private static void closeAll(Deque<AutoCloseable> owned) {
        while (!owned.isEmpty()) {
            AutoCloseable c = owned.pop();
            try {
                if (c instanceof KafkaProducer<?, ?> p) {
                    p.close(java.time.Duration.ofSeconds(5));
                } else {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("warning: closing " + c.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }
}
