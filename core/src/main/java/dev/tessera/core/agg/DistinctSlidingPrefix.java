package dev.tessera.core.agg;

import dev.tessera.core.codec.Hash64;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Arrays;
import org.apache.datasketches.hash.MurmurHash3;

/**
 * The {@link SlidingPrefix} of approx_distinct while its IRs are exact sets of hashes: the hashes held,
 * each with the number of IRs holding it, so an IR leaving takes away only the hashes no other IR
 * holds ({@link HashCounts}), and likewise the HLL coupons of those hashes ({@link CouponCounts}),
 * each with the number of (IR, hash) pairs giving it. What the fold's merge target answers depends
 * on the union alone:
 * <ul>
 *   <li>at most {@value DistinctIr#EXACT_LIMIT} hashes: the target keeps its exact set, and answers
 *       its size;</li>
 *   <li>more: the target moved to its HLL union (lgK 15) and was fed every hash. Up to
 *       {@value #COUPON_LIMIT} distinct coupons (far below the 3,072 at which the union leaves its
 *       coupon list and set for the HLL array) the union is in a coupon mode, whose estimate is a
 *       function of the number of distinct coupons alone: {@code max(cubic(C), C)} over DataSketches'
 *       coupon mapping table ({@code AbstractCoupons.getEstimate}, DataSketches 6.2). So this also
 *       keeps the coupons held (a coupon is what
 *       {@code HllSketch.update(long)} derives from a hash: MurmurHash3 with seed 9001, 26 bits of
 *       address and the leading zeros of the other half), and answers {@code round(estimate(C))}.
 *       The estimate function is read from the library's package-private tables once, by reflection
 *       (as {@link PercentilePrefix} reads KLL's levels); the tests compare every answer with the
 *       real union, and without the tables this gives up instead.</li>
 * </ul>
 * Past {@value #COUPON_LIMIT} coupons, or with an IR that is itself estimating (an HLL union, whose
 * hashes are gone), it gives up for the folding {@link DistinctPrefix}. Past {@value #HASHES_KEPT}
 * distinct hashes it stops keeping the hashes (the coupons tell the answer, and there are at least
 * as many hashes as coupons); should the window then shrink to {@value DistinctIr#EXACT_LIMIT}
 * coupons or fewer, where the exact count would be needed, it gives up too.
 */
final class DistinctSlidingPrefix extends SlidingPrefix {
    static final int COUPON_LIMIT = 2048;
    static final int HASHES_KEPT = 256;
    private static final long HLL_SEED = 9001;
    /** round(estimate(C)) for C in [0, COUPON_LIMIT]; null when the library's tables were not found. */
    private static final long[] ESTIMATES = estimates();

    private HashCounts hashes = new HashCounts();
    /**
     * The coupons of the (IR, hash) pairs held; null while the hashes are kept and no read needed
     * them (a window of at most {@value DistinctIr#EXACT_LIMIT} hashes answers their number). Made
     * from the hash counts when first needed (each hash's coupon, counted as often as the hash), then
     * kept up to date: a day's window of a quiet account never computes a coupon.
     */
    private CouponCounts coupons;
    /** IRs of at least this many hashes change the coupon counts in a batch ({@link #couponsOf}). */
    static final int BATCH = 16;
    private int[] scratch = new int[0];
    /** What the batches' touches read: kept so the loads stay. */
    private long touched;
    /*
     * What the last read found in its last IR, kept for the next read while the IRs held stay the
     * same (no append or drop since: {@link #changes()}) and the last IR is the same object: between reads that IR
     * only gains hashes (WindowPrefix's contract), so a read looks up only the hashes it gained
     * (found by one walk of two sorted arrays) instead of every hash of the last tile again — a
     * random probe of both tables per hash, up to 128 per feature and read.
     */
    /** The last IR the memo is for; null when there is none. */
    private Ir memoOf;
    /** {@link #changes()} when the memo was made. */
    private long memoChanges;
    /** Its hashes already looked up, ascending. */
    private long[] memoHashes = new long[0];
    private int memoSize;
    /** How many of them the held hashes do not have (counted while the hashes are kept). */
    private int memoNewHashes;
    /** The distinct coupons of those hashes that the held coupons do not have, ascending. */
    private int[] memoFresh = new int[0];
    private int memoFreshSize;

