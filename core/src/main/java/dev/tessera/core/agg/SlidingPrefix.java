package dev.tessera.core.agg;

/**
 * A {@link WindowPrefix} that can also forget its oldest IRs ({@link #dropOldest}), so that a window
 * whose start slides past a tile is not folded again from its first tile (ADR 011). It keeps the IRs
 * appended (borrowed references, oldest first, nulls included) and a state of its own from which the
 * contract's answer can be computed exactly, and updated when an IR joins or leaves:
 * <ul>
 *   <li>for aggregations whose merge does not depend on order or grouping at all — count, integer
 *       sums, min, max, first, last, last_k, and the exact forms of approx_distinct, approx_percentile
 *       and top_k — a state that supports removal (a total, a monotonic queue, a multiset);</li>
 *   <li>for a double sum, whose compensated merge does depend on order, a compact copy of each IR's
 *       parts, folded again from the copy (no tile is touched) after a drop.</li>
 * </ul>
 * When the state cannot answer exactly (an IR that is itself a sketch, a window past the exact
 * form's limit), the prefix gives up for good: it becomes the folding prefix of its kind
 * ({@link #folded()}, made from the IRs kept) and refuses drops, so the caller makes a new prefix at
 * the next slide — what every read did before this class.
 *
 * <p>The contract's two special cases are kept here for every kind: no IR at all answers
 * {@code last}'s result or the empty value; a single IR and no {@code last} answers that IR's own
 * result. Subclasses answer the rest ({@link #exactResult}).
 */
abstract class SlidingPrefix implements WindowPrefix {
    /** What {@link #exactResult} returns when its state cannot answer exactly. */
    static final Object CANNOT = new Object();

    final Aggregator aggregator;
    /** The IRs appended and not dropped, oldest first: {@code held[(first + i) & (held.length - 1)]}, i < size (the length is a power of two). */
    private Ir[] held = new Ir[4];
    private int first;
    private int size;
    private int nonNull;
    /** Once the state gave up: the folding prefix of the IRs held, which answers from then on. */
    private WindowPrefix folded;
    /** Bumped by every append and drop: what a subclass derived from the IRs held is current while this is. */
    private long changes;

    SlidingPrefix(Aggregator aggregator) {
        this.aggregator = aggregator;
    }

    /**
     * Adds a non-null IR to the state; false when the state cannot represent it exactly. By default
     * nothing is kept beyond the held IRs themselves (first, last, last_k answer from those).
     */
    boolean added(Ir ir) {
        return true;
    }

    /** Removes a non-null IR (the oldest one added and not removed) from the state; false when it cannot. */
    boolean removed(Ir ir) {
        return true;
    }

    /**
     * The contract's answer for the IRs held (at least one non-null) followed by {@code last} (may be
     * null; when exactly one held IR is non-null, {@code last} is not null), or {@link #CANNOT}.
     */
    abstract Object exactResult(Ir last);

    /** The folding prefix of this kind, used once the state gave up. */
    WindowPrefix folded() {
        return new MergedPrefix(aggregator);
    }

    /** Called when the state gave up, so subclasses can drop what they hold. */
    void released() {
    }

    @Override
    public final void append(Ir ir) {
        changes++;
        if (size == held.length) {
            Ir[] grown = new Ir[held.length * 2];
            for (int i = 0; i < size; i++) {
                grown[i] = held[(first + i) & (held.length - 1)];
            }
            held = grown;
            first = 0;
        }
        held[(first + size) & (held.length - 1)] = ir;
        size++;
        if (ir != null) {
            nonNull++;
        }
        if (folded != null) {
            folded.append(ir);
        } else if (ir != null && !added(ir)) {
            giveUp();
        }
    }

    @Override
    public final boolean dropOldest(int n) {
        if (folded != null || n > size) {
            return false;
        }
        changes++;
        for (int i = 0; i < n; i++) {
            Ir ir = held[first];
            held[first] = null;
            first = (first + 1) & (held.length - 1);
            size--;
            if (ir != null) {
                nonNull--;
                if (!removed(ir)) {
                    folded = new MergedPrefix(aggregator); // unusable: the caller makes a new prefix
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public final Object resultWith(Ir last) {
        if (folded != null) {
            return folded.resultWith(last);
        }
        if (nonNull == 0) {
            return last == null ? aggregator.emptyResult() : last.result();
        }
        if (nonNull == 1 && last == null) {
            return held(0, true).result();
        }
        Object r = exactResult(last);
        if (r != CANNOT) {
            return r;
        }
        giveUp();
        return folded.resultWith(last);
    }

    /**
     * Changes with every append and every drop. A subclass that remembers what a read found for its
     * last IR (the IR only grows between reads) keeps its memo while this and that IR are the same.
     */
    final long changes() {
        return changes;
    }

    /** Whether the state gave up (for tests). */
    final boolean gaveUp() {
        return folded != null;
    }

    private void giveUp() {
        WindowPrefix f = folded();
        for (int i = 0; i < size; i++) {
            f.append(held[(first + i) & (held.length - 1)]);
        }
        folded = f;
        released();
    }

    /** Number of IRs held, nulls included. */
    final int heldCount() {
        return size;
    }

    /**
     * The {@code i}-th non-null IR held, counted from the oldest ({@code oldestFirst}) or from the
     * newest; null when there are not that many.
     */
    final Ir held(int i, boolean oldestFirst) {
        int seen = 0;
        for (int j = 0; j < size; j++) {
            Ir ir = held[(first + (oldestFirst ? j : size - 1 - j)) & (held.length - 1)];
            if (ir != null && seen++ == i) {
                return ir;
            }
        }
        return null;
    }

    /** The IR at {@code j} among all held (nulls included), oldest first. */
    final Ir heldAt(int j) {
        return held[(first + j) & (held.length - 1)];
    }
}
