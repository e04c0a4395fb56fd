package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.codec.CorruptDataException;
import java.util.Arrays;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.kll.KllSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.apache.datasketches.quantilescommon.QuantilesDoublesSketchIterator;

/**
 * approx_percentile(p): the p-quantile of the numeric values, exact while small, then a DataSketches
 * {@link KllDoublesSketch}. Strings and Booleans are ignored; a Long is added as the nearest double.
 * Empty: null.
 *
 * <h2>Quantile definition</h2>
 * {@code getQuantile(p, INCLUSIVE)}: the smallest retained value v whose inclusive rank
 * count(x ≤ v)/n is at least p — the inverse of the empirical CDF (Hyndman–Fan type 1, no
 * interpolation; the result is always one of the values). E.g. p = 0.95 of 1..100 is 95, and the
 * 0.5-quantile of {1, 2} is 1.
 *
 * <h2>Two modes</h2>
 * Most IRs (one per aggregation, tile and entity) see a handful of values, and a KLL sketch with
 * k = 300 costs about 2.5 KB of heap from its first value. So the IR starts as an exact buffer: a
 * {@code double[]} of the values, 2 slots at first, doubled as needed, up to {@value #SMALL_LIMIT}
 * values. The {@value #SMALL_LIMIT}+1st value moves the IR to a KLL sketch, fed every buffered value
 * (in ascending order) and then the new one. KLL with k = {@value #K} retains every value until it holds more than k, so
 * while n ≤ k the buffer and the sketch hold the same multiset and the buffer answers exactly what
 * the sketch would: it sorts the values and returns the one at the sketch's inclusive natural rank
 * ({@link #inclusiveIndex}), including the library's rounding of p·n. Merge: small into small stays
 * small while the total fits, else the receiver becomes a sketch; small into a sketch feeds the
 * values; a sketch into an empty IR copies the sketch; a sketch into small turns the receiver into
 * its own sketch (its values fed in ascending order) and merges the other's sketch into it (before
 * ADR 011 it copied the other's sketch and fed it the receiver's values). A sketch never
 * goes back (it holds more than k values). The buffer's order is not state: reads, encodes and
 * feeds into a sketch sort it in place, and a sketch is always fed a buffer in ascending order, so a
 * merged window depends on the values of its IRs and the order of the IRs, never on the order a
 * buffer happens to be in.
 *
 * <h2>Merge targets</h2>
 * A read's merge target ({@link Aggregator#newMergeTarget()}, never stored) keeps its exact buffer up
 * to {@value #MERGE_EXACT_LIMIT} values (ADR 011), so a window of that many values answers its exact
 * quantile; past that it moves to KLL like any IR, fed its buffer in ascending order.
 *
 * <h2>Accuracy</h2>
 * Exact up to k = {@value #K} values; beyond that the sketch's single-rank normalized error at 99%
 * confidence is {@code KllSketch.getNormalizedRankError(300, false)} = 0.896% — under the SPEC's 1%
 * rank error (k = 269 is the smallest k meeting 1%; 300 keeps a margin). Precisely: the returned v
 * satisfies count(x &lt; v)/n ≤ p + ε and count(x ≤ v)/n ≥ p − ε. A full sketch retains about 3k
 * values (≈ 7 KiB serialized). KLL compaction is randomized, so two merge orders may give different
 * (equally bounded) answers once an IR holds more than k values.
 *
 * <pre>
 * Encoding, version 2: exact buffer (written while n ≤ 300, and for the empty IR)
 *   byte 0    version = 2
 *   varint    n, unsigned (0..300); 0 = empty (no numeric value added)
 *   n × 8     the values ascending (by Double.compare, so -0.0 before 0.0), IEEE 754 bits big-endian,
 *             all finite
 *
 * Encoding, version 1: KLL sketch (written once n &gt; 300; older Tessera wrote it for every IR)
 *   byte 0    version = 1
 *   varint    length L; 0 = empty (no numeric value added)
 *   L bytes   the sketch as {@code KllDoublesSketch.toByteArray()} (DataSketches KLL compact format,
 *             k = 300; 16 bytes for one value)
 * </pre>
 * Both are read. A version-1 sketch that is still exact (one level, n ≤ 300: what older Tessera
 * wrote for small IRs) is decoded into the exact buffer, so old data does not keep its sketches.
 * p is not stored: it belongs to the feature definition, so one stored IR can answer any p.
 */
