package dev.tessera.generator;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Faults a live run injects on demand, switched while it runs, so the platform's monitoring can be
 * shown (and tested) to notice them:
 * <ul>
 *   <li><b>stall</b>: a source's records are no longer produced (an upstream outage); its freshness
 *       grows until the freshness alert fires;</li>
 *   <li><b>violations</b>: a share of a source's records break the data-quality rules a team would
 *       write for it: payments get a negative {@code amount} (a refund booked as a payment) or, every
 *       other one, the {@code status} {@code "UNKNOWN"}; other sources get an empty {@code country}
 *       replaced by null. The records stay well-formed events and are applied;</li>
 *   <li><b>paused partition</b>: records of a source that the Kafka producer would send to one
 *       partition (its default partitioner: murmur2 of the key) are not produced, as when one
 *       producer instance of several is down;</li>
 *   <li><b>late flood</b>: a share of a source's records carry an event time three hours old, past
 *       every source's lateness, so the runtime dead-letters them as {@code late};</li>
 *   <li><b>malformed burst</b>: a share of a source's records are cut in half (not JSON).</li>
 * </ul>
 * Thread-safe: set from any thread, read by the generator thread per record.
 */
public final class Faults {
    private final boolean[] stalled = new boolean[CommerceSource.values().length];
    private final double[] violationRate = new double[CommerceSource.values().length];
    private final int[] pausedPartition = new int[CommerceSource.values().length];
    private final int[] partitionsOf = new int[CommerceSource.values().length];
    private final double[] lateRate = new double[CommerceSource.values().length];
    private final double[] malformedRate = new double[CommerceSource.values().length];
    private final AtomicLongArray dropped = new AtomicLongArray(CommerceSource.values().length);
    private final AtomicLongArray violated = new AtomicLongArray(CommerceSource.values().length);

    /** Stops ({@code true}) or resumes producing {@code source}'s records. */
    public synchronized void stall(CommerceSource source, boolean on) {
        stalled[source.ordinal()] = on;
    }

    /** Makes {@code rate} (0..1) of {@code source}'s records break its quality rules; 0 stops it. */
    public synchronized void violations(CommerceSource source, double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("violation rate " + rate + " is not a fraction between 0 and 1");
        }
        violationRate[source.ordinal()] = rate;
    }

    {
        java.util.Arrays.fill(pausedPartition, -1);
    }

    /** Stops producing {@code source}'s records bound for {@code partition} of its {@code partitions}; -1 resumes. */
    public synchronized void pausePartition(CommerceSource source, int partition, int partitions) {
        pausedPartition[source.ordinal()] = partition;
        partitionsOf[source.ordinal()] = partitions;
    }

    /** Makes {@code rate} of {@code source}'s records three hours late; 0 stops it. */
    public synchronized void lateFlood(CommerceSource source, double rate) {
        lateRate[source.ordinal()] = rate;
    }

    /** Makes {@code rate} of {@code source}'s records malformed (cut short); 0 stops it. */
    public synchronized void malformedBurst(CommerceSource source, double rate) {
        malformedRate[source.ordinal()] = rate;
    }

    /** Records of {@code source} not produced because it was stalled. */
    public long dropped(CommerceSource source) {
        return dropped.get(source.ordinal());
    }

    /** Records of {@code source} produced with a violation. */
    public long violated(CommerceSource source) {
        return violated.get(source.ordinal());
    }

    /** The record as produced under the current faults, or null when it is not produced. */
    synchronized GeneratedRecord apply(GeneratedRecord r) {
        int s = r.source().ordinal();
        if (stalled[s]) {
            dropped.incrementAndGet(s);
            return null;
        }
        if (pausedPartition[s] >= 0 && r.key() != null) {
            byte[] key = r.key().getBytes(StandardCharsets.UTF_8);
            int p = org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(key)) % partitionsOf[s];
            if (p == pausedPartition[s]) {
                dropped.incrementAndGet(s);
                return null;
            }
        }
        if (r.disorder() == null || !r.disorder().malformed()) {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            if (malformedRate[s] > 0 && rnd.nextDouble() < malformedRate[s]) {
                byte[] cut = java.util.Arrays.copyOf(r.value(), r.value().length / 2);
                violated.incrementAndGet(s);
                return new GeneratedRecord(r.source(), r.key(), cut, r.eventTime(), r.disorder(), r.fraud());
            }
            if (lateRate[s] > 0 && rnd.nextDouble() < lateRate[s]) {
                long old = r.eventTime() - 3 * 3_600_000L;
                String json = r.text().replaceFirst("\"event_time\":\\d+", "\"event_time\":" + old);
                violated.incrementAndGet(s);
                return new GeneratedRecord(r.source(), r.key(), json.getBytes(StandardCharsets.UTF_8), old, r.disorder(), r.fraud());
            }
        }
        double rate = violationRate[s];
        if (rate == 0 || r.disorder() != null && r.disorder().malformed() || ThreadLocalRandom.current().nextDouble() >= rate) {
            return r;
        }
        byte[] changed = violate(r);
        if (changed == null) {
            return r;
        }
        violated.incrementAndGet(s);
        return new GeneratedRecord(r.source(), r.key(), changed, r.eventTime(), r.disorder(), r.fraud());
    }

    private byte[] violate(GeneratedRecord r) {
        String json = r.text();
        String out;
        if (r.source() == CommerceSource.PAYMENTS) {
            out = violated.get(r.source().ordinal()) % 2 == 0 ? json.replace("\"amount\":", "\"amount\":-")
                    : json.replaceFirst("\"status\":\"[A-Z]+\"", "\"status\":\"UNKNOWN\"");
        } else {
            out = json.replaceFirst("\"country\":\"[^\"]*\"", "\"country\":null");
        }
        return out.equals(json) ? null : out.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized String toString() {
        return "stalled " + Arrays.toString(stalled) + ", violations " + Arrays.toString(violationRate);
    }
}
