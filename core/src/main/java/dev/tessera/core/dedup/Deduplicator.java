package dev.tessera.core.dedup;

import com.dynatrace.hash4j.hashing.HashValue128;
import com.dynatrace.hash4j.hashing.Hasher128;
import com.dynatrace.hash4j.hashing.Hashing;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
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
 * An id is remembered as its 128-bit hash (XXH3-128 of its characters, as the Flink job's
 * {@code EventIds}: ADR 025), not as the id: a false duplicate needs two different ids of one
 * partition's horizon to share all 128 bits, about n²/2¹²⁹ — 10⁻²¹ for a hundred million ids —
 * far below the rate of undetected hardware errors. Keeping the ids (until 2026-11-28) cost a string
 * per event for the whole horizon, twice the memory of the rest and two long-lived objects per event
 * for the collector to copy (ADR 032).
 *
 * <p>The runtime asks once per event, and almost every answer is "first seen", so the lookup that
 * misses is the one to make cheap. The table is one {@code long[]}, open addressing with linear
 * probing, one {@code long} per slot: a 10-bit fingerprint of the hash's high half, the slot's
 * distance from its home slot (6 bits, saturating at 63), and where the hash is kept (its expiry
 * bucket, 20 bits, and its position there, 28 bits). A probe reads one cache line and compares
 * fingerprints; only an equal one looks at the hash itself in its bucket (about one lookup in
 * several hundred that misses). The home slot is taken from the high half times a random odd number
 * per table (multiply-shift hashing), so ids cannot be crafted to pile up in one run of slots
 * (XXH3 has no key; the multiplier is the secret). The table holds no references: inserting at a random slot
 * of a large array of references made the collector's write barrier dirty a new card per event (G1's
 * refinement threads then cost as much as the insert). The table is at most half full; a removal
 * shifts the entries after it back (no tombstones, Knuth's Algorithm R), by the distances they keep;
 * growing and shrinking rebuild it from the buckets, which hold every hash in order.
 *
 * <p>The hashes and their first event times are kept in expiry buckets of {@code horizon/16} of event
 * time (a {@link TreeMap} by bucket number, with the bucket of the previous call at hand, as events
 * mostly arrive in time order): one {@code long[]} of (high, low, time) triples appended to in order,
 * dropped whole by {@link #expire}.
 *
 * <p>Memory per remembered id: 16–32 bytes of table (at a load of ½–¼) and 24 bytes of bucket, no
 * objects (about 60 bytes measured; 95 with two {@code long}s per slot, until 2026-11-28). Limits: 2²⁰
 * live buckets and 2²⁸ ids per bucket, each far beyond what memory holds with a horizon of at least
 * the source's lateness (the definitions' rule). Not thread-safe: one instance per partition worker.
 */
public final class Deduplicator {
    /** An id as the table remembers it: its 128-bit hash. */
    public record IdHash(long hi, long lo) {}

    private static final Hasher128 XXH3 = Hashing.xxh3_128();
    private static final int MIN_CAPACITY = 16;
    private static final int POSITION_BITS = 28;
    private static final int SLOT_BITS = 20;
    private static final int DISTANCE_SHIFT = POSITION_BITS + SLOT_BITS;
    private static final int FINGERPRINT_SHIFT = DISTANCE_SHIFT + 6;
    private static final long LOCATION_MASK = (1L << DISTANCE_SHIFT) - 1;
    private static final long POSITION_MASK = (1L << POSITION_BITS) - 1;
    /** A distance this large or larger is kept as this: the home slot is then found from the hash. */
    private static final int SATURATED = 63;

    private final long horizonMillis;
    private final long bucketMillis;
    /** Null, or what replaces an id's high half (tests force long probe chains with it). */
    private final ToLongFunction<String> probe;
    /** Odd: the home slot of a high half {@code hi} is the top bits of {@code hi * mixer}. */
    private final long mixer = ThreadLocalRandom.current().nextLong() | 1;
    /** One entry per slot, 0 for an empty one: fingerprint, distance, bucket slot, position (see the class). */
    private long[] table = new long[MIN_CAPACITY];
    /** 64 - log2(table.length). */
    private int shift = 64 - Integer.numberOfTrailingZeros(MIN_CAPACITY);
    private int size;
    private final TreeMap<Long, Bucket> byBucket = new TreeMap<>();
    /** Live buckets by their slot number (what a location names); free slot numbers are reused. */
    private Bucket[] bucketSlots = new Bucket[8];
    private int[] freeSlots = new int[8];
    private int freeCount;
    private int slotsUsed;
    /** The bucket of the previous {@link #firstSeen}, covering event times [lastFrom, lastUntil) (empty when it would overflow). */
    private Bucket last;
    private long lastFrom;
    private long lastUntil;

    public Deduplicator(long horizonMillis) {
        this(horizonMillis, null);
    }

    /** With {@code probe} in place of each id's high half: tests force collisions of the probe with it. */
    Deduplicator(long horizonMillis, ToLongFunction<String> probe) {
        if (horizonMillis <= 0) {
            throw new IllegalArgumentException("dedup horizon must be positive, got " + horizonMillis + " ms");
        }
        this.horizonMillis = horizonMillis;
        this.bucketMillis = Math.max(1, horizonMillis / 16);
        this.probe = probe;
    }

    /** XXH3-128 of the id's characters: what {@link #firstSeen(long, long, long)} takes. */
    public static HashValue128 hash(String id) {
        return XXH3.hashCharsTo128Bits(id);
    }

    /** The id as this table remembers it (what {@link #snapshot()} lists). */
    public IdHash idHash(String id) {
        HashValue128 h = hash(id);
        return new IdHash(probe == null ? h.getMostSignificantBits() : probe.applyAsLong(id), h.getLeastSignificantBits());
    }

    /** Folds the slots {@link #prefetch} read, so the reads are not optimized away. */
    private long touched;

    /**
     * Reads the table slot of the id whose hash's high half is {@code hi}, so that a {@link #firstSeen}
     * for it soon after finds the line in the cache. A caller with a batch of ids touches them all
     * first: the reads do not depend on each other, so the processor overlaps their cache misses, which
     * a table of millions of ids takes on almost every lookup. Changes nothing.
     */
    public void prefetch(long hi) {
        touched += table[home(hi)];
    }

    /**
     * True when {@code id} is not remembered (and remembers it with {@code eventTime}); false for a
     * duplicate. A null id is never a duplicate: sources without ids cannot be deduplicated.
     */
    public boolean firstSeen(String id, long eventTime) {
        if (id == null) {
            return true;
        }
        HashValue128 h = hash(id);
        return firstSeen(probe == null ? h.getMostSignificantBits() : probe.applyAsLong(id), h.getLeastSignificantBits(),
                eventTime);
    }

    /** {@link #firstSeen(String, long)} of the id whose {@link #hash} is ({@code hi}, {@code lo}). */
    public boolean firstSeen(long hi, long lo, long eventTime) {
        long[] t = table;
        int mask = t.length - 1;
        long fingerprint = fingerprint(hi);
        int i = home(hi);
        int distance = 0;
        long at;
        while ((at = t[i]) != 0) {
            if ((at >>> FINGERPRINT_SHIFT) == fingerprint && holds(at & LOCATION_MASK, hi, lo)) {
                return false;
            }
            i = (i + 1) & mask;
            distance++;
        }
        Bucket b = bucketOf(eventTime);
        if (b.entries.size() > POSITION_MASK) {
            throw new IllegalStateException("more than " + (POSITION_MASK + 1) + " ids in one dedup bucket of "
                    + bucketMillis + " ms of event time: the horizon (" + horizonMillis + " ms) holds more ids than memory can");
        }
        t[i] = entry(fingerprint, distance, (long) b.slot << POSITION_BITS | b.entries.add(hi, lo, eventTime));
        size++;
        if (size > t.length >>> 1) {
            rebuild(t.length * 2);
        }
        return true;
    }

    private int home(long hi) {
        return (int) ((hi * mixer) >>> shift);
    }

    private static long fingerprint(long hi) {
        long f = hi >>> FINGERPRINT_SHIFT;
        return f == 0 ? 1 : f; // never 0, so no entry is 0 (an empty slot)
    }

    private static long entry(long fingerprint, int distance, long location) {
        return fingerprint << FINGERPRINT_SHIFT | (long) Math.min(distance, SATURATED) << DISTANCE_SHIFT | location;
    }

    /** Whether the hash kept at {@code location} is ({@code hi}, {@code lo}). */
    private boolean holds(long location, long hi, long lo) {
        IdHashes e = bucketSlots[(int) (location >>> POSITION_BITS)].entries;
        int position = (int) (location & POSITION_MASK);
        return e.hi(position) == hi && e.lo(position) == lo;
    }

    private long hiAt(long location) {
        return bucketSlots[(int) (location >>> POSITION_BITS)].entries.hi((int) (location & POSITION_MASK));
    }

    private Bucket bucketOf(long eventTime) {
        Bucket b = last;
        if (b != null && eventTime >= lastFrom && eventTime < lastUntil) {
            return b;
        }
        long number = Math.floorDiv(eventTime, bucketMillis);
        b = byBucket.get(number);
        if (b == null) {
            b = new Bucket(takeSlot());
            bucketSlots[b.slot] = b;
            byBucket.put(number, b);
        }
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

    private int takeSlot() {
        if (freeCount > 0) {
            return freeSlots[--freeCount];
        }
        if (slotsUsed == 1 << SLOT_BITS) {
            throw new IllegalStateException("more than " + (1 << SLOT_BITS) + " live dedup buckets of " + bucketMillis
                    + " ms of event time: event times spread over far more than the horizon (" + horizonMillis
                    + " ms); make the horizon at least the source's lateness");
        }
        if (slotsUsed == bucketSlots.length) {
            bucketSlots = Arrays.copyOf(bucketSlots, slotsUsed * 2);
        }
        return slotsUsed++;
    }

    private void releaseSlot(int slot) {
        bucketSlots[slot] = null;
        if (freeCount == freeSlots.length) {
            freeSlots = Arrays.copyOf(freeSlots, freeCount * 2);
        }
        freeSlots[freeCount++] = slot;
    }

    /** A table of {@code slots} slots holding every hash of the live buckets (the table keeps no hash to move by). */
    private void rebuild(int slots) {
        long[] t = new long[slots];
        table = t;
        shift = 64 - Integer.numberOfTrailingZeros(slots);
        int mask = slots - 1;
        for (int s = 0; s < slotsUsed; s++) {
            Bucket b = bucketSlots[s];
            if (b == null) {
                continue;
            }
            long slot = (long) s << POSITION_BITS;
            for (int k = 0; k < b.entries.size(); k++) {
                long hi = b.entries.hi(k);
                int i = home(hi);
                int distance = 0;
                while (t[i] != 0) {
                    i = (i + 1) & mask;
                    distance++;
                }
                t[i] = entry(fingerprint(hi), distance, slot | k);
            }
        }
    }

    /** Removes the entry of the hash at {@code location}, whose high half is {@code hi}; it is in the table. */
    private void remove(long hi, long location) {
        long[] t = table;
        int mask = t.length - 1;
        int i = home(hi);
        while ((t[i] & LOCATION_MASK) != location) {
            if (t[i] == 0) {
                throw new IllegalStateException("dedup hash missing from its table at location " + location);
            }
            i = (i + 1) & mask;
        }
        // backward shift: move each later entry of the run whose home slot is not in (i, j] into the hole
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            long e = t[j];
            if (e == 0) {
                break;
            }
            int distance = (int) (e >>> DISTANCE_SHIFT) & SATURATED;
            int home = distance < SATURATED ? (j - distance) & mask : home(hiAt(e & LOCATION_MASK));
            boolean stays = i <= j ? i < home && home <= j : i < home || home <= j;
            if (!stays) {
                t[i] = entry(e >>> FINGERPRINT_SHIFT, (i - home) & mask, e & LOCATION_MASK);
                i = j;
            }
        }
        t[i] = 0;
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
            long slot = (long) bucket.slot << POSITION_BITS;
            for (int k = 0; k < bucket.entries.size(); k++) {
                remove(bucket.entries.hi(k), slot | k);
            }
            forgotten += bucket.entries.size();
            if (bucket == last) {
                last = null;
            }
            releaseSlot(bucket.slot);
            it.remove();
        }
        int slots = table.length;
        while (slots > MIN_CAPACITY && size < slots >>> 3) {
            slots >>>= 1;
        }
        if (slots != table.length) {
            rebuild(slots);
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

    /** Every remembered id (as its hash) with its first event time, in no order. */
    public Map<IdHash, Long> snapshot() {
        Map<IdHash, Long> all = new HashMap<>(size * 2);
        for (Bucket b : byBucket.values()) {
            for (int k = 0; k < b.entries.size(); k++) {
                all.put(new IdHash(b.entries.hi(k), b.entries.lo(k)), b.entries.time(k));
            }
        }
        return Map.copyOf(all);
    }

    /** Restores a state written by {@link #snapshot()} (replacing the current one). */
    public void restore(Map<IdHash, Long> state) {
        table = new long[MIN_CAPACITY];
        shift = 64 - Integer.numberOfTrailingZeros(MIN_CAPACITY);
        size = 0;
        byBucket.clear();
        Arrays.fill(bucketSlots, null);
        slotsUsed = 0;
        freeCount = 0;
        last = null;
        state.forEach((id, time) -> firstSeen(id.hi(), id.lo(), time));
    }

    /** The ids first applied within one bucket of event time, in the order they came. */
    private static final class Bucket {
        final int slot;
        final IdHashes entries = new IdHashes(16);

        Bucket(int slot) {
            this.slot = slot;
        }
    }
}
