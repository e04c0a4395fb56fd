package dev.tessera.core.agg;

/**
 * A multiset of HLL coupons (never 0: {@link DistinctSlidingPrefix#coupon} sets a bit above the
 * address): open addressing with linear probing, removal shifts the following run back (no
 * tombstones), the load stays below 3/4. Each slot is one long, the coupon in the high half and its
 * count in the low half (0: free), so a probe reads one array — 8 bytes a slot, where a key array of
 * longs and a count array cost 12 and two cache lines per probe. For {@link DistinctSlidingPrefix}:
 * how many (IR, hash) pairs held give each coupon; a 30-day window of a quiet account holds about
 * a thousand, and a day's slide takes fifty out and puts fifty in.
 */
final class CouponCounts {
    private long[] slots = new long[16];
    private int size;

    /** Distinct coupons. */
    int size() {
        return size;
    }

    boolean contains(int k) {
        int mask = slots.length - 1;
        for (int i = slot(k, mask); slots[i] != 0; i = (i + 1) & mask) {
            if ((int) (slots[i] >>> 32) == k) {
                return true;
            }
        }
        return false;
    }

    /** Increments the count of {@code k}; true when it was not held before. */
    boolean increment(int k) {
        if (4 * (size + 1) > 3 * slots.length) {
            rehash(slots.length * 2);
        }
        int mask = slots.length - 1;
        int i = slot(k, mask);
        while (slots[i] != 0) {
            if ((int) (slots[i] >>> 32) == k) {
                slots[i]++; // the count is the low half; it stays far below 2^32
                return false;
            }
            i = (i + 1) & mask;
        }
        slots[i] = (long) k << 32 | 1;
        size++;
        return true;
    }

    /**
     * Reads the home slot of each of {@code ks[0, n)}, one independent load after the other, so that
     * the cache misses of a batch of probes overlap instead of coming one per probe (a day's slide of
     * a 30-day window probes 100 random slots of a table not read since the previous event). Returns
     * a value derived from the slots read, which the caller keeps so the loads are not elided.
     */
    long touch(int[] ks, int n) {
        long[] t = slots;
        int mask = t.length - 1;
        long x = 0;
        for (int i = 0; i < n; i++) {
            x += t[slot(ks[i], mask)];
        }
        return x;
    }

    /** Adds {@code times} (at least 1) to the count of {@code k}. */
    void add(int k, int times) {
        increment(k);
        if (times > 1) {
            int mask = slots.length - 1;
            int i = slot(k, mask);
            while ((int) (slots[i] >>> 32) != k) {
                i = (i + 1) & mask;
            }
            slots[i] += times - 1;
        }
    }

    /** Decrements the count of {@code k}; -1 when it is not held (a caller's bug), else the count left. */
    int decrement(int k) {
        int mask = slots.length - 1;
        int i = slot(k, mask);
        while (slots[i] != 0 && (int) (slots[i] >>> 32) != k) {
            i = (i + 1) & mask;
        }
        if (slots[i] == 0) {
            return -1;
        }
        int left = (int) --slots[i];
        if (left > 0) {
            return left;
        }
        slots[i] = 0;
        size--;
        int gap = i; // shift the rest of the run back over the gap
        for (int j = (i + 1) & mask; slots[j] != 0; j = (j + 1) & mask) {
            int home = slot((int) (slots[j] >>> 32), mask);
            if (((j - home) & mask) >= ((j - gap) & mask)) {
                slots[gap] = slots[j];
                slots[j] = 0;
                gap = j;
            }
        }
        return 0;
    }

    private void rehash(int capacity) {
        long[] old = slots;
        slots = new long[capacity];
        int mask = capacity - 1;
        for (long s : old) {
            if (s != 0) {
                int j = slot((int) (s >>> 32), mask);
                while (slots[j] != 0) {
                    j = (j + 1) & mask;
                }
                slots[j] = s;
            }
        }
    }

    private static int slot(int k, int mask) {
        int x = k * 0x9E3779B9;
        return (x ^ (x >>> 16)) & mask;
    }
}
