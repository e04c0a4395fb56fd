package dev.tessera.core.agg;

import java.lang.reflect.Field;
import java.util.Arrays;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.kll.KllSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.apache.datasketches.quantilescommon.QuantilesDoublesSketchIterator;
import org.apache.datasketches.quantilescommon.QuantilesUtil;

/**
 * The folding {@link WindowPrefix} of approx_percentile. The generic read copies the fold (a buffer of up to
 * 300 values, or a KLL sketch through its serialized form), feeds it the last IR's values and builds
 * the sketch's sorted view: tens of microseconds for a full sketch. Two exact shortcuts, for a last
 * IR that is still an exact buffer (m values):
 * <ul>
 *   <li><b>Fold exact, at most {@value PercentileIr#MERGE_EXACT_LIMIT} values in all</b>: the merge target would be a buffer of both, and
 *       its answer is the value at {@link PercentileIr#inclusiveIndex} of their sorted union: found
 *       by walking the two sorted buffers.</li>
 *   <li><b>Fold a sketch with at least m free slots in its level 0</b>: feeding m values then compacts
 *       nothing (KLL compacts only when an update finds level 0 full), so the target's sketch retains
 *       the fold's items with their weights plus the m values with weight 1, and its min and max
 *       take the m values in. Its answer is what the library's sorted view answers for that: the
 *       retained items sorted with cumulative weights, the minimum prepended with weight 1 when it is
 *       not the first item and the maximum appended when it is not the last (DataSketches 6.2
 *       {@code IncludeMinMax}), then the first item whose cumulative weight reaches
 *       {@code QuantilesUtil.getNaturalRank(p, n, INCLUSIVE)}. The fold's items are sorted once per
 *       fold ({@code items}, {@code levels}), through the sketch's iterator, which changes nothing.
 *       The free slots are read from the sketch's level array (a package-private field of
 *       DataSketches, reached as {@link KllRandomness} reaches its Random); without it, or when the
 *       answer is a zero (whose sign depends on the library's order of equal items), the generic read
 *       is used.</li>
 * </ul>
 */
final class PercentilePrefix extends MergedPrefix {
    private static final Field LEVELS = find();

    /** The fold's retained items ascending, and each one's level (its weight is 2^level); null until needed. */
    private double[] items;
    private byte[] levels;
    /** Free slots of the fold's level 0; -1 when unknown. */
    private int free = -1;
    /** An exact fold as the sketch a merge target makes of it before merging a sketch in; null until needed. */
    private KllDoublesSketch foldAsSketch;

    PercentilePrefix(Aggregator aggregator) {
        super(aggregator);
    }