final class PercentileIr implements Ir {
    static final int KLL_VERSION = 1;
    static final int SMALL_VERSION = 2;
    static final int K = 300;
    /** The most values the exact buffer of a stored IR holds: as many as KLL holds exactly. */
    static final int SMALL_LIMIT = K;
    /**
     * The most values the exact buffer of a read's merge target holds ({@link Aggregator#newMergeTarget()}):
     * a window of up to this many values answers its exact quantile (ADR 011), not a KLL estimate.
     * 64 KiB of doubles at most; such IRs are never stored.
     */
    static final int MERGE_EXACT_LIMIT = 8192;
    private static final int FIRST_CAPACITY = 2;
    /** DataSketches rounds p·n to 7 decimals (when n ≤ 10^7) before taking the ceiling: see {@link #inclusiveIndex}. */
    private static final double RANK_ROUNDING = 1e7;

    private final double p;
    /** The most values the exact buffer holds before the IR moves to its sketch. */
    private final int exactLimit;
    /** Exact mode (sketch == null): the values in [0, size), in no particular order; null before the first. */
    private double[] values;
    private int size;
    /** KLL mode: set once the IR holds more than {@value #SMALL_LIMIT} values; values is null then. */
    private KllDoublesSketch sketch;

    PercentileIr(double p) {
        this(p, SMALL_LIMIT);
    }

    PercentileIr(double p, int exactLimit) {
        this.p = p;
        this.exactLimit = exactLimit;
    }

    @Override
    public void add(Object value, long eventTime, String eventId) {
        if (value instanceof Double d) {
            addValue(d);
        } else if (value instanceof Long l) {
            addValue((double) l);
        } else {
            ValueOrder.requireCanonical(value);
        }
    }

    private void addValue(double x) {
        if (sketch != null) {
            KllRandomness.update(sketch, x);
        } else if (size == exactLimit) {
            KllRandomness.update(toSketch(), x);
        } else {
            ensureCapacity(size + 1);
            values[size++] = x;
        }
    }

    private void ensureCapacity(int needed) {
        if (values == null) {
            values = new double[Math.max(needed, FIRST_CAPACITY)];
        } else if (values.length < needed) {
            values = Arrays.copyOf(values, Math.min(exactLimit, Math.max(needed, values.length * 2)));
        }
    }

    /** Moves this IR to KLL mode, feeding the sketch every buffered value. */
    private KllDoublesSketch toSketch() {
        KllDoublesSketch s = KllDoublesSketch.newHeapInstance(K);
        feed(s, values, size);
        sketch = s;
        values = null;
        size = 0;
        return s;
    }

    /**
     * Feeds {@code values[0, n)} to a sketch in ascending order (sorting them in place): a buffer's
     * order is not state, so a sketch made from buffers must not depend on it. Without the sort it
     * would: which values share KLL's first compaction depends on the order they arrive in, and a
     * buffer's order changes whenever a read or an encode sorts it (a window read before and after
     * a commit, or a merged prefix made before it, would answer differently).
     */
    private static void feed(KllDoublesSketch s, double[] values, int n) {
        if (n > 0) {
            Arrays.sort(values, 0, n);
            KllRandomness.feed(s, values, n);
        }
    }

    @Override
    public void merge(Ir other) {
        PercentileIr o = MergeCheck.sameKind(this, other, PercentileIr.class);
        if (o.isEmpty()) {
            return;
        }
        if (o.sketch == null) {
            double[] theirs = o == this ? Arrays.copyOf(o.values, o.size) : o.values;
            int n = o.size;
            if (sketch == null && size + n <= exactLimit) {
                ensureCapacity(size + n);
                System.arraycopy(theirs, 0, values, size, n);
                size += n;
            } else {
                feed(sketch == null ? toSketch() : sketch, theirs, n);
            }
        } else if (sketch == null && size == 0) {
            sketch = copyOf(o.sketch);
            values = null;
        } else if (sketch == null) {
            // own values first, as a sketch fed in ascending order, then the other's sketch merged in:
            // a read's prefix can keep the first part (ADR 011), where copying the other's sketch and
            // feeding it every value of the window cost each read of a window with a KLL tile O(values)
            toSketch();
            KllRandomness.merge(sketch, o.sketch);
        } else {
            KllRandomness.merge(sketch, o == this ? copyOf(o.sketch) : o.sketch);
        }
    }

