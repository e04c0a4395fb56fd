package dev.tessera.core.agg;

/**
 * The {@link WindowPrefix} of approx_distinct. What a read of the generic prefix costs is copying the
 * fold: up to 128 hashes, or an HLL union of up to 12 KiB of coupons (32 KiB dense). Two exact
 * shortcuts avoid it when the window's last IR is still exact (a tile rarely sees more than 128
 * distinct values):
 * <ul>
 *   <li><b>Fold exact</b>: the answer is the size of the union of two sorted hash sets, counted by
 *       one merge walk, as long as it is at most 128 (beyond that the merge target would move to its
 *       HLL and the generic read is used).</li>
 *   <li><b>Fold estimating</b>: the fold absorbs the last IR's hashes in place (it is made an owned
 *       copy first if it was a tile's own IR). A union is idempotent and only ever holds hashes of the
 *       window's own tiles, so the fold then holds exactly the hashes (HLL coupons, registers) the
 *       generic read's target would hold — and still does after later appends, which add the former
 *       last tile in full. The last IR only grows while it is the same object (see the contract), so
 *       a read absorbs only the hashes it gained since the previous read ({@code absorbed}). The
 *       composite estimate depends on the coupons or registers only (it reads the registers' sums of
 *       2^-v, which are exact in a double for lgK = 15), not on the order of updates.</li>
 *   <li><b>Last IR estimating</b> (a tile with more than 128 distinct values: a day's tile of a busy
 *       account): the fold absorbs the whole last IR by a union, which is idempotent, so absorbing
 *       it again after it grew is still the union the generic read's target holds; and the generic
 *       read would copy the fold (32 KiB of registers once dense) and union both into it on every
 *       read. While the last IR's union is in a coupon mode, an unchanged estimate means unchanged
 *       coupons (see {@link DistinctIr#inCouponMode(double)}), and the previous answer is returned.</li>
 * </ul>
 */
final class DistinctPrefix extends MergedPrefix {
    /** The last IR whose hashes the fold absorbed. */
    private Ir absorbedOf;
    /** Its hashes absorbed so far, ascending, in [0, absorbedSize). */
    private long[] absorbed = new long[0];
    private int absorbedSize;
    private Object absorbedResult;
    /** The estimate of the (estimating) last IR when the fold last absorbed it; NaN when not known. */
    private double absorbedTailEstimate = Double.NaN;

    DistinctPrefix(Aggregator aggregator) {
        super(aggregator);
    }

    @Override
    public void append(Ir ir) {
        if (absorbedOf != null && ir != absorbedOf) {
            throw new IllegalStateException("approx_distinct window prefix: the IR appended is not the last IR it was"
                    + " read with, whose hashes its fold holds; make a new prefix when the window changes otherwise");
        }
        super.append(ir);
    }

    @Override
    void changed() {
        absorbedOf = null;
        absorbedResult = null;
        absorbedTailEstimate = Double.NaN;
    }

    @Override
    public Object resultWith(Ir last) {
        Ir f = fold();
        if (f == null || last == null) {
            return mergedResult(last);
        }
        DistinctIr tail = (DistinctIr) last;
        if (tail.isEstimating()) {
            return absorbEstimating(tail);
        }
        if (!((DistinctIr) f).isEstimating()) {
            DistinctIr fold = (DistinctIr) f;
            int n = unionSize(fold.exactHashes(), fold.exactSize(), tail.exactHashes(), tail.exactSize());
            return n <= DistinctIr.EXACT_LIMIT ? (Object) (long) n : mergedResult(last);
        }
        DistinctIr fold = (DistinctIr) ownedFold();
        if (absorbedOf != last) {
            if (absorbedOf != null) {
                throw new IllegalStateException("approx_distinct window prefix read with another last IR than the one"
                        + " whose hashes its fold holds; make a new prefix when the window changes otherwise");
            }
            absorbedOf = last;
            absorbedSize = 0;
            absorbedResult = null;
        }
        if (absorbNew(fold, tail.exactHashes(), tail.exactSize()) || absorbedResult == null) {
            absorbedResult = fold.result();
        }
        return absorbedResult;
    }

    /** The read with an estimating last IR (see the class comment). */
    private Object absorbEstimating(DistinctIr tail) {
        DistinctIr fold = (DistinctIr) ownedFold();
        if (absorbedOf != tail) {
            if (absorbedOf != null && absorbedOf != tail) {
                throw new IllegalStateException("approx_distinct window prefix read with another last IR than the one"
                        + " whose hashes its fold holds; make a new prefix when the window changes otherwise");
            }
            absorbedOf = tail;
            absorbedSize = 0;
            absorbedResult = null;
            absorbedTailEstimate = Double.NaN;
        }
        double estimate = tail.estimate();
        boolean coupons = DistinctIr.inCouponMode(estimate);
        if (absorbedResult == null || !coupons || estimate != absorbedTailEstimate) {
            fold.merge(tail);
            absorbedTailEstimate = coupons ? estimate : Double.NaN;
            absorbedResult = fold.result();
        }
        return absorbedResult;
    }

    /** Adds to {@code fold} the hashes of {@code h[0, n)} not absorbed yet; true when there were any. */
    private boolean absorbNew(DistinctIr fold, long[] h, int n) {
        boolean any = false;
        int j = 0;
        for (int i = 0; i < n; i++) {
            while (j < absorbedSize && absorbed[j] < h[i]) {
                j++;
            }
            if (j < absorbedSize && absorbed[j] == h[i]) {
                j++;
            } else {
                fold.addHash(h[i]);
                any = true;
            }
        }
        if (any || absorbedSize != n) {
            if (absorbed.length < n) {
                absorbed = new long[Math.max(n, 2 * absorbed.length)];
            }
            System.arraycopy(h, 0, absorbed, 0, n);
            absorbedSize = n;
        }
        return any;
    }

    /** The number of distinct values in two ascending arrays. */
    private static int unionSize(long[] a, int na, long[] b, int nb) {
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < na && j < nb) {
            long x = a[i];
            long y = b[j];
            if (x == y) {
                i++;
                j++;
            } else if (x < y) {
                i++;
            } else {
                j++;
            }
            n++;
        }
        return n + (na - i) + (nb - j);
    }
}
