package dev.tessera.core.dedup;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * Remembers the ids of applied events for a horizon of event time, so a redelivered or re-sent
 * event is applied once (SPEC §3: "an event whose id was already applied within the dedup horizon
 * is dropped and counted; it never changes a value").
 *
 * <h2>Semantics</h2>
 * {@link #firstSeen} answers true exactly once per id among the ids remembered. An id is
 * remembered from its first application until {@link #expire} is called with a clock more than
 * {@code horizon} past the event time it was first applied with. Expiry runs on event time (the
 * source's watermark), not on wall-clock time, so replaying the same input with the same
 * watermarks makes the same decisions — which the exactly-once protocol relies on. With
 * {@code horizon >= lateness}, a copy that carries the same event time as the original can never
 * slip through: by the time its id is forgotten, the copy is late and rejected anyway.
 *
 * <h2>Layout</h2>
 * The runtime asks once per event, and almost every answer is "first seen", so the lookup that
 * misses is the one to make cheap. Ids live in an open-addressing table with linear probing: a
 * {@code long[]} of 64-bit hashes of the ids (FNV-1a over the chars, then MurmurHash3's final mix)
 * beside a {@code String[]} of the ids themselves. A probe compares hashes, and the ids only when
 * the hashes are equal, so a miss reads one array and allocates nothing; a 64-bit collision of two
 * different ids is told apart by {@code equals} and both are kept (never a false duplicate, which
 * would drop a good event). The table is at most half full; a removal shifts the entries after it
 * back (no tombstones, Knuth's Algorithm R).
 *
 * <p>The expiry index is a run of buckets of {@code horizon/16} of event time (a {@link TreeMap}
 * by bucket number, with the bucket of the previous call kept at hand, as events mostly arrive in
 * time order); each bucket holds its ids, their hashes and first event times in parallel arrays,
 * and whole buckets are dropped at once. It replaced a {@code HashMap<String, Long>} plus a list
 * per bucket, which cost a map node, a boxed time and a list slot per id (allocation that survived
 * until the horizon) and 7 % of the runtime's applier on a hot-key stream.
 *
 * <p>Memory per remembered id: 12–24 bytes of table (at a load of ½–¼) and 20 bytes of bucket, plus
 * the id string itself. Not thread-safe: one instance per partition worker.
 */
public final class Deduplicator {
    private static final int MIN_CAPACITY = 16;
    /** Stands for a hash of 0 in the table, where 0 marks an empty slot. */
    private static final long ZERO_HASH = 1;

    private final long horizonMillis;
    private final long bucketMillis;
    private final ToLongFunction<String> hasher;
    /** The table: 64-bit hashes (0 = empty slot) and the ids in the same slots. */
    private long[] hashes = new long[MIN_CAPACITY];
    private String[] ids = new String[MIN_CAPACITY];
    private int size;
    private final TreeMap<Long, Bucket> byBucket = new TreeMap<>();
    /** The bucket of the previous {@link #firstSeen}, covering event times [lastFrom, lastUntil) (empty when it would overflow). */
    private Bucket last;
    private long lastFrom;
    private long lastUntil;

    public Deduplicator(long horizonMillis) {
        this(horizonMillis, Deduplicator::hash);
    }

    /** With another hash function: tests force collisions with it. */
    Deduplicator(long horizonMillis, ToLongFunction<String> hasher) {
        if (horizonMillis <= 0) {
            throw new IllegalArgumentException("dedup horizon must be positive, got " + horizonMillis + " ms");
        }
        this.horizonMillis = horizonMillis;
        this.bucketMillis = Math.max(1, horizonMillis / 16);
        this.hasher = hasher;
    }

    /** FNV-1a over the UTF-16 chars, then MurmurHash3's fmix64 so that the low bits (the slot) depend on every char. */
    static long hash(String id) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < id.length(); i++) {
            h ^= id.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * True when {@code id} is not remembered (and remembers it with {@code eventTime}); false for a
     * duplicate. A null id is never a duplicate: sources without ids cannot be deduplicated.
     */
    public boolean firstSeen(String id, long eventTime) {
        if (id == null) {
            return true;
        }
        long h = hasher.applyAsLong(id);
        if (h == 0) {
            h = ZERO_HASH;
        }
        long[] table = hashes;
        int mask = table.length - 1;
        int i = (int) h & mask;
        long at;
        while ((at = table[i]) != 0) {
            if (at == h && ids[i].equals(id)) {
                return false;
            }
            i = (i + 1) & mask;
        }
        table[i] = h;
        ids[i] = id;
        size++;
        bucketOf(eventTime).add(id, h, eventTime);
        if (size > table.length >>> 1) {
            resize(table.length << 1);
        }
        return true;
    }

    private Bucket bucketOf(long eventTime) {
        Bucket b = last;
        if (b != null && eventTime >= lastFrom && eventTime < lastUntil) {
            return b;
        }
        long number = Math.floorDiv(eventTime, bucketMillis);
        b = byBucket.computeIfAbsent(number, n -> new Bucket());
        last = b;
        try {
            lastFrom = Math.multiplyExact(number, bucketMillis);
            lastUntil = Math.addExact(lastFrom, bucketMillis);
        } catch (ArithmeticException e) {
            lastFrom = 0; // times at the ends of the long range: no shortcut
            lastUntil = 0;
        }
        return b;
    }

    private void resize(int capacity) {
        long[] oldHashes = hashes;
        String[] oldIds = ids;
        hashes = new long[capacity];
        ids = new String[capacity];
        int mask = capacity - 1;
        for (int j = 0; j < oldHashes.length; j++) {
            long h = oldHashes[j];
            if (h != 0) {
                int i = (int) h & mask;
                while (hashes[i] != 0) {
                    i = (i + 1) & mask;
                }
                hashes[i] = h;
                ids[i] = oldIds[j];
            }
        }
    }

    /** Removes {@code id} (with hash {@code h}), which is in the table. */
    private void remove(String id, long h) {
        int mask = hashes.length - 1;
        int i = (int) h & mask;
        while (hashes[i] != h || !ids[i].equals(id)) {
            if (hashes[i] == 0) {
                throw new IllegalStateException("dedup id missing from its table: " + id);
            }
            i = (i + 1) & mask;
        }
        // backward shift: move each later entry of the run whose home slot is not in (i, j] into the hole
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            long hj = hashes[j];
            if (hj == 0) {
                break;
            }
            int home = (int) hj & mask;
            boolean stays = i <= j ? i < home && home <= j : i < home || home <= j;
            if (!stays) {
                hashes[i] = hj;
                ids[i] = ids[j];
                i = j;
            }
        }
        hashes[i] = 0;
        ids[i] = null;
        size--;
    }

    /**
     * Forgets ids first applied with an event time before {@code clock - horizon} (at bucket
     * granularity: an id may be kept up to one bucket longer, never shorter). Returns ids forgotten.
     */
    public int expire(long clock) {
        long cutoff = clock - horizonMillis;
        if (cutoff > clock) {
            return 0; // underflow: nothing is that old
        }
        int forgotten = 0;
        for (Iterator<Map.Entry<Long, Bucket>> it = byBucket.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Bucket> entry = it.next();
            if ((entry.getKey() + 1) * bucketMillis > cutoff) {
                break;
            }
            Bucket bucket = entry.getValue();
            for (int k = 0; k < bucket.size; k++) {
                remove(bucket.ids[k], bucket.hashes[k]);
            }
            forgotten += bucket.size;
            if (bucket == last) {
                last = null;
            }
            it.remove();
        }
        int capacity = hashes.length;
        while (capacity > MIN_CAPACITY && size < capacity >>> 3) {
            capacity >>>= 1;
        }
        if (capacity != hashes.length) {
            resize(capacity);
        }
        return forgotten;
    }

    /**
     * The earliest event time an id may have and still be remembered after {@link #expire}{@code (clock)}:
     * exactly the ids first applied at or after it are kept. Lets a caller rebuild the state after
     * {@code expire(clock)} from a log of applied (id, time) pairs without replaying the expiries.
     */
    public long retainedSince(long clock) {
        long cutoff = clock - horizonMillis;
        if (cutoff > clock) {
            return Long.MIN_VALUE; // underflow: nothing is that old
        }
        return Math.floorDiv(cutoff, bucketMillis) * bucketMillis;
    }

    /** Number of ids remembered. */
    public int size() {
        return size;
    }

    public long horizonMillis() {
        return horizonMillis;
    }

    /** Every remembered (id, first event time), for persisting the state with a commit. */
    public Map<String, Long> snapshot() {
        Map<String, Long> all = new HashMap<>(size * 2);
        for (Bucket b : byBucket.values()) {
            for (int k = 0; k < b.size; k++) {
                all.put(b.ids[k], b.times[k]);
            }
        }
        return Map.copyOf(all);
    }

    /** Restores a state written by {@link #snapshot()} (replacing the current one). */
    public void restore(Map<String, Long> state) {
        hashes = new long[MIN_CAPACITY];
        ids = new String[MIN_CAPACITY];
        size = 0;
        byBucket.clear();
        last = null;
        state.forEach(this::firstSeen);
    }

    /** The ids first applied within one bucket of event time, in the order they came. */
    private static final class Bucket {
        String[] ids = new String[16];
        long[] hashes = new long[16];
        long[] times = new long[16];
        int size;

        void add(String id, long hash, long time) {
            if (size == ids.length) {
                int cap = size * 2;
                ids = Arrays.copyOf(ids, cap);
                hashes = Arrays.copyOf(hashes, cap);
                times = Arrays.copyOf(times, cap);
            }
            ids[size] = id;
            hashes[size] = hash;
            times[size] = time;
            size++;
        }
    }
}
