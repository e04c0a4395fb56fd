package dev.tessera.core.tile;

import dev.tessera.core.agg.Ir;
import java.util.Arrays;

/**
 * The tiles of one entity at one hop length: a sparse, time-ordered run of {@code [start, start+hop)}
 * buckets, each holding one IR per aggregation that uses this hop.
 *
 * <h2>Layout and invariants</h2>
 * <ul>
 *   <li>{@code starts[0..size)} is strictly increasing; {@code tiles[i]} is the IR array of the tile
 *       starting at {@code starts[i]}, with one entry per slot of the hop (see {@link GroupAggregator}).
 *       Only tiles that received an event exist: an entity seen twice a week holds two tiles, not 168.</li>
 *   <li>Events mostly arrive in time order, so the common insert is an append or a hit on the last
 *       tile (O(1)); an out-of-order event binary-searches and, for a new tile, shifts the tail.</li>
 *   <li>{@code changed[i]}: tile {@code i} must be written by the next incremental persist (the
 *       runtime's commits, the Flink job's flushes): it was handed out for an update since the last
 *       {@link #clearChanged()}, or it was the newest tile (the "head") and a newer tile was
 *       appended after it. The second rule serves stores that keep a ring's head apart from its
 *       older tiles (the runtime keeps heads inside the entity's value): a demoted head must move.</li>
 *   <li>{@code horizon}: tiles starting before it were evicted and are never re-created, so state
 *       stays bounded even if a late event would land there (such an event can only change windows
 *       that are never read again).</li>
 * </ul>
 *
 * <h2>Memory</h2>
 * Per tile: 8 bytes of start, an array header and one IR object per slot (a count or sum IR is
 * 16–32 bytes; sketches are larger and grow with their content). At most
 * {@code longestWindow/hop + 1} tiles per ring survive eviction.
 *
 * <p>Not thread-safe: one ring is owned by one partition's worker.
 */
public final class TileRing {
    private static final long[] NO_STARTS = new long[0];
    private static final Ir[][] NO_TILES = new Ir[0][];

    private static final boolean[] NO_FLAGS = new boolean[0];

    private long[] starts = NO_STARTS;
    private Ir[][] tiles = NO_TILES;
    /** Tiles changed by {@link #getOrCreate} since the last {@link #clearChanged()}: what a commit must write. */
    private boolean[] changed = NO_FLAGS;
    /** No tile before this index is flagged in {@code changed}: {@link #clearChanged()} clears from here (rings hold hundreds of tiles, commits change the last few). */
    private int changedFrom = Integer.MAX_VALUE;
    private int size;
    private long horizon = Long.MIN_VALUE;
    /** Bumped by every change that can alter what a read of this ring returns (see {@link #modCount()}). */
    private long modCount;
    /** Bumped by every change that is not an update of the newest tile, an append or an eviction (see {@link #olderTilesModCount()}). */
    private long olderTilesModCount;
    /** Tiles dropped by evictions since the ring was made (see {@link #evictedTiles()}). */
    private long evictedTiles;

    /**
     * Changes on every update handed out ({@link #getOrCreate}), every {@link #put} and every
     * eviction that drops tiles: a read of tiles {@code [from, to)} is unchanged while this and the
     * range are (what {@link GroupAggregator}'s read cache relies on).
     */
    public long modCount() {
        return modCount;
    }

    /**
     * Changes on every change to the ring other than an update of its newest tile (the head), the
     * append of a new head or an eviction: an update of an older tile (a late event), the insertion
     * of a tile before the head, every {@link #put}. While it is unchanged, every tile but the head
     * keeps its contents and its <i>position</i> {@code index + evictedTiles()} — what the merged
     * prefixes of {@link WindowPrefixes} rely on. An append keeps it: the former head keeps its
     * position, and it was the head, so no prefix holds it. An eviction keeps it: it drops the
     * oldest tiles and shifts the indices of the others by as many, which {@link #evictedTiles()}
     * counts, so positions stay.
     */
    public long olderTilesModCount() {
        return olderTilesModCount;
    }

