package dev.tessera.flink;

import com.dynatrace.hash4j.hashing.HashValue128;
import dev.tessera.core.dedup.Deduplicator;
import java.util.Arrays;

/**
 * The ids of one entity's applied events within the dedup horizon, with the event time each was
 * first applied with (SPEC §3's dedup, per (group, entity) in the Flink job: ADR 019). Held as
 * 128-bit hashes (XXH3-128 of the id's characters) in one {@code long[]} of triples
 * {@code (hash high, hash low, time)}, open addressing with linear probing, at most two thirds full.
 *
 * <p>Why hashes and not the ids: the map it replaced ({@code HashMap<String, Long>}) cost a node, a
 * boxed time and the id's string per event, kept for the whole horizon; on a hot-key stream its
 * inserts were 17 % of the aggregating thread, and on a cold one its objects were a large share of
 * the collector's work and of every checkpoint. A triple is 24 bytes in one array the collector
 * never traces. Two different ids share a 128-bit hash with probability 2<sup>-128</sup> per pair:
 * for a million ids in one entity's horizon, about 10<sup>-27</sup>, far below the rate of
 * undetected memory errors, so a false duplicate is not a risk we model (the embedded runtime's
 * {@code Deduplicator}, one table per partition, remembers the same XXH3-128 hashes since ADR 032).
 * Snapshots write the triples ({@link FlinkEntitySerializer}); ids from a snapshot
 * of the string form are hashed when restored.
 */
final class EventIds {
    private static final int MIN_SLOTS = 4;

    /** Triples per slot; a slot whose two hash words are both 0 is empty (a zero hash is stored as (0, 1)). */
    private long[] table;
    private int size;
    /** No id is older than this ({@link #expire} has nothing to do before it). */
    private long oldest = Long.MAX_VALUE;

    EventIds() {
        table = new long[3 * MIN_SLOTS];
    }

    private EventIds(long[] table, int size, long oldest) {
        this.table = table;
        this.size = size;
        this.oldest = oldest;
    }

    int size() {
        return size;
    }

    /** True the first time {@code id} is added (and remembers it with {@code eventTime}); false for a duplicate. */
    boolean add(String id, long eventTime) {
        HashValue128 h = Deduplicator.hash(id); // the embedded runtime's hash of an id (ADR 032)
        return add(h.getMostSignificantBits(), h.getLeastSignificantBits(), eventTime);
    }

    /** As {@link #add(String, long)}, for a hash already computed (a restore). */
    boolean add(long hi, long lo, long eventTime) {
        if (hi == 0 && lo == 0) {
            lo = 1;
        }
        int slots = table.length / 3;
        int mask = slots - 1;
        int i = (int) (lo ^ hi ^ (lo >>> 32)) & mask;
        while (true) {
            int at = 3 * i;
            long h = table[at];
            long l = table[at + 1];
            if (h == 0 && l == 0) {
                break;
            }
            if (h == hi && l == lo) {
                return false;
            }
            i = (i + 1) & mask;
        }
        if (3 * (size + 1) > 2 * slots) {
            grow();
            return add(hi, lo, eventTime);
        }
        int at = 3 * i;
        table[at] = hi;
        table[at + 1] = lo;
        table[at + 2] = eventTime;
        size++;
        oldest = Math.min(oldest, eventTime);
        return true;
    }

    private void grow() {
        long[] old = table;
        table = new long[old.length * 2];
        size = 0;
        long keepOldest = oldest;
        for (int at = 0; at < old.length; at += 3) {
            if (old[at] != 0 || old[at + 1] != 0) {
                add(old[at], old[at + 1], old[at + 2]);
            }
        }
        oldest = keepOldest;
    }

    /** Forgets the ids first applied with an event time before {@code before}; a table less than a quarter full shrinks. */
    void expire(long before) {
        if (size == 0 || oldest >= before) {
            return;
        }
        long[] old = table;
        int keep = 0;
        for (int at = 0; at < old.length; at += 3) {
            if ((old[at] != 0 || old[at + 1] != 0) && old[at + 2] >= before) {
                keep++;
            }
        }
        int slots = old.length / 3;
        if (4 * keep < slots) {
            slots = MIN_SLOTS;
            while (3 * keep > 2 * slots) {
                slots *= 2;
            }
        }
        table = new long[3 * slots];
        size = 0;
        oldest = Long.MAX_VALUE;
        for (int at = 0; at < old.length; at += 3) {
            if ((old[at] != 0 || old[at + 1] != 0) && old[at + 2] >= before) {
                add(old[at], old[at + 1], old[at + 2]);
            }
        }
    }

    /** Calls {@code each} with every id's hash and time (a snapshot). */
    void forEach(Triple each) {
        for (int at = 0; at < table.length; at += 3) {
            if (table[at] != 0 || table[at + 1] != 0) {
                each.accept(table[at], table[at + 1], table[at + 2]);
            }
        }
    }

    /** A copy sharing nothing with this one (the state backend's copy-on-write). */
    EventIds copy() {
        return new EventIds(Arrays.copyOf(table, table.length), size, oldest);
    }

    /** An id's hash and first event time. */
    @FunctionalInterface
    interface Triple {
        void accept(long hi, long lo, long time);
    }
}
