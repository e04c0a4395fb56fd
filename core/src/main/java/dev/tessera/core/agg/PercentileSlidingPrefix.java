package dev.tessera.core.agg;

import java.util.Arrays;

/**
 * The {@link SlidingPrefix} of approx_percentile while the window is exact: the values of the IRs
 * held, as one sorted array (a multiset). While every IR is an exact buffer and the window holds at
 * most {@value PercentileIr#MERGE_EXACT_LIMIT} values, the fold's merge target is an exact buffer of
 * all of them and answers the value at {@link PercentileIr#inclusiveIndex} of their sorted union;
 * so does this, finding that rank among the held values and the last IR's without merging them. An
 * IR joining is merged into the array, an IR leaving is taken out of it: each of its values found by
 * binary search, the values between them moved in blocks (a slide of a week of a quiet account moves
 * a value or two among hundreds). Past the
 * limit, or with an IR that is a KLL sketch, it gives up for the folding {@link PercentilePrefix}.
 */
final class PercentileSlidingPrefix extends SlidingPrefix {
    private double[] values = new double[16];
    private int size;
    /** Values added since the array was last merged: merged in one sort when next needed, so a new prefix costs one sort, not a merge per IR. */
    private double[] pending = new double[16];
    private int pendingSize;
    /*
     * What the last read found for its last IR, kept while the values held stay the same (no append or drop since:
     * {@link #changes()}) and the last IR is the same object: its sorted buffer only gains values
     * between reads, so a read binary-searches the held values only for the values it gained (a
     * busy account's hour holds dozens, each a search of thousands of values).
     */
    /** The last IR the memo is for; null when there is none. */
    private Ir memoOf;
    /** {@link #changes()} when the memo was made. */
    private long memoChanges;
    /** Its sorted values already searched, and for each the number of held values at most equal to it. */
    private double[] memoValues = new double[0];
    private int[] memoUpper = new int[0];
    private int memoSize;

    PercentileSlidingPrefix(Aggregator aggregator) {
        super(aggregator);
    }

    @Override
    WindowPrefix folded() {
        return new PercentilePrefix(aggregator);
    }

    @Override
    boolean added(Ir ir) {
        PercentileIr b = (PercentileIr) ir;
        if (b.isSketch()) {
            return false;
        }
        int m = b.bufferSize();
        if (size + pendingSize + m > PercentileIr.MERGE_EXACT_LIMIT) {
            return false;
        }
        if (m == 0) {
            return true;
        }
        if (pending.length < pendingSize + m) {
            pending = Arrays.copyOf(pending, Math.max(pendingSize + m, 2 * pending.length));
        }
        System.arraycopy(b.sortedBuffer(), 0, pending, pendingSize, m);
        pendingSize += m;
        return true;
    }

    /** Merges the pending values into the sorted array. */
    private void settle() {
        if (pendingSize == 0) {
            return;
        }
        Arrays.sort(pending, 0, pendingSize);
        int m = pendingSize;
        if (values.length < size + m) {
            values = Arrays.copyOf(values, Math.max(size + m, 2 * values.length));
        }
        // merge from the back, in place: each pending value goes after the held values equal to it;
        // the held values above it move up in one copy (a slide adds a value or two to hundreds)
        int i = size; // values[0, i) are not placed yet
        for (int j = m - 1; j >= 0; j--) {
            int at = upper(values, i, pending[j]);
            System.arraycopy(values, at, values, at + j + 1, i - at);
            values[at + j] = pending[j];
            i = at;
        }
        size += m;
        pendingSize = 0;
        if (pending.length > 64) {
            pending = new double[16]; // large only while a new prefix was filled
        }
    }

    @Override
    boolean removed(Ir ir) {
        PercentileIr b = (PercentileIr) ir;
        int m = b.bufferSize();
        if (m == 0) {
            return true;
        }
        settle();
        double[] drop = b.sortedBuffer();
        // each dropped value is found by binary search; the values kept between two of them move down in one copy
        int out = lower(values, 0, size, drop[0]);
        int i = out; // values[i, size) are not looked at yet; values[0, out) are kept
        for (int j = 0; j < m; j++) {
            int at = lower(values, i, size, drop[j]);
            if (at == size || Double.compare(values[at], drop[j]) != 0) {
                return false; // not all held: a caller's bug
            }
            System.arraycopy(values, i, values, out, at - i);
            out += at - i;
            i = at + 1;
        }
        System.arraycopy(values, i, values, out, size - i);
        size = out + size - i;
        return true;
    }

    @Override
    Object exactResult(Ir last) {
        int m = 0;
        double[] b = null;
        double p;
        if (last != null) {
            PercentileIr l = (PercentileIr) last;
            if (l.isSketch()) {
                return CANNOT;
            }
            m = l.bufferSize();
            b = l.sortedBuffer();
            p = l.p();
        } else {
            p = ((PercentileIr) held(0, true)).p();
        }
        int n = size + pendingSize + m;
        if (n > PercentileIr.MERGE_EXACT_LIMIT) {
            return CANNOT;
        }
        settle();
        if (n == 0) {
            return aggregator.emptyResult();
        }
        int r = PercentileIr.inclusiveIndex(p, n);
        int[] uppers = m == 0 ? null : uppers(last, b, m);
        // the merged order puts each b[j] after the held values equal to it; b[j] is at upper(b[j]) + j
        int before = 0; // b values placed before rank r
        for (int j = 0; j < m; j++) {
            int at = uppers[j] + j;
            if (at == r) {
                return b[j];
            }
            if (at < r) {
                before++;
            } else {
                break;
            }
        }
        return values[r - before];
    }

    /**
     * {@code upper(values, size, b[j])} for each of the last IR's sorted values {@code b[0, m)}: from
     * the memo for the values it holds (a walk of both sorted arrays), by binary search for the others.
     */
    private int[] uppers(Ir last, double[] b, int m) {
        if (memoOf != last || memoChanges != changes()) {
            memoOf = last;
            memoChanges = changes();
            memoSize = 0;
        }
        int[] out = new int[m];
        int j = 0;
        for (int i = 0; i < m; i++) {
            while (j < memoSize && Double.compare(memoValues[j], b[i]) < 0) {
                j++; // a value the IR no longer holds cannot happen (it only grows); skipping keeps this exact anyway
            }
            if (j < memoSize && Double.compare(memoValues[j], b[i]) == 0) {
                out[i] = memoUpper[j++];
            } else {
                out[i] = upper(values, size, b[i]);
            }
        }
        if (memoValues.length < m) {
            memoValues = new double[Math.max(m, 2 * memoValues.length)];
            memoUpper = new int[memoValues.length];
        }
        System.arraycopy(b, 0, memoValues, 0, m);
        System.arraycopy(out, 0, memoUpper, 0, m);
        memoSize = m;
        return out;
    }

    /** The number of values in {@code a[0, n)} that are at most {@code x} (by Double.compare). */
    private static int upper(double[] a, int n, double x) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Double.compare(a[mid], x) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The first index in {@code a[from, to)} whose value is at least {@code x} (by Double.compare), or {@code to}. */
    private static int lower(double[] a, int from, int to, double x) {
        int lo = from;
        int hi = to;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Double.compare(a[mid], x) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Override
    void released() {
        values = null;
        pending = null;
        memoOf = null;
        memoValues = null;
        memoUpper = null;
    }
}
