package dev.tessera.serving;

import dev.tessera.api.Definitions;
import dev.tessera.api.Expectation;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.TimeSpan;
import dev.tessera.core.quality.DriftTracker;
import dev.tessera.core.quality.ValueExpectation;
import dev.tessera.runtime.FeatureReader;
import dev.tessera.runtime.FeatureValues;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Quality and drift of the values this node serves (SPEC §8): each served feature's
 * {@code expect:} rules ({@link ValueExpectation}) and its drift ({@link DriftTracker}) against a
 * training-set reference or the earlier window.
 *
 * <p>Fed by {@link #monitor}, a {@link FeatureReader} decorator: every read of an entity that has
 * state is observed, up to {@code maxReadsPerSecond} reads per second per group (the rest are not
 * observed, so the cost stays bounded at any request rate; about a microsecond per observed feature).
 * Reads of entities without state are not observed: they are unknown keys as often as new customers,
 * and their empty values would swamp the distribution.
 */
public final class ServedQuality {
    /** Reads observed per second per group by default. */
    public static final int DEFAULT_MAX_READS_PER_SECOND = 200;
    /** The earlier-window reference spans this by default. */
    public static final TimeSpan DEFAULT_DRIFT_WINDOW = TimeSpan.parse("1h");

    private final Map<String, Group> groups = new HashMap<>();
    private final List<Served> all = new ArrayList<>();
    private final LongSupplier clock;
    private final int maxReadsPerSecond;

    /** One served feature: its rules (null without) and its drift. */
    public record Served(String group, String name, ValueExpectation rules, DriftTracker drift, Double maxPsi) {
        public String qualifiedName() {
            return group + "." + name;
        }
    }

    private record Group(Served[] served, AtomicLong second, AtomicLong observed) {
    }

    /**
     * @param references per qualified feature name, reference values (a training-set column); features
     *                   without one drift against the earlier window of {@code driftWindow}
     */
    public ServedQuality(Definitions defs, FeatureReader reader, Map<String, List<Object>> references, String referenceLabel,
                         TimeSpan driftWindow, int maxReadsPerSecond, LongSupplier clock) {
        this.clock = clock;
        this.maxReadsPerSecond = maxReadsPerSecond;
        long now = clock.getAsLong();
        for (String g : reader.groups()) {
            FeatureGroup group = defs.groups().get(g);
            List<String> names = reader.servedNames(g);
            Served[] served = new Served[names.size()];
            for (int i = 0; i < names.size(); i++) {
                Expectation x = expectationOf(group, names.get(i));
                String qualified = g + "." + names.get(i);
                List<Object> ref = references.get(qualified);
                DriftTracker drift = ref != null
                        ? DriftTracker.againstReference(ref, referenceLabel, driftWindow.millis(), now)
                        : DriftTracker.againstEarlierWindow(driftWindow.millis(), now);
                served[i] = new Served(g, names.get(i), x == null ? null : new ValueExpectation("feature", g, names.get(i), x),
                        drift, x == null ? null : x.maxPsi());
                all.add(served[i]);
            }
            groups.put(g, new Group(served, new AtomicLong(), new AtomicLong()));
        }
    }

    private static Expectation expectationOf(FeatureGroup group, String served) {
        if (group == null) {
            return null;
        }
        for (Feature f : group.features()) {
            if (f.servedNames().contains(served)) {
                return f.expect();
            }
        }
        return null;
    }

    /** Every served feature, by group then declaration order. */
    public List<Served> served() {
        return all;
    }

    /** The rules of every served feature that has some. */
    public List<ValueExpectation> rules() {
        return all.stream().filter(s -> s.rules() != null).map(Served::rules).toList();
    }

    /** {@code reader}, observing what it serves. */
    public FeatureReader monitor(FeatureReader reader) {
        return new Monitored(reader);
    }

    void observe(FeatureValues fv) {
        Group g = groups.get(fv.group());
        if (g == null || !fv.found()) {
            return;
        }
        long now = clock.getAsLong();
        long second = now / 1000;
        if (g.second.get() != second) {
            g.second.set(second);
            g.observed.set(0);
        }
        if (g.observed.incrementAndGet() > maxReadsPerSecond) {
            return;
        }
        List<Object> values = fv.values();
        for (int i = 0; i < g.served.length; i++) {
            Served s = g.served[i];
            Object v = values.get(i);
            if (s.rules() != null) {
                s.rules().observe(v, now);
            }
            s.drift().observe(v, now);
        }
    }

    private final class Monitored implements FeatureReader {
        private final FeatureReader inner;

        Monitored(FeatureReader inner) {
            this.inner = inner;
        }

        @Override
        public List<String> groups() {
            return inner.groups();
        }

        @Override
        public List<String> servedNames(String group) {
            return inner.servedNames(group);
        }

        @Override
        public List<String> entityKeyFields(String group) {
            return inner.entityKeyFields(group);
        }

        @Override
        public FeatureValues read(String group, List<String> entityKey, long now) {
            FeatureValues fv = inner.read(group, entityKey, now);
            observe(fv);
            return fv;
        }

        @Override
        public long newestEventTime(String group) {
            return inner.newestEventTime(group);
        }

        @Override
        public String sourceOf(String group) {
            return inner.sourceOf(group);
        }
    }
}
