package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tessera.api.ClosestNames;
import dev.tessera.api.FeatureRef;
import dev.tessera.inference.Experiment;
import dev.tessera.inference.ModelRegistry;
import dev.tessera.inference.RegisteredModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/score/{model}}, {@code GET /v1/models} and {@code GET /v1/experiments} (SPEC §7).
 *
 * <p>A score: the model's experiment (if any) assigns the unit ({@code unit_id}, by default the
 * entity's key values) to control or a treatment, that version's service features are read for the
 * entity as {@code POST /v1/features} would serve them, encoded (ADR 022) and scored; every shadow
 * version is scored beside it and logged, never returned; each scored model is logged to the
 * {@link PredictionLog}. The variant's outcome, latency (feature fetch included) and score feed its
 * guardrails ({@link LiveExperiment}), enforced every second.
 *
 * <p>Answer: {@code {"score", "model", "version", "variant", "experiment", "features_used": {name: value},
 * "found", "as_of", "request_id"}}; {@code variant} is {@code control}, a treatment's name, or
 * {@code latest} without an experiment.
 */
public final class Scoring implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Scoring.class);
    static final String NO_EXPERIMENT = "latest";

    private final ModelRegistry registry;
    private final FeatureQueries queries;
    private final PredictionLog log;
    private final LongSupplier clock;
    private final Map<String, LiveExperiment> experiments = new LinkedHashMap<>();
    private final ScheduledExecutorService guard;
    private volatile io.micrometer.core.instrument.MeterRegistry metrics;
    private final Map<String, io.micrometer.core.instrument.Counter> counters = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, io.micrometer.core.instrument.Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

    public Scoring(ModelRegistry registry, FeatureQueries queries, PredictionLog log, ExperimentStates states, LongSupplier clock) {
        this.registry = registry;
        this.queries = queries;
        this.log = log;
        this.clock = clock;
        for (Experiment x : registry.experiments()) {
            experiments.put(x.model(), new LiveExperiment(x, states, clock));
        }
        this.guard = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tessera-guardrails");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Counts scores as {@code tessera_score_requests_total{model, variant, outcome}} (ok, error) and
     * times them as {@code tessera_score_latency_seconds{model, variant}} (feature fetch included),
     * and exposes each treatment's current share as {@code tessera_experiment_share{experiment, variant}}.
     */
    public Scoring bind(io.micrometer.core.instrument.MeterRegistry registry) {
        this.metrics = registry;
        for (LiveExperiment x : experiments.values()) {
            for (Experiment.Variant v : x.experiment().variants()) {
                io.micrometer.core.instrument.Gauge.builder("tessera.experiment.share", x, live -> live.status().stream()
                                .filter(s -> s.name().equals(v.name())).findFirst().map(LiveExperiment.VariantStatus::share).orElse(0.0))
                        .description("A treatment's current share of units (0 once its guardrails rolled it back)")
                        .tag("experiment", x.experiment().name()).tag("variant", v.name()).register(registry);
            }
        }
        return this;
    }

    private void count(String model, String variant, boolean ok, long nanos) {
        io.micrometer.core.instrument.MeterRegistry m = metrics;
        if (m == null) {
            return;
        }
        String outcome = ok ? "ok" : "error";
        counters.computeIfAbsent(model + '|' + variant + '|' + outcome, k -> io.micrometer.core.instrument.Counter
                .builder("tessera.score.requests").description("Scores by model, variant and outcome")
                .tag("model", model).tag("variant", variant).tag("outcome", outcome).register(m)).increment();
        if (ok) {
            timers.computeIfAbsent(model + '|' + variant, k -> io.micrometer.core.instrument.Timer.builder("tessera.score.latency")
                    .description("Time to score, feature fetch included").tag("model", model).tag("variant", variant).register(m))
                    .record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Enforces the guardrails every second, on its own thread. */
    public Scoring start() {
        guard.scheduleWithFixedDelay(this::enforceGuardrails, 1, 1, TimeUnit.SECONDS);
        return this;
    }

    /** One guardrail pass over every experiment (tests call it directly). */
    public void enforceGuardrails() {
        for (LiveExperiment x : experiments.values()) {
            try {
                x.enforce();
            } catch (RuntimeException e) {
                LOG.error("guardrail check of experiment {} failed: {}", x.experiment().name(), e.toString(), e);
            }
        }
    }

    public ModelRegistry registry() {
        return registry;
    }

    void score(String model, JsonNode body, JsonGenerator out) throws IOException {
        score(model, body, null, out);
    }

    /** @param headerRequestId the request's {@code X-Request-Id}, used when the body has no {@code request_id} (may be null) */
    void score(String model, JsonNode body, String headerRequestId, JsonGenerator out) throws IOException {
        long start = System.nanoTime();
        List<RegisteredModel> versions = registry.versions(model);
        if (versions.isEmpty()) {
            throw ApiException.notFound("unknown_model", "no model named '" + model + "'",
                    ClosestNames.hint(model, registry.names(), "models"));
        }
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("bad_request", "the body must be a JSON object",
                    "send {\"entity\": {\"account_id\": \"...\"}} and optionally \"unit_id\" and \"request_id\"");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!List.of("entity", "unit_id", "request_id").contains(f)) {
                throw ApiException.badRequest("bad_request", "unknown field '" + f + "' in the body",
                        ClosestNames.hint(f, List.of("entity", "unit_id", "request_id"), "fields"));
            }
        }
        JsonNode entity = body.get("entity");
        if (entity == null || !entity.isObject()) {
            throw ApiException.badRequest("bad_request", "\"entity\" must be an object of key fields",
                    "e.g. {\"entity\": {\"account_id\": \"acct_123\"}}");
        }
        String requestId = text(body, "request_id");
        if (requestId == null) {
            requestId = headerRequestId;
        }
        if (requestId == null) {
            requestId = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        }
        LiveExperiment experiment = experiments.get(model);
        RegisteredModel chosen;
        String variant;
        int index = -1;
        String unit = text(body, "unit_id");
        FeatureQueries.ServiceRead read;
        if (experiment == null) {
            chosen = versions.get(versions.size() - 1);
            variant = NO_EXPERIMENT;
            read = queries.readService(chosen.service(), entity);
            if (unit == null) {
                unit = String.join(",", read.entity().values());
            }
        } else {
            Experiment x = experiment.experiment();
            RegisteredModel control = registry.get(model, x.control()).orElseThrow();
            if (unit == null) {
                unit = unitOf(entity);
            }
            index = experiment.assign(unit);
            variant = index < 0 ? Experiment.CONTROL : x.variants().get(index).name();
            chosen = index < 0 ? control : registry.get(model, x.variants().get(index).version()).orElseThrow();
            read = null;
        }
        double score;
        try {
            if (read == null) {
                read = queries.readService(chosen.service(), entity);
            }
            score = chosen.score(read.values());
        } catch (ApiException e) {
            throw e; // the request's own mistake: not the variant's
        } catch (RuntimeException e) {
            if (experiment != null) {
                experiment.record(index, System.nanoTime() - start, Double.NaN);
            }
            count(model, variant, false, 0);
            throw e;
        }
        long took = System.nanoTime() - start;
        if (experiment != null) {
            experiment.record(index, took, score);
        }
        count(model, variant, true, took);
        long now = clock.getAsLong();
        String experimentName = experiment == null ? null : experiment.experiment().name();
        List<String> names = chosen.service().features().stream().map(FeatureRef::qualifiedName).toList();
        log.log(new PredictionLog.Prediction(requestId, now, unit, read.entity(), model, chosen.version(), variant, experimentName,
                false, score, names, read.values(), read.asOf(), read.groupAsOf()));
        if (experiment != null) {
            shadows(experiment.experiment(), entity, requestId, unit, now);
        }
        out.writeStartObject();
        out.writeNumberField("score", score);
        out.writeStringField("model", model);
        out.writeNumberField("version", chosen.version());
        out.writeStringField("variant", variant);
        if (experimentName == null) {
            out.writeNullField("experiment");
        } else {
            out.writeStringField("experiment", experimentName);
        }
        out.writeObjectFieldStart("features_used");
        for (int i = 0; i < names.size(); i++) {
            out.writeFieldName(names.get(i));
            JsonValues.write(out, read.values().get(i));
        }
        out.writeEndObject();
        out.writeBooleanField("found", read.found());
        out.writeNumberField("as_of", read.asOf());
        out.writeStringField("request_id", requestId);
        out.writeEndObject();
    }

    /** Scores and logs every shadow version; a shadow's failure is logged, never answered. */
    private void shadows(Experiment x, JsonNode entity, String requestId, String unit, long now) {
        for (int version : x.shadows()) {
            RegisteredModel m = registry.get(x.model(), version).orElseThrow();
            try {
                FeatureQueries.ServiceRead r = queries.readService(m.service(), entity);
                double s = m.score(r.values());
                log.log(new PredictionLog.Prediction(requestId, now, unit, r.entity(), x.model(), version, "shadow_v" + version,
                        x.name(), true, s, m.service().features().stream().map(FeatureRef::qualifiedName).toList(), r.values(), r.asOf(),
                        r.groupAsOf()));
            } catch (RuntimeException e) {
                LOG.warn("shadow {} v{} failed for request {}: {}", x.model(), version, requestId, e.toString());
            }
        }
    }

    /** The default unit: the entity's key values in field-name order ({@code a1} for {@code {"account_id": "a1"}}). */
    private static String unitOf(JsonNode entity) {
        List<String> fields = new ArrayList<>();
        entity.fieldNames().forEachRemaining(fields::add);
        java.util.Collections.sort(fields);
        List<String> values = new ArrayList<>();
        for (String f : fields) {
            JsonNode v = entity.get(f);
            values.add(v.isValueNode() ? v.asText() : v.toString());
        }
        return String.join(",", values);
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual() || n.asText().isEmpty()) {
            throw ApiException.badRequest("bad_request", "\"" + field + "\" must be a non-empty string", "e.g. \"" + field + "\": \"acct_123\"");
        }
        return n.asText();
    }

    /** {@code GET /v1/models}: every registered version with its metadata and the experiment splitting it. */
    void models(JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeArrayFieldStart("models");
        for (RegisteredModel m : registry.models()) {
            out.writeStartObject();
            out.writeStringField("name", m.name());
            out.writeNumberField("version", m.version());
            out.writeStringField("format", m.info().format().yamlName());
            out.writeStringField("service", m.info().service());
            out.writeStringField("owner", m.info().owner());
            out.writeStringField("description", m.info().description());
            if (m.info().threshold() == null) {
                out.writeNullField("threshold");
            } else {
                out.writeNumberField("threshold", m.info().threshold());
            }
            out.writeArrayFieldStart("features");
            for (String f : m.model().inputs()) {
                out.writeString(f);
            }
            out.writeEndArray();
            out.writeObjectFieldStart("training");
            for (Map.Entry<String, String> e : m.info().training().entrySet()) {
                out.writeStringField(e.getKey(), e.getValue());
            }
            out.writeEndObject();
            LiveExperiment x = experiments.get(m.name());
            if (x == null) {
                out.writeNullField("experiment");
            } else {
                out.writeStringField("experiment", x.experiment().name());
            }
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeEndObject();
    }

    /** One alert condition per rolled-back variant of an experiment ({@link QualityMonitor#watch}). */
    public List<QualityMonitor.Condition> rollbacks() {
        List<QualityMonitor.Condition> out = new java.util.ArrayList<>();
        for (LiveExperiment live : experiments.values()) {
            Experiment x = live.experiment();
            for (LiveExperiment.VariantStatus v : live.status()) {
                if (v.rollback() != null) {
                    out.add(new QualityMonitor.Condition("experiment_rollback/" + x.name() + "." + v.name(), "experiment_rollback",
                            "experiment " + x.name() + ", variant " + v.name(), "variant " + v.name() + " (" + x.model() + " v"
                            + v.version() + ") of experiment " + x.name() + " was rolled back to control at "
                            + java.time.Instant.ofEpochMilli(v.rollback().at()) + ": " + v.rollback().reason()
                            + "; its traffic goes to control until the experiment changes"));
                }
            }
        }
        return out;
    }

    /** {@code GET /v1/experiments}: each experiment's variants, shares, rollbacks and window figures. */
    void experiments(JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeArrayFieldStart("experiments");
        for (LiveExperiment live : experiments.values()) {
            Experiment x = live.experiment();
            out.writeStartObject();
            out.writeStringField("name", x.name());
            out.writeStringField("model", x.model());
            out.writeStringField("salt", x.salt());
            out.writeNumberField("window_s", x.guardrails().window().millis() / 1000);
            out.writeObjectFieldStart("guardrails");
            number(out, "max_error_rate", x.guardrails().maxErrorRate());
            number(out, "max_p99_ms", x.guardrails().maxP99Millis());
            number(out, "max_score_psi", x.guardrails().maxScorePsi());
            out.writeNumberField("min_requests", x.guardrails().minRequests());
            out.writeEndObject();
            out.writeArrayFieldStart("variants");
            for (LiveExperiment.VariantStatus v : live.status()) {
                out.writeStartObject();
                out.writeStringField("name", v.name());
                out.writeNumberField("version", v.version());
                out.writeNumberField("configured_share", v.configuredShare());
                out.writeNumberField("share", v.share());
                out.writeStringField("status", v.rollback() == null ? "active" : "rolled_back");
                if (v.rollback() == null) {
                    out.writeNullField("rollback");
                } else {
                    out.writeObjectFieldStart("rollback");
                    out.writeStringField("reason", v.rollback().reason());
                    out.writeNumberField("at", v.rollback().at());
                    out.writeEndObject();
                }
                out.writeNumberField("requests", v.stats().requests());
                out.writeNumberField("errors", v.stats().errors());
                number(out, "error_rate", v.stats().errorRate());
                number(out, "p99_ms", v.stats().p99Millis());
                number(out, "mean_score", v.stats().meanScore());
                number(out, "score_psi_vs_control", v.scorePsi());
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeArrayFieldStart("shadows");
            for (int s : x.shadows()) {
                out.writeNumber(s);
            }
            out.writeEndArray();
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeEndObject();
    }

    private static void number(JsonGenerator out, String name, Double d) throws IOException {
        if (d == null || !Double.isFinite(d)) {
            out.writeNullField(name);
        } else {
            out.writeNumberField(name, d);
        }
    }

    @Override
    public void close() {
        guard.shutdownNow();
    }
}
