package dev.tessera.core.tile;

/**
 * Everything one entity holds for one feature group: a {@link TileRing} per hop length of the group
 * (the lifetime "hop" is a ring with a single tile). Created by {@link GroupAggregator#newEntity()},
 * changed only through the group aggregator. Not thread-safe.
 */
public final class EntityTiles {
    final TileRing[] rings;
    /**
     * The read cache of {@link GroupAggregator#read(EntityTiles, long, int)}, per served feature: the
     * result, and the ring's modification count and tile range it was computed from (level 1); the
     * merged prefixes of the windows (level 2, {@link WindowPrefixes}). Allocated on the first read,
     * so entities that are never read pay nothing. A {@code Long} or {@code Double} result is kept as
     * its bits in {@code cachedBits} (its {@code cachedResults} entry a marker), so the long-lived
     * cache holds no pointer to a new box (why: {@link GroupAggregator#read(EntityTiles, long, int)}).
     */
    Object[] cachedResults;
    long[] cachedBits;
    long[] cachedMods;
    int[] cachedRanges;
    WindowPrefixes prefixes;
    /** Whether a read happened since the last {@link GroupAggregator#releaseUnreadCache}. */
    boolean readSinceRelease;

    EntityTiles(RingLayout[] layouts) {
        rings = new TileRing[layouts.length];
        for (int i = 0; i < layouts.length; i++) {
            rings[i] = new TileRing(layouts[i]);
        }
    }

    /** A deep copy sharing nothing with these tiles ({@link TileRing#copy()}); the read cache is not copied. */
    public EntityTiles copy() {
        TileRing[] copied = new TileRing[rings.length];
        for (int i = 0; i < rings.length; i++) {
            copied[i] = rings[i].copy();
        }
        return new EntityTiles(copied);
    }

    private EntityTiles(TileRing[] rings) {
        this.rings = rings;
    }

    /** The ring of hop {@code hopIndex} (see {@link GroupAggregator#hopMillis(int)}). */
    public TileRing ring(int hopIndex) {
        return rings[hopIndex];
    }

    public int hopCount() {
        return rings.length;
    }

    /** Number of live tiles over all hops. */
    public int tileCount() {
        int n = 0;
        for (TileRing r : rings) {
            n += r.size();
        }
        return n;
    }

    public boolean isEmpty() {
        return tileCount() == 0;
    }
}
