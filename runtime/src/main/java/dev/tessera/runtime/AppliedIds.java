package dev.tessera.runtime;

import java.util.Arrays;

/**
 * The ids (as their 128-bit hashes, with their event times) first applied from one partition since
 * the last commit, in order: the next commit writes them as one dedup blob (see {@link Checkpointer}).
 * One {@code long[]} of (high, low, time) triples that keeps its capacity from commit to commit, so the
 * applier's per-event append neither boxes nor regrows a list after each commit (a {@code List<String>}
 * and a {@code List<Long>}, new at every commit, regrew with every commit; with the dedup's lists that
 * growth was about 9 % of the applier's samples on a hot-key stream). No references: the ids
 * themselves are not kept (ADR 032). Applier thread only.
 */
final class AppliedIds {
    private long[] entries = new long[3 * 64];
    private int size;

    void add(long hi, long lo, long eventTime) {
        if (3 * size == entries.length) {
            entries = Arrays.copyOf(entries, entries.length * 2);
        }
        entries[3 * size] = hi;
        entries[3 * size + 1] = lo;
        entries[3 * size + 2] = eventTime;
        size++;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    long hi(int i) {
        return entries[3 * i];
    }

    long lo(int i) {
        return entries[3 * i + 1];
    }

    long time(int i) {
        return entries[3 * i + 2];
    }

    /** The greatest event time added since {@link #clear()}; {@code Long.MIN_VALUE} when empty. */
    long newest() {
        long newest = Long.MIN_VALUE;
        for (int i = 0; i < size; i++) {
            newest = Math.max(newest, time(i));
        }
        return newest;
    }

    /** Empties the log, keeping its capacity. */
    void clear() {
        size = 0;
    }
}