    /**
     * How many tiles evictions have dropped since the ring was made: the tile at index {@code i} is
     * the ring's tile number {@code i + evictedTiles()} (its position), whatever was evicted since.
     */
    public long evictedTiles() {
        return evictedTiles;
    }

    /** Number of live tiles. */
    public int size() {
        return size;
    }

    public long startOf(int index) {
        return starts[index];
    }

    public Ir[] tileAt(int index) {
        return tiles[index];
    }

    /** Whether tile {@code index} changed since the last {@link #clearChanged()}. */
    public boolean changed(int index) {
        return changed[index];
    }

    /** No tile before this index is {@link #changed}: where a commit's scan of the flags starts (the size when none is). */
    public int firstChanged() {
        return Math.min(changedFrom, size);
    }

    /** Marks every tile as written. */
    public void clearChanged() {
        if (changedFrom < size) {
            Arrays.fill(changed, changedFrom, size, false);
        }
        changedFrom = Integer.MAX_VALUE;
    }

    /**
     * Flags every tile changed, as if each was just updated: for a ring decoded from a snapshot
     * taken while it had unwritten changes ({@link #put} flags nothing), so the next persist writes
     * all of it.
     */
    public void markAllChanged() {
        if (size > 0) {
            Arrays.fill(changed, 0, size, true);
            changedFrom = 0;
        }
    }

    private void flagChanged(int index) {
        changed[index] = true;
        if (index < changedFrom) {
            changedFrom = index;
        }
    }

    /** Tiles that start before this were evicted. */
    public long horizon() {
        return horizon;
    }

    /** The tile starting at {@code start}, or null. */
    public Ir[] tile(long start) {
        int idx = Arrays.binarySearch(starts, 0, size, start);
        return idx >= 0 ? tiles[idx] : null;
    }

    /**
     * The tile starting at {@code start}, created with {@code slots} empty (null) IR slots when
     * absent; null when the start is before the eviction horizon.
     */
    Ir[] getOrCreate(long start, int slots) {
        if (start < horizon) {
            return null;
        }
        modCount++;
        int n = size;
        if (n > 0 && starts[n - 1] == start) {
            flagChanged(n - 1);
            return tiles[n - 1];
        }
        int idx;
        if (n == 0 || starts[n - 1] < start) {
            idx = n;
        } else {
            olderTilesModCount++; // a late event: an older tile changes, or a tile is inserted before the head
            idx = lateIndex(start, n);
            if (idx >= 0) {
                flagChanged(idx);
                return tiles[idx];
            }
            idx = -idx - 1;
        }
        Ir[] tile = new Ir[slots];
        insertAt(idx, start, tile);
        flagChanged(idx);
        if (idx == n && n > 0) {
            flagChanged(n - 1); // the former head is demoted (see the class comment)
        }
        return tile;
    }

    /**
     * {@code Arrays.binarySearch(starts, 0, n, start)} for a start before the head's: late events
     * mostly belong to one of the last few tiles (a consumer interleaves partitions that are a few
     * seconds of event time apart), so those are looked at first, newest first; a binary search
     * over a ring of hundreds of 10-second tiles was a sixth of the runtime's applier.
     */
    private int lateIndex(long start, int n) {
        for (int i = n - 2, stop = Math.max(0, n - 9); i >= stop; i--) {
            long s = starts[i];
            if (s == start) {
                return i;
            }
            if (s < start) {
                return -(i + 1) - 1; // belongs right after tile i
            }
        }
        return Arrays.binarySearch(starts, 0, Math.max(0, n - 9), start);
    }

