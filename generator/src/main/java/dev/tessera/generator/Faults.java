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
 *       replaced by null. The records stay well-formed events and are applied.</li>
 * </ul>
 * Thread-safe: set from any thread, read by the generator thread per record.
 */
public final class Faults {
    private final boolean[] stalled = new boolean[CommerceSource.values().length];
    private final double[] violationRate = new double[CommerceSource.values().length];
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
