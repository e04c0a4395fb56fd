package dev.tessera.core.agg;

/**
 * A multiset of 64-bit hashes: open addressing with linear probing, a slot is free when its count is
 * 0, removal shifts the following run back (no tombstones), and the load stays below 3/4. A slot's
 * key and count sit side by side in one array (16 bytes a slot), so a probe reads one cache line,
 * not one in a key array and one in a count array: the tables of a window not read since the
 * account's previous event are not in the cache. For {@link DistinctSlidingPrefix}: how many IRs
 * held contain each hash ({@link CouponCounts} counts the HLL coupons).
 */
final class HashCounts {
    /** Slot i: the key at {@code 2i}, its count at {@code 2i + 1} (0: free). */
    private long[] slots = new long[32];
    private int size;

    /** Distinct hashes. */
    int size() {
        return size;
    }

    /** Slots, for scans: slot {@code i} holds {@link #keyAt} when {@link #countAt} is not 0. */
    int capacity() {
        return slots.length >> 1;
    }

    long keyAt(int i) {
        return slots[2 * i];
    }

    int countAt(int i) {
        return (int) slots[2 * i + 1];
    }

    boolean contains(long h) {
        int mask = capacity() - 1;
        for (int i = slot(h, mask); slots[2 * i + 1] != 0; i = (i + 1) & mask) {
            if (slots[2 * i] == h) {
                return true;
            }
        }
        return false;
    }

    /** Increments the count of {@code h}; true when it was not held before. */
    boolean increment(long h) {
        if (4 * (size + 1) > 3 * capacity()) {
            rehash(capacity() * 2);
        }
        int mask = capacity() - 1;
        int i = slot(h, mask);
        while (slots[2 * i + 1] != 0) {
            if (slots[2 * i] == h) {
                slots[2 * i + 1]++;
                return false;
            }
            i = (i + 1) & mask;
        }
        slots[2 * i] = h;
        slots[2 * i + 1] = 1;
        size++;
        return true;
    }

    /** Decrements the count of {@code h}; -1 when it is not held (a caller's bug), else the count left. */
    int decrement(long h) {
        int mask = capacity() - 1;
        int i = slot(h, mask);
        while (slots[2 * i + 1] != 0 && slots[2 * i] != h) {
            i = (i + 1) & mask;
        }
        if (slots[2 * i + 1] == 0) {
            return -1;
        }
        if (--slots[2 * i + 1] > 0) {
            return (int) slots[2 * i + 1];
        }
        size--;
        int gap = i; // shift the rest of the run back over the gap
        for (int j = (i + 1) & mask; slots[2 * j + 1] != 0; j = (j + 1) & mask) {
            int home = slot(slots[2 * j], mask);
            if (((j - home) & mask) >= ((j - gap) & mask)) {
                slots[2 * gap] = slots[2 * j];
                slots[2 * gap + 1] = slots[2 * j + 1];
                slots[2 * j + 1] = 0;
                gap = j;
            }
        }
        return 0;
    }

    private void rehash(int capacity) {
        long[] old = slots;
        slots = new long[2 * capacity];
        int mask = capacity - 1;
        for (int i = 0; i < old.length; i += 2) {
            if (old[i + 1] != 0) {
                int j = slot(old[i], mask);
                while (slots[2 * j + 1] != 0) {
                    j = (j + 1) & mask;
                }
                slots[2 * j] = old[i];
                slots[2 * j + 1] = old[i + 1];
            }
        }
    }

    private static int slot(long h, int mask) {
        long x = h * 0x9E3779B97F4A7C15L;
        return (int) (x ^ (x >>> 32)) & mask;
    }
}
