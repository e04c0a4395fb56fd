package dev.tessera.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.Definitions;
import dev.tessera.runtime.FeatureReader;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Everything the HTTP server answers with, assembled once: the feature queries over a
 * {@link FeatureReader}, the event pusher (optional), health, metrics, tokens, and for the web
 * console the catalog of the definitions and the metrics history (optional).
 *
 * <pre>
 * ServingApi api = ServingApi.builder(defs, runtime.reader()).pusher(pusher).tokens(tokens)
 *         .health(() -&gt; ...).build();
 * try (ServingServer server = ServingServer.start("0.0.0.0", 8080, ServingServer.DEFAULT_MAX_BODY_BYTES, api)) { ... }
 * </pre>
 */
public final class ServingApi {
    private final FeatureQueries queries;
    private final EventPusher pusher;
    private final Supplier<Health> health;
    private final PrometheusMeterRegistry metrics;
    private final Tokens tokens;
    private final ObjectMapper json;
    private final ConsoleCatalog catalog;
    private final MetricsHistory history;
    private final QualityMonitor monitor;
    private final Scoring scoring;
    private final Supplier<Object> diagnostics;
    private final dev.tessera.schemas.SchemaRegistryServer schemaRegistry;
    private final HttpTracing tracing;

    private ServingApi(Builder b) {
        FeatureReader reader = b.served == null ? b.reader : b.served.monitor(b.reader);
        this.queries = new FeatureQueries(b.defs, reader, b.clock, b.maxEntities, b.responseLog);
        this.monitor = b.monitor;
        this.diagnostics = b.diagnostics;
        this.schemaRegistry = b.schemaRegistry;
        this.pusher = b.pusher == null ? null : b.pusher.bind(b.metrics);
        this.health = b.health;
        this.metrics = b.metrics;
        this.tokens = b.tokens;
        this.json = b.json;
        this.scoring = b.models == null || b.models.isEmpty() ? null
                : new Scoring(b.models, queries, b.predictions, b.experimentStates, b.clock).bind(b.metrics).start();
        if (scoring != null && monitor != null) {
            monitor.watch(scoring::rollbacks); // a guardrail's rollback is an alert: the banner, the webhooks, tessera status
        }
        this.catalog = new ConsoleCatalog(b.defs, b.models == null ? List.of()
                : b.models.models().stream().map(dev.tessera.inference.RegisteredModel::info).toList());
        this.history = b.history;
        this.tracing = b.tracing == null ? null : new HttpTracing(b.tracing);
    }

    public static Builder builder(Definitions defs, FeatureReader reader) {
        return new Builder(defs, reader);
    }

    public FeatureQueries queries() {
        return queries;
    }

