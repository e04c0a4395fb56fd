package dev.tessera.core.dedup;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
 * <h2>Memory</h2>
 * One map entry per remembered id plus an expiry index bucketed by {@code bucketMillis} of event
 * time; whole buckets are dropped at once. Not thread-safe: one instance per partition worker.
 */
public final class Deduplicator {
    private final long horizonMillis;
    private final long bucketMillis;
    private final Map<String, Long> firstSeenAt = new HashMap<>();
    private final TreeMap<Long, List<String>> byBucket = new TreeMap<>();

    public Deduplicator(long horizonMillis) {
        if (horizonMillis <= 0) {
            throw new IllegalArgumentException("dedup horizon must be positive, got " + horizonMillis + " ms");
        }
        this.horizonMillis = horizonMillis;
        this.bucketMillis = Math.max(1, horizonMillis / 16);
    }

    /**
     * True when {@code id} is not remembered (and remembers it with {@code eventTime}); false for a
     * duplicate. A null id is never a duplicate: sources without ids cannot be deduplicated.
     */
    public boolean firstSeen(String id, long eventTime) {
        if (id == null) {
            return true;
        }
        if (firstSeenAt.putIfAbsent(id, eventTime) != null) {
            return false;
        }
        byBucket.computeIfAbsent(Math.floorDiv(eventTime, bucketMillis), b -> new ArrayList<>()).add(id);
        return true;
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
        for (Iterator<Map.Entry<Long, List<String>>> it = byBucket.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, List<String>> bucket = it.next();
            if ((bucket.getKey() + 1) * bucketMillis > cutoff) {
                break;
            }
            for (String id : bucket.getValue()) {
                firstSeenAt.remove(id);
                forgotten++;
            }
            it.remove();
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
        return firstSeenAt.size();
    }

    public long horizonMillis() {
        return horizonMillis;
    }

    /** Every remembered (id, first event time), for persisting the state with a commit. */
    public Map<String, Long> snapshot() {
        return Map.copyOf(firstSeenAt);
    }

    /** Restores a state written by {@link #snapshot()} (replacing the current one). */
    public void restore(Map<String, Long> state) {
        firstSeenAt.clear();
        byBucket.clear();
        state.forEach(this::firstSeen);
    }
}
