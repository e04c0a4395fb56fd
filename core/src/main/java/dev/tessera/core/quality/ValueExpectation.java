package dev.tessera.core.quality;

import dev.tessera.api.Expectation;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live check of one {@link Expectation} on one stream of values: a source field as events are
 * decoded, or a served feature as it is read. {@link #observe} counts each value and each rule it
 * breaks; {@link #snapshot} gives the cumulative counts, which windowed views (the alert monitor,
 * the console) difference over time. Thread-safe: counts are {@link LongAdder}s, so observing from
 * several threads never blocks.
 *
 * <p>Which rule a value breaks: null (or NaN, or infinite, as in SPEC §3) counts toward
 * {@code not_null} and {@code max_null_rate} and nothing else; a non-null value that is not a number
 * breaks {@code min} (or {@code max} when only that is set), since it cannot be compared; a value
 * whose text is not listed breaks {@code allowed}. Lists are never null and are checked for nulls
 * only.
 */
public final class ValueExpectation {
    /** Longest value text kept as the example of the last violation. */
    private static final int MAX_EXAMPLE = 80;

    private final String kind;
    private final String owner;
    private final String name;
    private final Expectation expectation;
    private final double min;
    private final double max;
    private final Set<String> allowed;
    private final LongAdder checked = new LongAdder();
    private final LongAdder nulls = new LongAdder();
    private final LongAdder belowMin = new LongAdder();
    private final LongAdder aboveMax = new LongAdder();
    private final LongAdder notAllowed = new LongAdder();
    private volatile Violation last;

    /**
     * @param kind  "source" (a source field) or "feature" (a served feature)
     * @param owner the source's name, or the feature's group
     * @param name  the field's name, or the feature's served name
     */
    public ValueExpectation(String kind, String owner, String name, Expectation expectation) {
        this.kind = kind;
        this.owner = owner;
        this.name = name;
        this.expectation = expectation;
        this.min = expectation.min() == null ? Double.NEGATIVE_INFINITY : expectation.min();
        this.max = expectation.max() == null ? Double.POSITIVE_INFINITY : expectation.max();
        this.allowed = expectation.allowed().isEmpty() ? null : new HashSet<>(expectation.allowed());
    }

    public String kind() {
        return kind;
    }

    public String owner() {
        return owner;
    }

    public String name() {
        return name;
    }

    public Expectation expectation() {
        return expectation;
    }

    /** Checks one value (event field or served value), observed at wall-clock {@code now}. */
    public void observe(Object value, long now) {
        checked.increment();
        if (value == null || value instanceof Double d && !Double.isFinite(d)) {
            nulls.increment();
            if (expectation.notNull()) {
                last = new Violation(Expectation.Rule.NOT_NULL, "null", now);
            } else if (expectation.maxNullRate() != null) {
                last = new Violation(Expectation.Rule.MAX_NULL_RATE, "null", now); // when the last null came
            }
            return;
        }
        if (value instanceof List<?>) {
            return;
        }
        if (expectation.min() != null || expectation.max() != null) {
            if (!(value instanceof Number n)) {
                (expectation.min() != null ? belowMin : aboveMax).increment();
                last = new Violation(expectation.min() != null ? Expectation.Rule.MIN : Expectation.Rule.MAX,
                        example(value) + " (not a number)", now);
                return;
            }
            double d = n.doubleValue();
            if (d < min) {
                belowMin.increment();
                last = new Violation(Expectation.Rule.MIN, example(value), now);
            } else if (d > max) {
                aboveMax.increment();
                last = new Violation(Expectation.Rule.MAX, example(value), now);
            }
        }
        if (allowed != null && !allowed.contains(text(value))) {
            notAllowed.increment();
            last = new Violation(Expectation.Rule.ALLOWED, example(value), now);
        }
    }

    /** A value as the allowed list spells it: numbers without a needless ".0". */
    static String text(Object value) {
        if (value instanceof Double d) {
            return Expectation.number(d);
        }
        return value.toString();
    }

    private static String example(Object value) {
        String s = text(value);
        return s.length() > MAX_EXAMPLE ? s.substring(0, MAX_EXAMPLE) + "..." : s;
    }

    /**
     * Folds in counts of the same rule checked elsewhere (a stateless serving node adds what the
     * Flink job's subtasks published, ADR 030): {@code delta}'s counts are added, and its last
     * violation replaces this one's when it is newer.
     */
    public void add(Snapshot delta) {
        checked.add(delta.checked());
        nulls.add(delta.nulls());
        belowMin.add(delta.belowMin());
        aboveMax.add(delta.aboveMax());
        notAllowed.add(delta.notAllowed());
        Violation v = delta.last();
        Violation mine = last;
        if (v != null && (mine == null || v.at() >= mine.at())) {
            last = v;
        }
    }

    public Snapshot snapshot() {
        return new Snapshot(checked.sum(), nulls.sum(), belowMin.sum(), aboveMax.sum(), notAllowed.sum(), last);
    }

    /** The last value that broke a rule. */
    public record Violation(Expectation.Rule rule, String value, long at) {
    }

    /** Cumulative counts since start; subtract an older snapshot for a window. */
    public record Snapshot(long checked, long nulls, long belowMin, long aboveMax, long notAllowed, Violation last) {
        public static final Snapshot EMPTY = new Snapshot(0, 0, 0, 0, 0, null);

        public Snapshot minus(Snapshot older) {
            return new Snapshot(checked - older.checked, nulls - older.nulls, belowMin - older.belowMin,
                    aboveMax - older.aboveMax, notAllowed - older.notAllowed, last);
        }

        /** Values that broke {@code rule} (for max_null_rate: the nulls; max_psi is not counted here). */
        public long violations(Expectation.Rule rule) {
            return switch (rule) {
                case MIN -> belowMin;
                case MAX -> aboveMax;
                case NOT_NULL, MAX_NULL_RATE -> nulls;
                case ALLOWED -> notAllowed;
                case MAX_PSI -> 0;
            };
        }

        /** The share of nulls, or NaN before any value. */
        public double nullRate() {
            return checked == 0 ? Double.NaN : (double) nulls / checked;
        }
    }
}