    DistinctSlidingPrefix(Aggregator aggregator) {
        super(aggregator);
    }

    private static long[] estimates() {
        try {
            Class<?> mapping = Class.forName("org.apache.datasketches.hll.CouponMapping");
            Class<?> cubic = Class.forName("org.apache.datasketches.hll.CubicInterpolation");
            Field x = mapping.getDeclaredField("xArr");
            Field y = mapping.getDeclaredField("yArr");
            x.setAccessible(true);
            y.setAccessible(true);
            Method interpolate = cubic.getDeclaredMethod("usingXAndYTables", double[].class, double[].class, double.class);
            interpolate.setAccessible(true);
            double[] xs = (double[]) x.get(null);
            double[] ys = (double[]) y.get(null);
            long[] out = new long[COUPON_LIMIT + 1];
            for (int c = 0; c <= COUPON_LIMIT; c++) {
                double est = (double) interpolate.invoke(null, xs, ys, (double) c);
                out[c] = Math.round(Math.max(est, c));
            }
            return out;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Whether the coupon estimate was found in this DataSketches version (checked by a test). */
    static boolean couponEstimateAvailable() {
        return ESTIMATES != null;
    }

    /**
     * The HLL coupon {@code HllSketch.update(hash)} derives from a hash (DataSketches 6.2
     * {@code BaseHllSketch.coupon} of {@code MurmurHash3.hash(new long[] {hash}, 9001)}): 26 bits of
     * address from the first half, the leading zeros of the second (at most 62) plus one above them.
     * MurmurHash3 x64-128 of one 8-byte block is written out here, without its two allocations;
     * {@link #librarysCoupon} is the reference the tests hold it to.
     */
    static int coupon(long hash) {
        long h1 = HLL_SEED;
        long h2 = HLL_SEED;
        long k1 = hash * 0x87c37b91114253d5L; // the 8-byte tail
        k1 = Long.rotateLeft(k1, 31);
        k1 *= 0x4cf5ad432745937fL;
        h1 ^= k1;
        h1 ^= 8; // the length in bytes
        h2 ^= 8;
        h1 += h2;
        h2 += h1;
        h1 = Hash64.fmix(h1);
        h2 = Hash64.fmix(h2);
        h1 += h2;
        h2 += h1;
        return couponOf(h1, h2);
    }

    private static int couponOf(long h0, long h1) {
        int address = (int) (h0 & 0x3FF_FFFFL);
        int lz = Long.numberOfLeadingZeros(h1);
        return (Math.min(lz, 62) + 1) << 26 | address;
    }

    /** {@link #coupon} computed through the library's MurmurHash3 (for tests). */
    static int librarysCoupon(long hash) {
        long[] h = MurmurHash3.hash(new long[] {hash}, HLL_SEED);
        return couponOf(h[0], h[1]);
    }

    @Override
    WindowPrefix folded() {
        return new DistinctPrefix(aggregator);
    }

    @Override
    boolean added(Ir ir) {
        DistinctIr d = (DistinctIr) ir;
        if (d.isEstimating()) {
            return false;
        }
        long[] h = d.exactHashes();
        int[] ks = couponsOf(h, d.exactSize());
        for (int i = 0; i < d.exactSize(); i++) {
            if (hashes != null) {
                hashes.increment(h[i]);
            }
            if (coupons != null) {
                coupons.increment(ks != null ? ks[i] : coupon(h[i]));
            }
        }
        if (hashes != null && hashes.size() > HASHES_KEPT) {
            if (coupons == null) {
                makeCoupons();
            }
            hashes = null;
        }
        // without coupons the hashes are kept, at most HASHES_KEPT: as many coupons or fewer
        return hashes != null && hashes.size() <= DistinctIr.EXACT_LIMIT
                || ESTIMATES != null && (coupons == null || coupons.size() <= COUPON_LIMIT);
    }

    @Override
    boolean removed(Ir ir) {
        DistinctIr d = (DistinctIr) ir;
        long[] h = d.exactHashes();
        int[] ks = couponsOf(h, d.exactSize());
        for (int i = 0; i < d.exactSize(); i++) {
            if (hashes != null && hashes.decrement(h[i]) < 0
                    || coupons != null && coupons.decrement(ks != null ? ks[i] : coupon(h[i])) < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    Object exactResult(Ir last) {
        int n = hashes == null ? Integer.MAX_VALUE : hashes.size();
        if (last != null) {
            DistinctIr d = (DistinctIr) last;
            if (d.isEstimating()) {
                return CANNOT;
            }
            lookUpNew(d);
            if (hashes != null) {
                n += memoNewHashes;
            }
        }
        if (n <= DistinctIr.EXACT_LIMIT) {
            return (long) n;
        }
        if (coupons == null) {
            makeCoupons(); // and look the last IR's hashes up again, coupons included
            if (last != null) {
                lookUpNew((DistinctIr) last);
            }
        }
        int c = coupons.size() + (last != null ? memoFreshSize : 0);
        if (hashes == null && c <= DistinctIr.EXACT_LIMIT) {
            return CANNOT; // the hashes are no longer kept, and the exact count might be the answer
        }
        return ESTIMATES != null && c <= COUPON_LIMIT ? (Object) ESTIMATES[c] : CANNOT;
    }

    /**
     * Brings the memo up to the hashes {@code last} holds now: each one the memo has not seen is
     * looked up in the held hashes (while kept) and, when they do not have it, its coupon in the held
     * coupons; coupons found in neither join the memo's fresh ones.
     */
    private void lookUpNew(DistinctIr last) {
        long[] h = last.exactHashes();
        int m = last.exactSize();
        if (memoOf != last || memoChanges != changes()) {
            memoOf = last;
            memoChanges = changes();
            memoSize = 0;
            memoNewHashes = 0;
            memoFreshSize = 0;
        }
        if (m == memoSize) {
            return; // nothing gained (the IR only grows, and the memo holds m of its hashes)
        }
        int j = 0;
        for (int i = 0; i < m; i++) {
            long x = h[i];
            if (j < memoSize && memoHashes[j] < x) { // a hash the IR no longer has: not the growing last IR of the contract
                memoSize = 0;
                memoNewHashes = 0;
                memoFreshSize = 0;
                i = -1;
                j = 0;
                continue; // start over without the memo
            }
            if (j < memoSize && memoHashes[j] == x) {
                j++;
                continue;
            }
            if (hashes == null || !hashes.contains(x)) {
                if (hashes != null) {
                    memoNewHashes++;
                }
                if (coupons != null) {
                    int k = coupon(x);
                    if (!coupons.contains(k)) {
                        addFresh(k);
                    }
                }
            }
        }
        if (memoHashes.length < m) {
            memoHashes = new long[Math.max(m, 2 * memoHashes.length)];
        }
        System.arraycopy(h, 0, memoHashes, 0, m);
        memoSize = m;
    }

    /**
     * The coupons of {@code h[0, n)} in a scratch array, their home slots touched first
     * ({@link CouponCounts#touch}), when there are coupon counts to change and enough of them for
     * the misses to matter (an IR of a day tile); else null (coupons are then computed one by one).
     */
    private int[] couponsOf(long[] h, int n) {
        if (coupons == null || n < BATCH) {
            return null;
        }
        if (scratch.length < n) {
            scratch = new int[Math.max(n, 2 * scratch.length)];
        }
        for (int i = 0; i < n; i++) {
            scratch[i] = coupon(h[i]);
        }
        touched += coupons.touch(scratch, n);
        return scratch;
    }

    /** The coupon counts of the hashes held (kept until now), and a memo that will count fresh coupons. */
    private void makeCoupons() {
        coupons = new CouponCounts();
        for (int i = 0; i < hashes.capacity(); i++) {
            int times = hashes.countAt(i);
            if (times > 0) {
                coupons.add(coupon(hashes.keyAt(i)), times);
            }
        }
        memoOf = null; // its fresh coupons were not looked for
    }

    private void addFresh(int k) {
        int at = Arrays.binarySearch(memoFresh, 0, memoFreshSize, k);
        if (at >= 0) {
            return;
        }
        at = -at - 1;
        if (memoFreshSize == memoFresh.length) {
            memoFresh = Arrays.copyOf(memoFresh, Math.max(8, 2 * memoFreshSize));
        }
        System.arraycopy(memoFresh, at, memoFresh, at + 1, memoFreshSize - at);
        memoFresh[at] = k;
        memoFreshSize++;
    }

    @Override
    void released() {
        hashes = null;
        coupons = null;
        scratch = null;
        memoOf = null;
        memoHashes = null;
        memoFresh = null;
    }
}
