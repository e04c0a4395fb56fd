package dev.tessera.inference;

import java.nio.charset.StandardCharsets;
import org.apache.datasketches.hash.MurmurHash3;

/**
 * Which variant of an {@link Experiment} a unit gets: the unit id and the salt hashed (MurmurHash3,
 * 128 bits) into one of {@value #BUCKETS} buckets. Treatment {@code i} of {@code n} owns the slice of
 * buckets starting at {@code i · BUCKETS / n} and takes the first {@code share · BUCKETS} of it; every
 * other bucket is control. So:
 * <ul>
 *   <li>a unit always gets the same variant (same salt, same shares);</li>
 *   <li>raising a treatment's share only adds units to it (they come from control), and lowering it
 *       only returns units to control: no unit moves between treatments;</li>
 *   <li>a rolled-back treatment (share 0) sends all its units to control.</li>
 * </ul>
 */
public final class Assignment {
    public static final int BUCKETS = 10_000;
    private static final long SEED = 0x7E55E7AL;

    private Assignment() {
    }

    /** The unit's bucket, 0 to {@value #BUCKETS} − 1. */
    public static int bucket(String salt, String unit) {
        byte[] bytes = (salt + '\u0000' + unit).getBytes(StandardCharsets.UTF_8);
        long h = MurmurHash3.hash(bytes, SEED)[0];
        return (int) Long.remainderUnsigned(h, BUCKETS);
    }

    /**
     * The index of the treatment in {@code shares} the bucket falls in, or -1 for control.
     *
     * @param shares each treatment's current share (its configured share, or 0 once rolled back)
     */
    public static int variant(int bucket, double[] shares) {
        int n = shares.length;
        if (n == 0) {
            return -1;
        }
        int slice = BUCKETS / n;
        int i = bucket / slice;
        if (i >= n) {
            return -1; // the remainder past the last slice (BUCKETS not a multiple of n) is control's
        }
        return bucket - i * slice < Math.round(shares[i] * BUCKETS) ? i : -1;
    }
}