    private static Field find() {
        try {
            Field f = KllSketch.class.getDeclaredField("levelsArr");
            f.setAccessible(true);
            return f.getType() == int[].class ? f : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Whether the sketch shortcut can be used with this DataSketches version (checked by a test). */
    static boolean available() {
        return LEVELS != null;
    }

    /** The number of updates a KLL sketch takes before its next compaction, or -1 when unknown. */
    static int freeSlots(KllDoublesSketch s) {
        if (LEVELS == null || s.isDirect()) {
            return -1;
        }
        try {
            int[] levels = (int[]) LEVELS.get(s);
            return levels == null || levels.length == 0 ? -1 : levels[0];
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    void changed() {
        items = null;
        levels = null;
        free = -1;
        foldAsSketch = null;
    }

    @Override
    public Object resultWith(Ir last) {
        Ir f = fold();
        if (f == null || last == null) {
            return mergedResult(last);
        }
        PercentileIr fold = (PercentileIr) f;
        PercentileIr tail = (PercentileIr) last;
        if (tail.isSketch() && !fold.isSketch() && !fold.isEmpty()) {
            // the target holds the fold's values, becomes their sketch, then merges the last IR's:
            // the first part is the same on every read, so it is made once
            if (foldAsSketch == null) {
                foldAsSketch = fold.asSketch();
            }
            KllDoublesSketch s = PercentileIr.copyOf(foldAsSketch);
            KllRandomness.merge(s, tail.sketch());
            return s.getQuantile(fold.p(), QuantileSearchCriteria.INCLUSIVE);
        }
        int m = tail.bufferSize();
        if (tail.isSketch() || m == 0 || fold.isEmpty()) {
            return mergedResult(last);
        }
        double p = tail.p();
        if (!fold.isSketch()) {
            int n = fold.bufferSize() + m;
            if (n > PercentileIr.MERGE_EXACT_LIMIT) {
                return mergedResult(last);
            }
            return kth(fold.sortedBuffer(), fold.bufferSize(), tail.sortedBuffer(), m, PercentileIr.inclusiveIndex(p, n));
        }
        KllDoublesSketch sketch = fold.sketch();
        if (items == null) {
            free = freeSlots(sketch);
            sortRetained(sketch);
        }
        if (m > free) {
            return mergedResult(last);
        }
        double[] values = tail.sortedBuffer();
        double min = Math.min(sketch.getMinItem(), values[0]);
        double max = Math.max(sketch.getMaxItem(), values[m - 1]);
        long n = sketch.getN() + m;
        double v = quantile(QuantilesUtil.getNaturalRank(p, n, QuantileSearchCriteria.INCLUSIVE), values, m, min, max, n);
        return v == 0 ? mergedResult(last) : (Object) v;
    }

    /** The element at {@code index} of the sorted union of {@code a[0, na)} and {@code b[0, nb)} (both ascending by Double.compare). */
    private static Double kth(double[] a, int na, double[] b, int nb, int index) {
        int i = 0;
        int j = 0;
        for (int r = 0; ; r++) {
            boolean fromA = j == nb || i < na && Double.compare(a[i], b[j]) <= 0;
            double x = fromA ? a[i++] : b[j++];
            if (r == index) {
                return x;
            }
        }
    }

    /**
     * Sorts the sketch's retained items with their weights. The iterator goes level by level; each
     * level above 0 is sorted and all items of a level weigh the same, so level 0 is sorted and the
     * levels merged pairwise, as the library's own sorted view does.
     */
    private void sortRetained(KllDoublesSketch sketch) {
        int r = sketch.getNumRetained();
        double[] q = new double[r];
        long[] w = new long[r];
        int[] starts = new int[65];
        int runs = 0;
        QuantilesDoublesSketchIterator it = sketch.iterator();
        int n = 0;
        while (it.next()) {
            long weight = it.getWeight();
            if (n == 0 || weight != w[n - 1]) {
                starts[runs++] = n;
            }
            q[n] = it.getQuantile();
            w[n++] = weight;
        }
        starts[runs] = n;
        if (runs > 0) {
            Arrays.sort(q, starts[0], starts[1]); // level 0 is kept unsorted
        }
        double[] q2 = new double[n];
        long[] w2 = new long[n];
        for (int width = 1; width < runs; width *= 2) { // merge runs [starts[i], starts[i + width]) pairwise
            for (int i = 0; i < runs; i += 2 * width) {
                int lo = starts[i];
                int mid = starts[Math.min(i + width, runs)];
                int hi = starts[Math.min(i + 2 * width, runs)];
                int a = lo;
                int b = mid;
                for (int out = lo; out < hi; out++) {
                    if (b == hi || a < mid && Double.compare(q[a], q[b]) <= 0) {
                        q2[out] = q[a];
                        w2[out] = w[a++];
                    } else {
                        q2[out] = q[b];
                        w2[out] = w[b++];
                    }
                }
            }
            double[] tq = q;
            q = q2;
            q2 = tq;
            long[] tw = w;
            w = w2;
            w2 = tw;
        }
        byte[] lv = new byte[n];
        for (int k = 0; k < n; k++) {
            lv[k] = (byte) Long.numberOfTrailingZeros(w[k]);
        }
        items = q;
        levels = lv;
    }

    /**
     * The first item of the merged sorted view (the fold's retained items and {@code b[0, m)} with
     * weight 1, the minimum and maximum included as {@code IncludeMinMax} does) whose cumulative
     * weight reaches {@code rank}.
     */
    private double quantile(double rank, double[] b, int m, double min, double max, long n) {
        int na = items.length;
        // the first and last items of the merged retained items, to know whether min and max are added
        double first = na == 0 || Double.compare(b[0], items[0]) <= 0 ? b[0] : items[0];
        double lastItem = na == 0 || Double.compare(b[m - 1], items[na - 1]) >= 0 ? b[m - 1] : items[na - 1];
        boolean withMin = first != min;
        boolean withMax = lastItem != max;
        if (withMin && rank <= 1) {
            return min;
        }
        int i = 0;
        int j = 0;
        long before = 0; // weight of the fold's items passed
        while (i < na || j < m) {
            boolean fromFold = j == m || i < na && Double.compare(items[i], b[j]) <= 0;
            double x;
            if (fromFold) {
                x = items[i];
                before += 1L << levels[i++];
            } else {
                x = b[j++];
            }
            long cum = before + j;
            if (withMax && i == na && j == m) {
                cum = n - 1; // the last item gives one unit of weight to the appended maximum
            }
            if (cum >= rank) {
                return x;
            }
        }
        return max;
    }
}