    /** Scoring, when the model registry has models (null otherwise); close it with the server. */
    public Scoring scoring() {
        return scoring;
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    HttpApi.Parts parts(ExecutorService pushExecutor) {
        return new HttpApi.Parts(queries, pusher, health, metrics, tokens, json, pushExecutor, ConsoleAssets.get(), catalog, history, monitor, scoring,
                tracing, diagnostics, schemaRegistry);
    }

    /** Health as {@code GET /health} reports it: 200 when ok, 503 otherwise, with the details. */
    public record Health(boolean ok, Map<String, Object> details) {
        /**
         * A stream runtime's health: whether it runs, and each source's freshness, event counts and broker
         * silence (how long its consumer has had no answer from Kafka: 0 while the broker answers, -1 when
         * unknown). A broker outage leaves the node up (it serves what it has, and resumes by itself), so it
         * shows here, not in the status.
         */
        public static Health of(dev.tessera.runtime.StreamRuntime rt, LongSupplier clock) {
            Map<String, Object> details = new java.util.LinkedHashMap<>();
            Throwable failure = rt.failure();
            details.put("runtime", failure == null ? "running" : "failed: " + failure.getMessage());
            Map<String, Object> sources = new java.util.LinkedHashMap<>();
            long now = clock.getAsLong();
            for (String s : rt.sources()) {
                long newest = rt.newestEventTime(s);
                Map<String, Object> d = new java.util.LinkedHashMap<>();
                d.put("freshness_ms", newest == Long.MIN_VALUE ? null : Math.max(0, now - newest));
                d.put("events", rt.counters(s));
                d.put("broker_silence_ms", rt.brokerSilenceMillis(s));
                sources.put(s, d);
            }
            details.put("sources", sources);
            return new Health(failure == null, details);
        }
    }

    public static final class Builder {
        private final Definitions defs;
        private final FeatureReader reader;
        private EventPusher pusher;
        private Supplier<Health> health = () -> new Health(true, Map.of());
        private PrometheusMeterRegistry metrics;
        private Tokens tokens = Tokens.none();
        private ObjectMapper json = ServingServer.requestMapper();
        private LongSupplier clock = System::currentTimeMillis;
        private int maxEntities = FeatureQueries.DEFAULT_MAX_ENTITIES;
        private ResponseLog responseLog = ResponseLog.NONE;
        private ServedQuality served;
        private dev.tessera.inference.ModelRegistry models;
        private PredictionLog predictions = PredictionLog.NONE;
        private Supplier<Object> diagnostics;
        private dev.tessera.schemas.SchemaRegistryServer schemaRegistry;
        private ExperimentStates experimentStates = ExperimentStates.inMemory();
        private QualityMonitor monitor;
        private MetricsHistory history;
        private io.opentelemetry.api.OpenTelemetry tracing;

        private Builder(Definitions defs, FeatureReader reader) {
            this.defs = Objects.requireNonNull(defs);
            this.reader = Objects.requireNonNull(reader);
        }

        public Builder pusher(EventPusher p) {
            this.pusher = p;
            return this;
        }

        public Builder health(Supplier<Health> h) {
            this.health = Objects.requireNonNull(h);
            return this;
        }

        public Builder metrics(PrometheusMeterRegistry m) {
            this.metrics = m;
            return this;
        }

        public Builder tokens(Tokens t) {
            this.tokens = Objects.requireNonNull(t);
            return this;
        }

        public Builder clock(LongSupplier c) {
            this.clock = Objects.requireNonNull(c);
            return this;
        }

        public Builder maxEntities(int n) {
            this.maxEntities = n;
            return this;
        }

        /** Sampled logging of served values for {@code tessera consistency} (off by default). */
        public Builder responseLog(ResponseLog log) {
            this.responseLog = Objects.requireNonNull(log);
            return this;
        }

        /** Observe what is served for quality rules and drift (off by default). */
        public Builder servedQuality(ServedQuality q) {
            this.served = q;
            return this;
        }

        /**
         * The model registry (SPEC §7): {@code POST /v1/score/{model}}, {@code GET /v1/models} and
         * {@code GET /v1/experiments} serve its models; the console's catalog and lineage show them.
         */
        public Builder models(dev.tessera.inference.ModelRegistry registry) {
            this.models = registry;
            return this;
        }

        /** The embedded schema registry, also served under {@code /registry} (SPEC §4); none when null. */
        public Builder schemaRegistry(dev.tessera.schemas.SchemaRegistryServer r) {
            this.schemaRegistry = r;
            return this;
        }

        /** What {@code GET /v1/diagnostics} answers ({@code tessera doctor} reads it); 404 without. */
        public Builder diagnostics(Supplier<Object> d) {
            this.diagnostics = d;
            return this;
        }

        /** Where scored requests are logged (none by default). */
        public Builder predictionLog(PredictionLog log) {
            this.predictions = Objects.requireNonNull(log);
            return this;
        }

        /** Where guardrail rollbacks are kept across restarts (in memory by default). */
        public Builder experimentStates(ExperimentStates states) {
            this.experimentStates = Objects.requireNonNull(states);
            return this;
        }

        /** What {@code /v1/quality} and {@code /v1/alerts} report (they answer 404 without one). */
        public Builder monitor(QualityMonitor m) {
            this.monitor = m;
            return this;
        }

        /**
         * The per-source history the console charts ({@code GET /v1/history}); the node owns and closes it.
         * Without one (a stateless {@code tessera serve} node has no stream runtime) the endpoint
         * answers 404 {@code no_history} and the console says so.
         */
        public Builder history(MetricsHistory h) {
            this.history = h;
            return this;
        }

        /**
         * Traces every request with {@code otel} (a span per request, ADR 024); null (the default)
         * turns tracing off. Give the {@link EventPusher} the same instance so pushes carry the trace.
         */
        public Builder tracing(io.opentelemetry.api.OpenTelemetry otel) {
            this.tracing = otel;
            return this;
        }

        public Builder json(ObjectMapper m) {
            this.json = Objects.requireNonNull(m);
            return this;
        }

        public ServingApi build() {
            if (metrics == null) {
                metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            }
            return new ServingApi(this);
        }
    }
}