    @Override
    public Object result() {
        if (sketch != null) {
            return sketch.getQuantile(p, QuantileSearchCriteria.INCLUSIVE);
        }
        if (size == 0) {
            return null;
        }
        Arrays.sort(values, 0, size);
        return values[inclusiveIndex(p, size)];
    }

    /**
     * The index in n sorted values of the inclusive p-quantile, computed as DataSketches 6.2 does
     * for a sketch whose n retained items all weigh 1 ({@code DoublesSketchSortedView.getQuantile}
     * with {@code QuantilesUtil.getNaturalRank}): the natural rank r = p·n, rounded to 7 decimals
     * (so that 0.3·10 = 3.0000000000000004 counts as 3), then ceil(r); the first item whose
     * cumulative weight (index + 1) is at least that. Checked against the real sketch on random
     * inputs by {@code PercentileIrTest}.
     */
    static int inclusiveIndex(double p, int n) {
        double rank = Math.round(p * n * RANK_ROUNDING) / RANK_ROUNDING;
        long natural = (long) Math.ceil(rank);
        return (int) Math.max(0, Math.min(n, natural) - 1);
    }

    @Override
    public boolean isEmpty() {
        return sketch == null && size == 0;
    }

    /** The number of values added and merged in (for tests and diagnostics). */
    long count() {
        return sketch == null ? size : sketch.getN();
    }

    /** True once the IR has moved to its KLL sketch (for tests, diagnostics and {@link PercentilePrefix}). */
    boolean isSketch() {
        return sketch != null;
    }

    /** Exact mode: the number of values in the buffer. */
    int bufferSize() {
        return size;
    }

    /** Exact mode: the buffer, sorted in place (its order is not state), values in [0, {@link #bufferSize()}). Not a copy. */
    double[] sortedBuffer() {
        if (size > 0) {
            Arrays.sort(values, 0, size);
        }
        return values;
    }

    /** KLL mode: the sketch (not a copy; callers must not change it). */
    KllDoublesSketch sketch() {
        return sketch;
    }

    double p() {
        return p;
    }

    /** The library's 99%-confidence single-rank error for this IR's sketch: 0 while exact (for tests). */
    double rankError() {
        return sketch == null || !sketch.isEstimationMode() ? 0 : sketch.getNormalizedRankError(false);
    }

    @Override
    public Ir copy() {
        PercentileIr c = new PercentileIr(p, exactLimit);
        if (sketch != null) {
            c.sketch = copyOf(sketch);
        } else if (size > 0) {
            c.values = Arrays.copyOf(values, size);
            c.size = size;
        }
        return c;
    }

    /** This IR's values as the sketch {@link #merge} makes of an exact receiver (for {@link PercentilePrefix}); this IR is not changed. */
    KllDoublesSketch asSketch() {
        if (sketch != null) {
            return copyOf(sketch);
        }
        KllDoublesSketch s = KllDoublesSketch.newHeapInstance(K);
        feed(s, Arrays.copyOf(values == null ? new double[0] : values, size), size);
        return s;
    }

    static KllDoublesSketch copyOf(KllDoublesSketch s) {
        return KllDoublesSketch.heapify(Memory.wrap(s.toByteArray()));
    }

