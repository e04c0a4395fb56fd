package dev.tessera.core.agg;

/**
 * The {@link SlidingPrefix} of sum and avg. The merge adds the integer parts (a 128-bit total and a
 * count) exactly, and the double parts by a compensated step that depends on order; the two never
 * mix until the result. So this keeps the integer parts of the IRs held as running totals (added and
 * subtracted exactly), and the double parts ({@code s}, {@code c}) of each IR that saw a double, in
 * arrays, oldest first. The fold is those totals plus the compensated fold of the double parts in
 * order; after a drop the double parts are folded again <b>from the arrays</b>, with the merge's own
 * step ({@link SumAccumulator#mergeDoubleParts}, the step of {@link SumAccumulator#mergeParts} with
 * the running parts in locals) — a few nanoseconds per IR, where folding the window's tiles again
 * cost a cache miss per tile. The answer is the fold's, bit for bit.
 */
final class SumPrefix extends SlidingPrefix {
    private long n;
    private long lo;
    private long hi;
    /** The double parts of the IRs held that saw a double, oldest first: index (start + i) & (capacity - 1) (a power of two). */
    private double[] s = new double[4];
    private double[] c = new double[4];
    private int start;
    private int count;
    /** The fold of the double parts; null when a drop made it stale. */
    private SumAccumulator doubles;
    /** The read's merge target, reused: cleared, it is what a new one is. */
    private SumAccumulator target;

    SumPrefix(Aggregator aggregator) {
        super(aggregator);
    }

    @Override
    boolean added(Ir ir) {
        SumAccumulator a = (SumAccumulator) ir;
        long r = lo + a.partLo();
        hi = hi + a.partHi() + (Long.compareUnsigned(r, lo) < 0 ? 1 : 0);
        lo = r;
        n += a.partN();
        if (!a.partSawDouble()) {
            return true;
        }
        if (count == s.length) {
            double[] s2 = new double[count * 2];
            double[] c2 = new double[count * 2];
            for (int i = 0; i < count; i++) {
                s2[i] = s[(start + i) & (s.length - 1)];
                c2[i] = c[(start + i) & (s.length - 1)];
            }
            s = s2;
            c = c2;
            start = 0;
        }
        int at = (start + count) & (s.length - 1);
        s[at] = a.partS();
        c[at] = a.partC();
        count++;
        if (doubles != null) {
            doubles.mergeParts(0, 0, 0, s[at], c[at], true);
        }
        return true;
    }

    @Override
    boolean removed(Ir ir) {
        SumAccumulator a = (SumAccumulator) ir;
        long r = lo - a.partLo();
        hi = hi - a.partHi() - (Long.compareUnsigned(lo, a.partLo()) < 0 ? 1 : 0);
        lo = r;
        n -= a.partN();
        if (a.partSawDouble()) {
            start = (start + 1) & (s.length - 1);
            count--;
            doubles = null;
        }
        return true;
    }

    @Override
    Object exactResult(Ir last) {
        if (doubles == null) {
            doubles = (SumAccumulator) aggregator.newMergeTarget();
            // the two runs of the ring, oldest first; no division per part (it cost more than the step)
            int firstRun = Math.min(count, s.length - start);
            doubles.mergeDoubleParts(s, c, start, firstRun);
            doubles.mergeDoubleParts(s, c, 0, count - firstRun);
        }
        // what the contract does: a fresh target receives the fold, then the last IR
        if (target == null) {
            target = (SumAccumulator) aggregator.newMergeTarget();
        } else {
            target.clear();
        }
        target.mergeParts(n, lo, hi, doubles.partS(), doubles.partC(), doubles.partSawDouble());
        if (last != null) {
            target.merge(last);
        }
        return target.result();
    }

    @Override
    void released() {
        s = null;
        c = null;
        doubles = null;
        target = null;
    }
}
