package dev.tessera.core.agg;

/**
 * The {@link SlidingPrefix} of sum and avg. Their merge is exact for integers but not for doubles: the
 * compensated sum of the fold depends on the order of its steps, so the window's value is the fold of
 * its IRs' parts in time order, and nothing less. This prefix keeps a compact copy of the parts of
 * each IR held (six numbers, in arrays: no tile is read again) and the fold of them; after a drop it
 * folds the copy again, with the very step the merge uses ({@link SumAccumulator#mergeParts}) — a
 * few nanoseconds per IR, where folding the window's tiles again cost a cache miss per tile.
 */
final class SumPrefix extends SlidingPrefix {
    /** The parts of the non-null IRs held, oldest first: index (start + i) % capacity. */
    private long[] n = new long[4];
    private long[] lo = new long[4];
    private long[] hi = new long[4];
    private double[] s = new double[4];
    private double[] c = new double[4];
    private boolean[] dbl = new boolean[4];
    private int start;
    private int count;
    /** The fold of those parts; null when a drop made it stale. */
    private SumAccumulator fold;

    SumPrefix(Aggregator aggregator) {
        super(aggregator);
    }

    @Override
    boolean added(Ir ir) {
        SumAccumulator a = (SumAccumulator) ir;
        if (count == n.length) {
            grow();
        }
        int at = (start + count) % n.length;
        n[at] = a.partN();
        lo[at] = a.partLo();
        hi[at] = a.partHi();
        s[at] = a.partS();
        c[at] = a.partC();
        dbl[at] = a.partSawDouble();
        count++;
        if (fold != null) {
            fold.mergeParts(n[at], lo[at], hi[at], s[at], c[at], dbl[at]);
        }
        return true;
    }

    private void grow() {
        int cap = n.length * 2;
        long[] n2 = new long[cap];
        long[] lo2 = new long[cap];
        long[] hi2 = new long[cap];
        double[] s2 = new double[cap];
        double[] c2 = new double[cap];
        boolean[] d2 = new boolean[cap];
        for (int i = 0; i < count; i++) {
            int from = (start + i) % n.length;
            n2[i] = n[from];
            lo2[i] = lo[from];
            hi2[i] = hi[from];
            s2[i] = s[from];
            c2[i] = c[from];
            d2[i] = dbl[from];
        }
        n = n2;
        lo = lo2;
        hi = hi2;
        s = s2;
        c = c2;
        dbl = d2;
        start = 0;
    }

    @Override
    boolean removed(Ir ir) {
        start = (start + 1) % n.length;
        count--;
        fold = null;
        return true;
    }

    @Override
    Object exactResult(Ir last) {
        if (fold == null) {
            fold = (SumAccumulator) aggregator.newMergeTarget();
            for (int i = 0; i < count; i++) {
                int at = (start + i) % n.length;
                fold.mergeParts(n[at], lo[at], hi[at], s[at], c[at], dbl[at]);
            }
        }
        Ir target = aggregator.newMergeTarget(); // what the contract does: the fold, then the last IR
        target.merge(fold);
        if (last != null) {
            target.merge(last);
        }
        return target.result();
    }

    @Override
    void released() {
        n = null;
        lo = null;
        hi = null;
        s = null;
        c = null;
        dbl = null;
        fold = null;
    }
}
