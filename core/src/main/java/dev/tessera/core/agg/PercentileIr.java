package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.codec.CorruptDataException;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.kll.KllSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.apache.datasketches.quantilescommon.QuantilesDoublesSketchIterator;

/**
 * approx_percentile(p): the p-quantile of the numeric values, from a DataSketches
 * {@link KllDoublesSketch}. Strings and Booleans are ignored; a Long is added as the nearest double.
 * Empty: null. The sketch is allocated on the first numeric value.
 *
 * <h2>Quantile definition</h2>
 * {@code getQuantile(p, INCLUSIVE)}: the smallest retained value v whose inclusive rank
 * count(x ≤ v)/n is at least p — the inverse of the empirical CDF (Hyndman–Fan type 1, no
 * interpolation; the result is always one of the values). E.g. p = 0.95 of 1..100 is 95, and the
 * 0.5-quantile of {1, 2} is 1.
 *
 * <h2>Accuracy</h2>
 * k = {@value #K}: the sketch is exact (holds every value) up to k values, and beyond that its
 * single-rank normalized error at 99% confidence is {@code KllSketch.getNormalizedRankError(300,
 * false)} = 0.896% — under the SPEC's 1% rank error (k = 269 is the smallest k meeting 1%; 300 keeps
 * a margin). Precisely: the returned v satisfies count(x &lt; v)/n ≤ p + ε and count(x ≤ v)/n ≥ p − ε.
 * A full sketch retains about 3k values (≈ 7 KiB serialized). KLL compaction is randomized, so two
 * merge orders may give different (equally bounded) answers once a sketch holds more than k values.
 *
 * <pre>
 * Encoding (version 1)
 *   byte 0    version = 1
 *   varint    length L; 0 = empty (no numeric value added)
 *   L bytes   the sketch as {@code KllDoublesSketch.toByteArray()} (DataSketches KLL compact format,
 *             k = 300; 16 bytes for one value)
 * </pre>
 * p is not stored: it belongs to the feature definition, so one stored IR can answer any p.
 */
final class PercentileIr implements Ir {
    static final int VERSION = 1;
    static final int K = 300;

    private final double p;
    private KllDoublesSketch sketch;

    PercentileIr(double p) {
        this.p = p;
    }

    @Override
    public void add(Object value, long eventTime, String eventId) {
        if (value instanceof Double d) {
            sketch().update(d);
        } else if (value instanceof Long l) {
            sketch().update((double) l);
        } else {
            ValueOrder.requireCanonical(value);
        }
    }

    private KllDoublesSketch sketch() {
        if (sketch == null) {
            sketch = KllDoublesSketch.newHeapInstance(K);
        }
        return sketch;
    }

    @Override
    public void merge(Ir other) {
        PercentileIr o = MergeCheck.sameKind(this, other, PercentileIr.class);
        if (o.sketch == null) {
            return;
        }
        KllDoublesSketch theirs = o == this ? copyOf(o.sketch) : o.sketch;
        if (sketch == null) {
            sketch = copyOf(theirs);
        } else {
            sketch.merge(theirs);
        }
    }

    @Override
    public Object result() {
        return sketch == null ? null : sketch.getQuantile(p, QuantileSearchCriteria.INCLUSIVE);
    }

    @Override
    public boolean isEmpty() {
        return sketch == null;
    }

    /** The library's 99%-confidence single-rank error for this IR's sketch: 0 while exact (for tests). */
    double rankError() {
        return sketch == null || !sketch.isEstimationMode() ? 0 : sketch.getNormalizedRankError(false);
    }

    @Override
    public Ir copy() {
        PercentileIr c = new PercentileIr(p);
        if (sketch != null) {
            c.sketch = copyOf(sketch);
        }
        return c;
    }

    private static KllDoublesSketch copyOf(KllDoublesSketch s) {
        return KllDoublesSketch.heapify(Memory.wrap(s.toByteArray()));
    }

    @Override
    public void encode(ByteWriter out) {
        out.writeByte(VERSION).writeBytes(sketch == null ? new byte[0] : sketch.toByteArray());
    }

    static PercentileIr decode(ByteReader in, double p) {
        FormatVersion.expect(in, VERSION);
        int at = in.position();
        byte[] image = in.readBytes();
        PercentileIr ir = new PercentileIr(p);
        if (image.length > 0) {
            try {
                ir.sketch = KllDoublesSketch.heapify(Memory.wrap(image));
                checkConsistent(ir.sketch, at);
            } catch (CorruptDataException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new CorruptDataException("approx_percentile KLL sketch at offset " + at + " does not decode: " + e, e);
            }
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
        return "PercentileIr[p=" + p + ", n=" + (sketch == null ? 0 : sketch.getN()) + "]";
    }
}
