package dev.tessera.core.tile;

import dev.tessera.core.agg.FixedIrs;
import dev.tessera.core.agg.Ir;
import dev.tessera.core.codec.ByteWriter;
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
 * <h2>Memory: fixed slots in words, the others as objects (ADR 012)</h2>
 * The ring's {@link RingLayout} splits the slots in two. Slots of the fixed-size kinds (count, sum,
 * avg: {@link FixedIrs}) live as words of one {@code long[]} for the whole ring, {@code words} per
 * tile, so a new tile of a ring holding only such slots (the 10-second and 5-minute rings of most
 * groups) allocates nothing once the arrays have room, and stores no pointer: it dirties no card of
 * the old generation and gives young collections nothing to copy. The other slots (sketches,
 * last_k, top_k, min/max, first/last) keep an IR object each, in an {@code Ir[]} per tile made when
 * the first of them takes a value. Per tile: 8 bytes of start, 8 per count slot, 48 per sum or avg
 * slot, and, with object slots, an array and the IRs (sketches grow with their content). At most
 * {@code longestWindow/hop + 1} tiles per ring survive eviction. {@link #tileAt} and {@link #ir}
 * give the IRs of fixed slots as new objects equal to what the same adds would have built.
 *
 * <p>Not thread-safe: one ring is owned by one partition's worker.
 */
public final class TileRing {
    private static final long[] NO_STARTS = new long[0];
    private static final Ir[][] NO_TILES = new Ir[0][];
    private static final long[] NO_WORDS = new long[0];

    private static final boolean[] NO_FLAGS = new boolean[0];

    private final RingLayout layout;
    private long[] starts = NO_STARTS;
    /**
     * Per tile, the IR objects of the object slots (null entries for fixed slots); null for a tile none
     * of them has a value in. Never allocated when every slot is fixed ({@link RingLayout#objects}).
     */
    private Ir[][] tiles = NO_TILES;
    /** The fixed slots' words: tile {@code i}'s at {@code [i * layout.words, (i + 1) * layout.words)}. */
    private long[] words = NO_WORDS;
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

    /** A ring whose slots all keep IR objects, however many a tile has (tests; engines use {@link GroupAggregator#newEntity}). */
    public TileRing() {
        this(RingLayout.OBJECTS);
    }

    TileRing(RingLayout layout) {
        this.layout = layout;
    }

    /** How this ring stores its slots. */
    RingLayout layout() {
        return layout;
    }

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

    /**
     * The IRs of tile {@code index}, one per slot (null for an empty slot). For a ring without fixed
     * slots, the tile's own array; otherwise a new array holding the tile's IR objects and new IRs of
     * its fixed slots ({@link FixedIrs#toIr}). Either way callers only read it: the ring changes
     * through {@link GroupAggregator#apply} and {@link #put}.
     */
    public Ir[] tileAt(int index) {
        Ir[] objects = layout.objects ? tiles[index] : null;
        if (layout.words == 0 && (objects != null || layout == RingLayout.OBJECTS)) {
            return objects;
        }
        int n = layout.slots();
        Ir[] tile = new Ir[n];
        for (int slot = 0; slot < n; slot++) {
            tile[slot] = ir(index, slot, objects);
        }
        return tile;
    }

    /** The IR of slot {@code slot} of tile {@code index}, or null when empty: a new object for a fixed slot ({@link #tileAt}). */
    public Ir ir(int index, int slot) {
        return ir(index, slot, layout.objects ? tiles[index] : null);
    }

    private Ir ir(int index, int slot, Ir[] objects) {
        int off = layout.offset(slot);
        if (off < 0) {
            return objects == null ? null : objects[slot];
        }
        return FixedIrs.toIr(layout.aggregator(slot), words, index * layout.words + off);
    }

    /**
     * Appends slot {@code slot} of tile {@code index} as {@link TileCodec} lays a slot out: the
     * length of the IR's encoding, then the encoding (a zero length for an empty slot), without
     * making the IR of a fixed slot an object.
     */
    void encodeSlot(int index, int slot, ByteWriter out) {
        int off = layout.offset(slot);
        if (off >= 0) {
            int at = index * layout.words + off;
            if (FixedIrs.isEmpty(words, at)) {
                out.writeUnsignedVarLong(0);
            } else {
                int len = out.startLengthPrefixed();
                FixedIrs.encode(layout.aggregator(slot), words, at, out);
                out.endLengthPrefixed(len);
            }
            return;
        }
        Ir[] objects = tiles[index];
        TileCodec.writeSlot(objects == null ? null : objects[slot], out);
    }

    /**
     * Adds one event's value to slot {@code slot} of tile {@code index} (from {@link #getOrCreateIndex}),
     * as {@link Ir#add} of the slot's IR, made first when the slot is empty.
     */
    void add(int index, int slot, Object value, long eventTime, String eventId) {
        int off = layout.offset(slot);
        if (off >= 0) {
            FixedIrs.add(layout.aggregator(slot), words, index * layout.words + off, value);
            return;
        }
        Ir[] objects = tiles[index];
        if (objects == null) {
            objects = new Ir[layout.slots()];
            tiles[index] = objects;
        }
        Ir ir = objects[slot];
        if (ir == null) {
            ir = layout.aggregator(slot).newIr();
            objects[slot] = ir;
        }
        ir.add(value, eventTime, eventId);
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

    /** The tile starting at {@code start} ({@link #tileAt}), or null. */
    public Ir[] tile(long start) {
        int idx = Arrays.binarySearch(starts, 0, size, start);
        return idx >= 0 ? tileAt(idx) : null;
    }

    /**
     * For a ring without fixed slots (tests): the tile starting at {@code start}, created with
     * {@code slots} empty (null) IR slots when absent; null when the start is before the eviction horizon.
     */
    Ir[] getOrCreate(long start, int slots) {
        if (layout.words != 0) {
            throw new IllegalStateException("a ring with fixed slots changes through add");
        }
        int idx = getOrCreateIndex(start);
        if (idx < 0) {
            return null;
        }
        if (tiles[idx] == null) {
            tiles[idx] = new Ir[slots];
        }
        return tiles[idx];
    }

    /**
     * The index of the tile starting at {@code start}, created empty when absent (and flagged
     * changed as the class comment says); -1 when the start is before the eviction horizon.
     */
    int getOrCreateIndex(long start) {
        if (start < horizon) {
            return -1;
        }
        modCount++;
        int n = size;
        if (n > 0 && starts[n - 1] == start) {
            flagChanged(n - 1);
            return n - 1;
        }
        int idx;
        if (n == 0 || starts[n - 1] < start) {
            idx = n;
        } else {
            olderTilesModCount++; // a late event: an older tile changes, or a tile is inserted before the head
            idx = lateIndex(start, n);
            if (idx >= 0) {
                flagChanged(idx);
                return idx;
            }
            idx = -idx - 1;
        }
        insertAt(idx, start, null);
        flagChanged(idx);
        if (idx == n && n > 0) {
            flagChanged(n - 1); // the former head is demoted (see the class comment)
        }
        return idx;
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
        TileRing c = new TileRing(layout);
        if (size > 0) {
            c.starts = Arrays.copyOf(starts, size);
            c.tiles = layout.objects ? new Ir[size][] : NO_TILES;
            for (int i = 0; i < c.tiles.length; i++) {
                Ir[] tile = tiles[i];
                if (tile == null) {
                    continue;
                }
                Ir[] copied = new Ir[tile.length];
                for (int slot = 0; slot < tile.length; slot++) {
                    copied[slot] = tile[slot] == null ? null : tile[slot].copy();
                }
                c.tiles[i] = copied;
            }
            if (layout.words > 0) {
                c.words = Arrays.copyOf(words, size * layout.words);
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

    /**
     * Puts a whole tile (e.g. decoded from a store), one IR per slot (null for empty), replacing any
     * tile with the same start. The ring keeps the IR objects of its object slots (a ring without
     * fixed slots keeps the array itself) and copies the state of the fixed ones.
     */
    public void put(long start, Ir[] tile) {
        if (tile.length != layout.slots() && layout != RingLayout.OBJECTS) {
            throw new IllegalArgumentException("a tile of " + tile.length + " slots put into a ring of " + layout.slots());
        }
        modCount++;
        olderTilesModCount++;
        int idx = Arrays.binarySearch(starts, 0, size, start);
        if (idx < 0) {
            idx = -idx - 1;
            insertAt(idx, start, null);
        }
        if (layout.words == 0) {
            tiles[idx] = tile;
            return;
        }
        Ir[] objects = null;
        for (int slot = 0; slot < tile.length; slot++) {
            int off = layout.offset(slot);
            if (off >= 0) {
                FixedIrs.fromIr(layout.aggregator(slot), tile[slot], words, idx * layout.words + off);
            } else if (tile[slot] != null) {
                if (objects == null) {
                    objects = new Ir[tile.length];
                }
                objects[slot] = tile[slot];
            }
        }
        if (layout.objects) {
            tiles[idx] = objects;
        }
    }

    private void insertAt(int idx, long start, Ir[] tile) {
        int w = layout.words;
        if (size == starts.length) {
            int cap = Math.max(2, size * 2);
            starts = Arrays.copyOf(starts, cap);
            if (layout.objects) {
                tiles = Arrays.copyOf(tiles, cap);
            }
            changed = Arrays.copyOf(changed, cap);
            if (w > 0) {
                words = Arrays.copyOf(words, cap * w);
            }
        }
        System.arraycopy(starts, idx, starts, idx + 1, size - idx);
        if (layout.objects) {
            System.arraycopy(tiles, idx, tiles, idx + 1, size - idx);
            tiles[idx] = tile;
        }
        System.arraycopy(changed, idx, changed, idx + 1, size - idx);
        if (w > 0) {
            System.arraycopy(words, idx * w, words, (idx + 1) * w, (size - idx) * w);
            Arrays.fill(words, idx * w, (idx + 1) * w, 0L);
        }
        starts[idx] = start;
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
        if (layout.objects) {
            System.arraycopy(tiles, cut, tiles, 0, size - cut);
            Arrays.fill(tiles, size - cut, size, null);
        }
        System.arraycopy(changed, cut, changed, 0, size - cut);
        Arrays.fill(changed, size - cut, size, false);
        int w = layout.words;
        if (w > 0) {
            System.arraycopy(words, cut * w, words, 0, (size - cut) * w);
            Arrays.fill(words, (size - cut) * w, size * w, 0L);
        }
        if (changedFrom != Integer.MAX_VALUE) {
            changedFrom = Math.max(0, changedFrom - cut);
        }
        size -= cut;
        return cut;
    }
}
