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
 *   <li><b>Fold estimating</b>: a copy of the fold, made once, absorbs the last IR's hashes
 *       ({@code withLast}). The last IR only grows while it is the same object (see the contract), and a
 *       union is idempotent, so on later reads only the hashes added since are absorbed: the copy then
 *       holds exactly the hashes (HLL coupons, registers) the generic read's target would hold, and
 *       the composite estimate depends on nothing else. (It reads the registers' sums of 2^-v, which
 *       are exact in a double for lgK = 15, and the coupon count: no dependence on update order.)</li>
 * </ul>
 */
final class DistinctPrefix extends MergedPrefix {
    /** The fold with the last IR's hashes absorbed; null until needed, dropped when the fold changes. */
    private DistinctIr withLast;
    /** The last IR absorbed into {@link #withLast}. */
    private Ir withLastOf;
    /** Its hashes absorbed so far, ascending, in [0, absorbedSize). */
    private long[] absorbed = new long[0];
    private int absorbedSize;
    private Object withLastResult;

    DistinctPrefix(Aggregator aggregator) {
        super(aggregator);
    }

    @Override
    void changed() {
        withLast = null;
        withLastOf = null;
        withLastResult = null;
    }

    @Override
    public Object resultWith(Ir last) {
        Ir f = fold();
        if (f == null || last == null) {
            return mergedResult(last);
        }
        DistinctIr fold = (DistinctIr) f;
        DistinctIr tail = (DistinctIr) last;
        if (tail.isEstimating()) {
            return mergedResult(last);
        }
        if (!fold.isEstimating()) {
            int n = unionSize(fold.exactHashes(), fold.exactSize(), tail.exactHashes(), tail.exactSize());
            return n <= DistinctIr.EXACT_LIMIT ? (Object) (long) n : mergedResult(last);
        }
        if (withLast == null || withLastOf != last) {
            withLast = new DistinctIr();
            withLast.merge(fold);
            withLastOf = last;
            absorbedSize = 0;
            withLastResult = null;
        }
        if (absorbNew(tail.exactHashes(), tail.exactSize()) || withLastResult == null) {
            withLastResult = withLast.result();
        }
        return withLastResult;
    }

    /** Adds to {@link #withLast} the hashes of {@code h[0, n)} not absorbed yet; true when there were any. */
    private boolean absorbNew(long[] h, int n) {
        boolean any = false;
        int j = 0;
        for (int i = 0; i < n; i++) {
            while (j < absorbedSize && absorbed[j] < h[i]) {
                j++;
            }
            if (j < absorbedSize && absorbed[j] == h[i]) {
                j++;
            } else {
                withLast.addHash(h[i]);
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