    @Override
    public void encode(ByteWriter out) {
        if (sketch != null || size > SMALL_LIMIT) { // a merge target past 300 values (never stored) as the sketch it stands for
            KllDoublesSketch s = sketch;
            if (s == null) {
                s = KllDoublesSketch.newHeapInstance(K);
                feed(s, Arrays.copyOf(values, size), size);
            }
            out.writeByte(KLL_VERSION).writeBytes(s.toByteArray());
            return;
        }
        out.writeByte(SMALL_VERSION).writeUnsignedVarLong(size);
        if (size > 0) {
            Arrays.sort(values, 0, size);
            for (int i = 0; i < size; i++) {
                out.writeDouble(values[i]);
            }
        }
    }

    static PercentileIr decode(ByteReader in, double p) {
        int version = FormatVersion.expectOneOf(in, KLL_VERSION, SMALL_VERSION);
        return version == SMALL_VERSION ? decodeSmall(in, p) : decodeSketch(in, p);
    }

    private static PercentileIr decodeSmall(ByteReader in, double p) {
        int at = in.position();
        int n = in.readLength();
        if (n > SMALL_LIMIT) {
            throw new CorruptDataException("approx_percentile exact buffer of " + n + " values at offset " + at
                    + " exceeds " + SMALL_LIMIT + " (larger IRs are stored as KLL sketches)");
        }
        PercentileIr ir = new PercentileIr(p);
        if (n > 0) {
            double[] values = new double[n];
            for (int i = 0; i < n; i++) {
                int valueAt = in.position();
                double x = in.readDouble();
                if (!Double.isFinite(x)) {
                    throw new CorruptDataException("non-finite approx_percentile value " + x + " at offset " + valueAt);
                }
                if (i > 0 && Double.compare(x, values[i - 1]) < 0) {
                    throw new CorruptDataException("approx_percentile values not ascending at offset " + valueAt);
                }
                values[i] = x;
            }
            ir.values = values;
            ir.size = n;
        }
        return ir;
    }

    private static PercentileIr decodeSketch(ByteReader in, double p) {
        int at = in.position();
        byte[] image = in.readBytes();
        PercentileIr ir = new PercentileIr(p);
        if (image.length == 0) {
            return ir;
        }
        KllDoublesSketch sketch;
        try {
            sketch = KllDoublesSketch.heapify(Memory.wrap(image));
            checkConsistent(sketch, at);
        } catch (CorruptDataException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CorruptDataException("approx_percentile KLL sketch at offset " + at + " does not decode: " + e, e);
        }
        if (!sketch.isEstimationMode() && sketch.getN() <= SMALL_LIMIT) {
            // one level, every item of weight 1: exactly the values added, which the buffer holds for less
            int n = (int) sketch.getN();
            ir.values = new double[n];
            QuantilesDoublesSketchIterator it = sketch.iterator();
            while (ir.size < n && it.next()) {
                ir.values[ir.size++] = it.getQuantile();
            }
        } else {
            ir.sketch = sketch;
        }
        return ir;
    }
    /**
     * The library trusts the counts in its input. KLL compaction preserves weight, so the retained
     * items' weights must add up to n exactly; every item must be finite and within [min, max].
     */
    private static void checkConsistent(KllDoublesSketch sketch, int at) {
        if (sketch.isEmpty()) {
            throw new CorruptDataException("approx_percentile KLL sketch at offset " + at + " is empty (an empty IR has length 0)");
        }
        long weight = 0;
        double min = sketch.getMinItem();
        double max = sketch.getMaxItem();
        boolean ok = Double.isFinite(min) && Double.isFinite(max) && min <= max;
        QuantilesDoublesSketchIterator it = sketch.iterator();
        while (ok && it.next()) {
            double item = it.getQuantile();
            weight += it.getWeight();
            ok = item >= min && item <= max && it.getWeight() > 0 && weight > 0;
        }
        if (!ok || weight != sketch.getN()) {
            throw new CorruptDataException("approx_percentile KLL sketch at offset " + at + " is inconsistent: n = "
                    + sketch.getN() + " but the retained items weigh " + weight + ", or an item is outside [min, max]");
        }
    }

    static double maxRankError() {
        return KllSketch.getNormalizedRankError(K, false);
    }

    @Override
    public String toString() {
        return "PercentileIr[p=" + p + (sketch == null ? ", exact n=" + size : ", kll n=" + sketch.getN()) + "]";
    }
}
