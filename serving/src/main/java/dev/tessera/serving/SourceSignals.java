package dev.tessera.serving;

import dev.tessera.core.quality.ValueExpectation;
import dev.tessera.runtime.FeatureReader;
import dev.tessera.runtime.StreamRuntime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the {@link QualityMonitor} watches of each source: freshness, lag, outcome counts and the
 * source's quality rules. A node running the stream runtime knows all of it; a stateless serving
 * node (reading Redis) knows freshness from what the writers recorded, and the counts and rule checks
 * the Flink job's subtasks publish ({@link PublishedSignals}); lag it does not know.
 */
public interface SourceSignals {
    /** The sources watched, in definition order. */
    List<String> sources();

    /** Event time of the newest applied event, or {@link Long#MIN_VALUE} before any. */
    long newestEventTime(String source);

    /** Records not consumed yet, or -1 when unknown. */
    long lag(String source);

    /** Cumulative outcome counts ({@code in}, {@code accepted}, {@code late}...), empty when unknown. */
    Map<String, Long> counters(String source);

    /** The live checks of the sources' {@code expect:} rules, empty when not checked here. */
    List<ValueExpectation> rules();

    /**
     * Each field the source's features read, with the events seen since start and how many carried it;
     * empty when not counted (a serving node whose writers do not publish it).
     */
    default List<dev.tessera.runtime.SourceDiagnostics.Field> fields(String source) {
        return List.of();
    }

    /**
     * Brings counts and rule snapshots up to date where they are read from elsewhere (the store); a
     * sampler calls it before reading them. Nothing to do when they are live in this process.
     */
    default void refresh() {
    }

    static SourceSignals of(StreamRuntime rt) {
        return new SourceSignals() {
            @Override
            public List<String> sources() {
                return rt.sources();
            }

            @Override
            public long newestEventTime(String source) {
                return rt.newestEventTime(source);
            }

            @Override
            public long lag(String source) {
                return rt.lag(source);
            }

            @Override
            public Map<String, Long> counters(String source) {
                return rt.counters(source);
            }

            @Override
            public List<ValueExpectation> rules() {
                return rt.quality();
            }

            @Override
            public List<dev.tessera.runtime.SourceDiagnostics.Field> fields(String source) {
                return rt.fieldPresence(source);
            }
        };
    }

    /** Freshness of each source that feeds a group of {@code reader} (the stalest of its groups), nothing else. */
    static SourceSignals of(FeatureReader reader) {
        Map<String, List<String>> groupsBySource = new LinkedHashMap<>();
        for (String g : reader.groups()) {
            groupsBySource.computeIfAbsent(reader.sourceOf(g), s -> new ArrayList<>()).add(g);
        }
        return new SourceSignals() {
            @Override
            public List<String> sources() {
                return List.copyOf(groupsBySource.keySet());
            }

            @Override
            public long newestEventTime(String source) {
                long newest = Long.MAX_VALUE;
                for (String g : groupsBySource.get(source)) {
                    newest = Math.min(newest, reader.newestEventTime(g));
                }
                return newest;
            }

            @Override
            public long lag(String source) {
                return -1;
            }

            @Override
            public Map<String, Long> counters(String source) {
                return Map.of();
            }

            @Override
            public List<ValueExpectation> rules() {
                return List.of();
            }
        };
    }
}
