package dev.tessera.core.dedup;

import java.util.Arrays;

/**
 * Event ids as their 128-bit hashes ({@link Deduplicator#hash}) with an event time each, in the order
 * added: one {@code long[]} of (high, low, time) triples that grows by half and keeps its capacity
 * when cleared. No references, so the collector never traces it and storing into it dirties no card.
 * The dedup table's expiry buckets and the runtime's log of the ids a commit adds are each one. Not
 * thread-safe.
 */
public final class IdHashes {
    private long[] entries;
    private int size;

    public IdHashes(int initialCapacity) {
        entries = new long[3 * Math.max(1, initialCapacity)];
    }

    /** Appends; returns the position. */
    public int add(long hi, long lo, long time) {
        if (3 * size == entries.length) {
            // by half: a dedup bucket's slack is memory held for the whole horizon (by 2 it averaged a third)
            entries = Arrays.copyOf(entries, 3 * (size + Math.max(4, size >> 1)));
        }
        entries[3 * size] = hi;
        entries[3 * size + 1] = lo;
        entries[3 * size + 2] = time;
        return size++;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public long hi(int i) {
        return entries[3 * i];
    }

    public long lo(int i) {
        return entries[3 * i + 1];
    }

    public long time(int i) {
        return entries[3 * i + 2];
    }

    /** The greatest time added since the last {@link #clear()}; {@code Long.MIN_VALUE} when empty. */
    public long newest() {
        long newest = Long.MIN_VALUE;
        for (int i = 0; i < size; i++) {
            newest = Math.max(newest, time(i));
        }
        return newest;
    }

    /** Empties it, keeping its capacity. */
    public void clear() {
        size = 0;
    }
}
