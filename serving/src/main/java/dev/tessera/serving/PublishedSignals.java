package dev.tessera.serving;

import dev.tessera.api.Definitions;
import dev.tessera.api.Expectation;
import dev.tessera.api.Source;
import dev.tessera.core.quality.ValueExpectation;
import dev.tessera.core.event.SourceFields;
import dev.tessera.runtime.FieldPresence;
import dev.tessera.runtime.SourceCounters.Outcome;
import dev.tessera.runtime.SourceDiagnostics;
import dev.tessera.runtime.StoreFeatureReader;
import dev.tessera.runtime.WriterCounts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SourceSignals} of a stateless serving node: freshness from the writers' progress records
 * (as {@link SourceSignals#of(dev.tessera.runtime.FeatureReader)}), and the outcome counts and source
 * rule checks the Flink job's subtasks publish to the store ({@link WriterCounts}, ADR 030), summed, and
 * how often their events carried each field the features read ({@link FieldPresence}); for a
 * source an embedded runtime writes to the store ({@code tessera run --redis}), its committed counts.
 *
 * <p>Each subtask's counts are cumulative since it started, and start again from zero when it
 * restarts (a new incarnation). This node keeps its own cumulative totals and adds each writer's
 * increase since the last read, as a monitoring system adds a counter's increase across resets: a
 * writer seen for the first time, or in a new incarnation, adds all it published; a count that went
 * down without a new incarnation adds its new value. So totals never go backwards and windowed
 * views (the alert monitor, the console) can difference them. They lag the job by up to its publish
 * interval plus this node's read interval ({@link #MAX_AGE_MILLIS}).
 *
 * <p>Thread-safe: reads of the store happen in {@link #refresh} (and in {@link #counters} when the
 * last read is older than {@link #MAX_AGE_MILLIS}), under this object's lock. A store that does not
 * answer leaves the totals as they were.
 */
public final class PublishedSignals implements SourceSignals {
    private static final Logger LOG = LoggerFactory.getLogger(PublishedSignals.class);
    /** Counts are read from the store at most this often. */
    static final long MAX_AGE_MILLIS = 1_000;

    private final StoreFeatureReader reader;
    private final SourceSignals freshness;
    private final LongSupplier clock;
    private final List<String> sources;
    /** Per source: this node's totals by outcome code. */
    private final Map<String, Map<String, Long>> totals = new LinkedHashMap<>();
    /** Per source: the check of each field's rule, whose counts this node adds to. */
    private final Map<String, Map<String, ValueExpectation>> checks = new LinkedHashMap<>();
    private final List<ValueExpectation> rules = new ArrayList<>();
    /** Per source: the presence of the fields its features read, in the events the writers decoded. */
    private final Map<String, FieldPresence> presence = new LinkedHashMap<>();
    /** Per source and writer: what was read last. */
    private final Map<String, Map<String, WriterCounts>> seen = new HashMap<>();
    private long readAt = Long.MIN_VALUE;

    public PublishedSignals(Definitions defs, StoreFeatureReader reader, LongSupplier clock) {
        this.reader = reader;
        this.freshness = SourceSignals.of(reader);
        this.clock = clock;
        this.sources = freshness.sources();
        for (String name : sources) {
            Source source = defs.source(name).orElseThrow();
            Map<String, Long> t = new LinkedHashMap<>();
            for (Outcome o : Outcome.values()) {
                t.put(o.code(), 0L);
            }
            totals.put(name, t);
            Map<String, ValueExpectation> byField = new LinkedHashMap<>();
            for (Map.Entry<String, Expectation> e : source.expectations().entrySet()) {
                ValueExpectation check = new ValueExpectation("source", name, e.getKey(), e.getValue());
                byField.put(e.getKey(), check);
                rules.add(check);
            }
            checks.put(name, byField);
            presence.put(name, new FieldPresence(defs, source, SourceFields.layout(defs, source)));
            seen.put(name, new HashMap<>());
        }
    }

    @Override
    public List<String> sources() {
        return sources;
    }

    @Override
    public long newestEventTime(String source) {
        return freshness.newestEventTime(source);
    }

    @Override
    public long lag(String source) {
        return -1;
    }

    @Override
    public synchronized Map<String, Long> counters(String source) {
        if (readAt == Long.MIN_VALUE || clock.getAsLong() - readAt >= MAX_AGE_MILLIS) {
            refresh();
        }
        Map<String, Long> t = totals.get(source);
        return t == null ? Map.of() : new LinkedHashMap<>(t);
    }

    @Override
    public synchronized List<SourceDiagnostics.Field> fields(String source) {
        if (readAt == Long.MIN_VALUE || clock.getAsLong() - readAt >= MAX_AGE_MILLIS) {
            refresh();
        }
        FieldPresence p = presence.get(source);
        return p == null ? List.of() : p.fields();
    }

    @Override
    public List<ValueExpectation> rules() {
        return List.copyOf(rules);
    }

    @Override
    public synchronized void refresh() {
        readAt = clock.getAsLong();
        for (String source : sources) {
            Map<String, WriterCounts> now;
            try {
                now = reader.writerCounts(source);
            } catch (RuntimeException e) {
                LOG.warn("could not read the published counts of source '{}' ({}); keeping the last ones", source, e.getMessage());
                continue;
            }
            Map<String, WriterCounts> before = seen.get(source);
            for (Map.Entry<String, WriterCounts> w : now.entrySet()) {
                WriterCounts prev = before.get(w.getKey());
                if (prev != null && prev.incarnation() != w.getValue().incarnation()) {
                    prev = null; // the writer restarted: all it counts now is new
                }
                addIncrease(source, prev, w.getValue());
                before.put(w.getKey(), w.getValue());
            }
        }
    }

    private void addIncrease(String source, WriterCounts prev, WriterCounts cur) {
        Map<String, Long> t = totals.get(source);
        cur.outcomes().forEach((code, v) -> {
            long increase = increase(prev == null ? null : prev.outcomes().get(code), v);
            if (increase != 0) {
                t.merge(code, increase, Long::sum);
            }
        });
        if (cur.fieldEvents() > 0) {
            Map<String, Long> present = new HashMap<>();
            cur.fieldsPresent().forEach((field, n) -> present.put(field, increase(prev == null ? null : prev.fieldsPresent().get(field), n)));
            presence.get(source).add(increase(prev == null ? null : prev.fieldEvents(), cur.fieldEvents()), present);
        }
        Map<String, ValueExpectation> byField = checks.get(source);
        cur.rules().forEach((field, s) -> {
            ValueExpectation check = byField.get(field);
            if (check == null) {
                return; // a rule this node's definitions do not have
            }
            ValueExpectation.Snapshot p = prev == null ? null : prev.rules().get(field);
            ValueExpectation.Violation last = p != null && s.last() != null && s.last().equals(p.last()) ? null : s.last();
            check.add(new ValueExpectation.Snapshot(
                    increase(p == null ? null : p.checked(), s.checked()),
                    increase(p == null ? null : p.nulls(), s.nulls()),
                    increase(p == null ? null : p.belowMin(), s.belowMin()),
                    increase(p == null ? null : p.aboveMax(), s.aboveMax()),
                    increase(p == null ? null : p.notAllowed(), s.notAllowed()), last));
        });
    }

    /** What a cumulative count grew by since {@code before} (all of it when there was none, or it went down). */
    private static long increase(Long before, long now) {
        if (before == null || now < before) {
            return now;
        }
        return now - before;
    }
}
