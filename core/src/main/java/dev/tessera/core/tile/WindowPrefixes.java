package dev.tessera.core.tile;

import dev.tessera.core.agg.Aggregator;
import dev.tessera.core.agg.Ir;
import dev.tessera.core.agg.WindowPrefix;

/**
 * The second level of the read cache of {@link GroupAggregator#read(EntityTiles, long, int)}: per
 * entity and served feature, the merge of the window's tiles but the last, so that a read right
 * after an event does not merge every tile of every window again (ADR 007 and its addendum).
 *
 * <h2>The window merge, and what it depends on</h2>
 * A served feature reads the IRs of one slot in tiles {@code [from, to)} of one ring. The value is
 * defined as the left fold of those IRs into a fresh merge target ({@link Aggregator#newMergeTarget()}),
 * oldest tile first, finished by {@link Ir#result()}; a window where only one tile holds an IR answers
 * that IR's result. {@link GroupAggregator#readFullMerge} computes exactly that, and is what every
 * test compares this class with.
 *
 * <h2>Level 1: the last result</h2>
 * Kept in {@link EntityTiles} and checked by {@link GroupAggregator#read(EntityTiles, long, int)}
 * itself, so a hit costs what it cost before this class: the result, the ring's
 * {@link TileRing#modCount()} and the range {@code [from, to)} it was computed from, returned as is
 * while all three are unchanged (an entity read again before its next event, within the same hops).
 *
 * <h2>Level 2: the merged prefix (this class)</h2>
 * Events in time order only change the newest tile of a ring (its head), so the prefix of every tile
 * but the last one of a window, {@code [from, to - 1)}, stays valid across events. It is kept as a
 * {@link WindowPrefix} with the <i>positions</i> of {@code from} and {@code end = to - 1} (index plus
 * {@link TileRing#evictedTiles()}, so evictions do not move them) and the ring's
 * {@link TileRing#olderTilesModCount()}, which changes on every change to a tile that is not the head
 * (a late event), every tile inserted before the head and every {@link TileRing#put}, but not on
 * evictions. A read then combines the prefix with the window's last tile only. The prefix answers
 * exactly what the full fold answers ({@link WindowPrefix}'s contract).
 * <ul>
 *   <li><b>Unchanged</b> (positions and version equal): reuse.</li>
 *   <li><b>Slid and grown</b> (same version; the window's start moved forward by {@code n} tiles, not
 *       past the prefix's end; its end did not move back): the prefix drops its {@code n} oldest IRs
 *       ({@link WindowPrefix#dropOldest}, ADR 011: each kind keeps a state it can take an IR out of
 *       and still answer as the full fold does), then the tiles {@code [oldEnd, end)} are appended
 *       (a new head was appended, so the former head joined the prefix; appending continues the same
 *       left fold). The former last tile is always the first one appended, as the prefix's contract
 *       requires. The dropped tiles are usually evicted by then: the prefix holds its own references.</li>
 *   <li><b>Anything else</b> (a late event, a put, a read at an earlier time, a prefix that cannot
 *       drop: the folding ones of sketches past their exact forms): a new prefix of
 *       {@code [from, end)}.</li>
 * </ul>
 *
 * <h2>Memory</h2>
 * Per entity that is read: the arrays here and in {@link EntityTiles} (about 50 bytes per served
 * feature) and, per served feature, the prefix: a reference per tile of the window, and the state of
 * its kind (a total; a queue; the parts of each sum IR; a multiset of hashes and coupons, values or
 * counts, each bounded by its exact limit), or, once it gave up, one merged IR and what its shortcut
 * derived from it. ADR 011 lists the sizes; bench/RESULTS.md measures them for the 50-feature
 * benchmark group. Nothing is allocated for entities that are never read.
 *
 * <p>Not thread-safe: it follows the threading rule of the {@link EntityTiles} that holds it.
 */
final class WindowPrefixes {
    /** The prefix of each feature's window ({@link Aggregator#newWindowPrefix()}); null while none is kept. */
    private final WindowPrefix[] prefixes;
    /** Position ({@link TileRing#evictedTiles()} + index) of the prefix's first tile. */
    private final long[] prefixFrom;
    /** One past the position of the prefix's last tile: the position of the window's last tile when it was made. */
    private final long[] prefixEnd;
    private final long[] prefixVersions;

    WindowPrefixes(int features) {
        prefixes = new WindowPrefix[features];
        prefixFrom = new long[features];
        prefixEnd = new long[features];
        prefixVersions = new long[features];
    }

    /** The value of feature {@code feature}: slot {@code slot} of tiles {@code [from, to)} (non-empty) of {@code ring}. */
    Object read(TileRing ring, int from, int to, int slot, Aggregator aggregator, int feature) {
        int end = to - 1;
        Ir last = ring.ir(end, slot);
        if (from == end) {
            return last == null ? aggregator.emptyResult() : last.result();
        }
        return prefix(ring, from, end, slot, aggregator, feature).resultWith(last);
    }

    /** The prefix of slot {@code slot} over tiles {@code [from, end)}: kept, slid, grown, or made again. */
    private WindowPrefix prefix(TileRing ring, int from, int end, int slot, Aggregator aggregator, int feature) {
        long version = ring.olderTilesModCount();
        long evicted = ring.evictedTiles();
        long fromPos = from + evicted;
        long endPos = end + evicted;
        WindowPrefix prefix = prefixes[feature];
        int start;
        if (prefix != null && prefixVersions[feature] == version && prefixFrom[feature] <= fromPos
                && fromPos <= prefixEnd[feature] && prefixEnd[feature] <= endPos
                && (prefixFrom[feature] == fromPos || prefix.dropOldest((int) (fromPos - prefixFrom[feature])))) {
            start = (int) (prefixEnd[feature] - evicted);
        } else {
            prefix = aggregator.newWindowPrefix();
            prefixes[feature] = prefix;
            prefixVersions[feature] = version;
            start = from;
        }
        for (int i = start; i < end; i++) {
            prefix.append(ring.ir(i, slot));
        }
        prefixFrom[feature] = fromPos;
        prefixEnd[feature] = endPos;
        return prefix;
    }
}
