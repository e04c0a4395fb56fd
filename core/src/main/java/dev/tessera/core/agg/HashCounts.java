package dev.tessera.core.agg;

/**
 * A multiset of 64-bit hashes: open addressing with linear probing, a slot is free when its count is
 * 0, removal shifts the following run back (no tombstones), and the load stays below 3/4 (12 bytes
 * a slot). For {@link DistinctSlidingPrefix}: how many IRs held contain each hash, and how many
 * (IR, hash) pairs held give each HLL coupon.
 */
final class HashCounts {
    private long[] keys = new long[16];
    private int[] counts = new int[16];
    private int size;

    /** Distinct hashes. */
    int size() {
        return size;
    }

    boolean contains(long h) {
        int mask = keys.length - 1;
        for (int i = slot(h, mask); counts[i] != 0; i = (i + 1) & mask) {
            if (keys[i] == h) {
                return true;
            }
        }
        return false;
    }

    /** Increments the count of {@code h}; true when it was not held before. */
    boolean increment(long h) {
        if (4 * (size + 1) > 3 * keys.length) {
            rehash(keys.length * 2);
        }
        int mask = keys.length - 1;
        int i = slot(h, mask);
        while (counts[i] != 0) {
            if (keys[i] == h) {
                counts[i]++;
                return false;
            }
            i = (i + 1) & mask;
        }
        keys[i] = h;
        counts[i] = 1;
        size++;
        return true;
    }

    /** Decrements the count of {@code h}; -1 when it is not held (a caller's bug), else the count left. */
    int decrement(long h) {
        int mask = keys.length - 1;
        int i = slot(h, mask);
        while (counts[i] != 0 && keys[i] != h) {
            i = (i + 1) & mask;
        }
        if (counts[i] == 0) {
            return -1;
        }
        if (--counts[i] > 0) {
            return counts[i];
        }
        size--;
        int gap = i; // shift the rest of the run back over the gap
        for (int j = (i + 1) & mask; counts[j] != 0; j = (j + 1) & mask) {
            int home = slot(keys[j], mask);
            if (((j - home) & mask) >= ((j - gap) & mask)) {
                keys[gap] = keys[j];
                counts[gap] = counts[j];
                counts[j] = 0;
                gap = j;
            }
        }
        return 0;
    }

    private void rehash(int capacity) {
        long[] oldKeys = keys;
        int[] oldCounts = counts;
        keys = new long[capacity];
        counts = new int[capacity];
        int mask = capacity - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldCounts[i] != 0) {
                int j = slot(oldKeys[i], mask);
                while (counts[j] != 0) {
                    j = (j + 1) & mask;
                }
                keys[j] = oldKeys[i];
                counts[j] = oldCounts[i];
            }
        }
    }

    private static int slot(long h, int mask) {
        long x = h * 0x9E3779B97F4A7C15L;
        return (int) (x ^ (x >>> 32)) & mask;
    }
}