    /**
     * A deep copy sharing nothing with this ring: every IR copied ({@link Ir#copy()}), change flags,
     * horizon and counters kept (the Flink job's copy-on-write of an entity while a snapshot runs).
     */
    public TileRing copy() {
        TileRing c = new TileRing();
        if (size > 0) {
            c.starts = Arrays.copyOf(starts, size);
            c.tiles = new Ir[size][];
            for (int i = 0; i < size; i++) {
                Ir[] tile = tiles[i];
                Ir[] copied = new Ir[tile.length];
                for (int slot = 0; slot < tile.length; slot++) {
                    copied[slot] = tile[slot] == null ? null : tile[slot].copy();
                }
                c.tiles[i] = copied;
            }
            c.changed = Arrays.copyOf(changed, size);
        }
        c.changedFrom = changedFrom;
        c.size = size;
        c.horizon = horizon;
        c.modCount = modCount;
        c.olderTilesModCount = olderTilesModCount;
        c.evictedTiles = evictedTiles;
        return c;
    }

    /** Puts a whole tile (e.g. decoded from a store), replacing any tile with the same start. */
    public void put(long start, Ir[] tile) {
        modCount++;
        olderTilesModCount++;
        int idx = Arrays.binarySearch(starts, 0, size, start);
        if (idx >= 0) {
            tiles[idx] = tile;
        } else {
            insertAt(-idx - 1, start, tile);
        }
    }

    private void insertAt(int idx, long start, Ir[] tile) {
        if (size == starts.length) {
            int cap = Math.max(2, size * 2);
            starts = Arrays.copyOf(starts, cap);
            tiles = Arrays.copyOf(tiles, cap);
            changed = Arrays.copyOf(changed, cap);
        }
        System.arraycopy(starts, idx, starts, idx + 1, size - idx);
        System.arraycopy(tiles, idx, tiles, idx + 1, size - idx);
        System.arraycopy(changed, idx, changed, idx + 1, size - idx);
        starts[idx] = start;
        tiles[idx] = tile;
        changed[idx] = false;
        if (changedFrom != Integer.MAX_VALUE && changedFrom >= idx) {
            changedFrom++; // the flagged tiles at and after idx moved up by one
        }
        size++;
    }

    /** Index of the first tile with start {@code >= from}. */
    int firstIndexAtOrAfter(long from) {
        if (size == 0 || starts[0] >= from) {
            return 0;
        }
        int idx = Arrays.binarySearch(starts, 0, size, from);
        return idx >= 0 ? idx : -idx - 1;
    }

    /** Index one past the last tile with start {@code < until}. */
    int endIndexBefore(long until) {
        if (size == 0 || starts[size - 1] < until) {
            return size;
        }
        int idx = Arrays.binarySearch(starts, 0, size, until);
        return idx >= 0 ? idx : -idx - 1;
    }

    /** Drops every tile starting before {@code newHorizon} and refuses to re-create them. Returns tiles dropped. */
    int evictBefore(long newHorizon) {
        return evictBefore(newHorizon, -1, null);
    }

    int evictBefore(long newHorizon, int hopIndex, GroupAggregator.EvictionListener listener) {
        if (newHorizon <= horizon) {
            return 0;
        }
        horizon = newHorizon;
        int cut = firstIndexAtOrAfter(newHorizon);
        if (cut == 0) {
            return 0;
        }
        modCount++;
        evictedTiles += cut;
        if (listener != null) {
            for (int i = 0; i < cut; i++) {
                listener.evicted(hopIndex, starts[i]);
            }
        }
        System.arraycopy(starts, cut, starts, 0, size - cut);
        System.arraycopy(tiles, cut, tiles, 0, size - cut);
        System.arraycopy(changed, cut, changed, 0, size - cut);
        Arrays.fill(tiles, size - cut, size, null);
        Arrays.fill(changed, size - cut, size, false);
        if (changedFrom != Integer.MAX_VALUE) {
            changedFrom = Math.max(0, changedFrom - cut);
        }
        size -= cut;
        return cut;
    }
}
