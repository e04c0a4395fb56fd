package dev.tessera.core.agg;

/**
 * A map from strings to positive counts: open addressing with linear probing, a slot is free when
 * its key is null, removal shifts the following run back (no tombstones); the load stays below 3/4.
 * Each slot keeps its key's hash code beside the key, so a probe compares ints in one array and
 * reads a key only when the hashes match: at a load of 3/4 a probe passes several occupied slots,
 * and comparing their keys read a string object and its bytes each, two cache misses per slot on a
 * table that is not in the cache (the hourly slide of a busy week's top_k made ~130 lookups).
 * About 16 bytes per slot, where a {@code HashMap<String, long[]>} costs about 60 per entry: for
 * {@link TopKSlidingPrefix}, whose windows hold up to 4,096 values.
 */
final class StringCounts {
    private String[] keys = new String[16];
    private int[] hashes = new int[16];
    private long[] counts = new long[16];
    private int size;

    int size() {
        return size;
    }

    private static int home(int hash, int mask) {
        return hash * 0x9E3779B9 >>> 7 & mask;
    }

    /** The count of {@code v}, 0 when absent. */
    long get(String v) {
        int mask = keys.length - 1;
        int h = v.hashCode();
        for (int i = home(h, mask); keys[i] != null; i = (i + 1) & mask) {
            if (hashes[i] == h && keys[i].equals(v)) {
                return counts[i];
            }
        }
        return 0;
    }

    /** Sets the count of {@code v} (0 removes it). */
    void put(String v, long count) {
        int mask = keys.length - 1;
        int h = v.hashCode();
        int i = home(h, mask);
        while (keys[i] != null && !(hashes[i] == h && keys[i].equals(v))) {
            i = (i + 1) & mask;
        }
        if (keys[i] != null) {
            if (count > 0) {
                counts[i] = count;
            } else {
                remove(i, mask);
            }
            return;
        }
        if (count == 0) {
            return;
        }
        if (4 * (size + 1) > 3 * keys.length) {
            rehash(keys.length * 2);
            put(v, count);
            return;
        }
        keys[i] = v;
        hashes[i] = h;
        counts[i] = count;
        size++;
    }

    private void remove(int i, int mask) {
        size--;
        keys[i] = null;
        int gap = i;
        for (int j = (i + 1) & mask; keys[j] != null; j = (j + 1) & mask) {
            int home = home(hashes[j], mask);
            if (((j - home) & mask) >= ((j - gap) & mask)) {
                keys[gap] = keys[j];
                hashes[gap] = hashes[j];
                counts[gap] = counts[j];
                keys[j] = null;
                gap = j;
            }
        }
    }

    private void rehash(int capacity) {
        String[] oldKeys = keys;
        long[] oldCounts = counts;
        keys = new String[capacity];
        hashes = new int[capacity];
        counts = new long[capacity];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != null) {
                put(oldKeys[i], oldCounts[i]);
            }
        }
    }

    /** Slot access for scans: the key at slot {@code i} (null when free) and its count. */
    int capacity() {
        return keys.length;
    }

    String keyAt(int i) {
        return keys[i];
    }

    long countAt(int i) {
        return counts[i];
    }
}
