package dev.tessera.runtime;

import dev.tessera.core.tile.EntityTiles;
import java.util.Arrays;
import java.util.List;

/**
 * One entity's state in one group, as the runtime holds it: the tiles, the newest applied event time
 * (the read time must be after it, see {@link FeatureReader#read}), and which tiles changed since
 * the last commit. The applier thread writes it and serving threads read it, both under the
 * object's monitor.
 */
final class EntityState {
    final String mapKey;
    final List<String> key;
    final EntityTiles tiles;
    long maxEventTime = Long.MIN_VALUE;
    /** Per hop: tile starts changed since the last commit (may repeat; de-duplicated at commit). */
    private final long[][] dirtyStarts;
    private final int[] dirtyCount;
    private boolean dirty;

    EntityState(String mapKey, List<String> key, EntityTiles tiles) {
        this.mapKey = mapKey;
        this.key = key;
        this.tiles = tiles;
        this.dirtyStarts = new long[tiles.hopCount()][];
        this.dirtyCount = new int[tiles.hopCount()];
    }

    /** Marks the tile of ring {@code hop} starting at {@code start} as changed. Returns true if the entity was clean. */
    boolean markDirty(int hop, long start) {
        int n = dirtyCount[hop];
        long[] a = dirtyStarts[hop];
        if (n > 0 && a[n - 1] == start) {
            boolean wasClean = !dirty;
            dirty = true;
            return wasClean;
        }
        if (a == null) {
            a = dirtyStarts[hop] = new long[4];
        } else if (n == a.length) {
            a = dirtyStarts[hop] = Arrays.copyOf(a, n * 2);
        }
        a[n] = start;
        dirtyCount[hop] = n + 1;
        boolean wasClean = !dirty;
        dirty = true;
        return wasClean;
    }

    boolean isDirty() {
        return dirty;
    }

    /** The distinct dirty starts of ring {@code hop}, sorted. */
    long[] dirtyStarts(int hop) {
        int n = dirtyCount[hop];
        if (n == 0) {
            return new long[0];
        }
        long[] copy = Arrays.copyOf(dirtyStarts[hop], n);
        Arrays.sort(copy);
        int u = 1;
        for (int i = 1; i < n; i++) {
            if (copy[i] != copy[u - 1]) {
                copy[u++] = copy[i];
            }
        }
        return Arrays.copyOf(copy, u);
    }

    void clearDirty() {
        Arrays.fill(dirtyCount, 0);
        for (int h = 0; h < dirtyStarts.length; h++) {
            if (dirtyStarts[h] != null && dirtyStarts[h].length > 64) {
                dirtyStarts[h] = null; // don't keep a burst's worth of memory
            }
        }
        dirty = false;
    }
}
