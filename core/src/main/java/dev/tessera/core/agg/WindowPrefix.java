package dev.tessera.core.agg;

/**
 * The older tiles of a read window merged once and kept, so that each read merges only the window's
 * last tile into it (ADR 007, addendum). Made by {@link Aggregator#newWindowPrefix()}, owned by one
 * reader (not thread-safe).
 *
 * <h2>Contract</h2>
 * After {@link #append} was called with the IRs {@code a1, …, an} (oldest tile first; null for a tile
 * whose slot holds no IR), {@link #resultWith resultWith(last)} returns exactly what the full merge of
 * the window {@code a1, …, an, last} returns — equal by {@code equals}, so doubles bit for bit:
 * <ul>
 *   <li>no IR at all: {@link Aggregator#emptyResult()};</li>
 *   <li>exactly one IR: that IR's {@link Ir#result()};</li>
 *   <li>otherwise: the left fold into a fresh {@link Aggregator#newMergeTarget()}, oldest first, then
 *       {@link Ir#result()} of the target.</li>
 * </ul>
 * Neither call changes the IRs it is given, except that approx_percentile may sort an exact buffer
 * in place (its order is not state). The appended IRs must not change while the prefix is in use
 * (the tile ring's {@code olderTilesModCount} tells the reader when they did: it then makes a new
 * prefix). The IRs are read as a ring holds them: {@code last} is the tile after the appended ones;
 * between calls it may only grow (values added to the same IR object: the newest tile receiving
 * events), and the next IR appended is that same {@code last} — a prefix whose window changes in
 * any other way is dropped and a new one made. approx_distinct relies on this (it absorbs the last
 * IR's hashes into its fold) and throws {@link IllegalStateException} when it is broken.
 *
 * <h2>Implementations</h2>
 * Every aggregation's prefix is first a {@link SlidingPrefix} (ADR 011), which can also drop its
 * oldest IRs; when its exact state cannot answer, it becomes the folding prefix of its kind:
 * {@link MergedPrefix} keeps the fold and merges it and {@code last} into a fresh target on each
 * read: enough for count, sum, avg, min, max, first, last and last_k (their IRs are a few fields or
 * at most k entries). The sketches override the read with exact shortcuts that give the same
 * answer without copying the fold: {@link DistinctPrefix}, {@link PercentilePrefix},
 * {@link TopKPrefix}. Each falls back to the generic read whenever its shortcut's condition does not
 * hold, and {@code PrefixReadTest} compares every read with the full merge.
 */
public interface WindowPrefix {
    /** Folds the IR of the next tile (null when that tile's slot has none) into the prefix. */
    void append(Ir ir);

    /**
     * Drops the {@code n} oldest IRs appended (counting nulls), as when the window's start moves past
     * their tiles, if this prefix can do so and still keep the contract for the IRs left. Returns
     * false when it cannot (the default: a fold cannot forget what it merged); the prefix is then
     * unusable and the caller makes a new one. See {@link SlidingPrefix}.
     */
    default boolean dropOldest(int n) {
        return false;
    }

    /** The window's value: the appended IRs followed by {@code last} (null when none), merged as the contract says. */
    Object resultWith(Ir last);
}
