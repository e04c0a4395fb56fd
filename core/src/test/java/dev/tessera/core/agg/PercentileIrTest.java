package dev.tessera.core.agg;

import static dev.tessera.api.Aggregation.APPROX_PERCENTILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.codec.CorruptDataException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;
import org.junit.jupiter.api.Test;

/**
 * approx_percentile's two modes: the exact buffer must answer exactly what a real
 * {@link KllDoublesSketch} (k = 300) answers for the same values, and every way between the modes
 * (add, merge in each combination, encode and decode of both layouts, old version-1 data) must
 * keep every value. Seeded tries: see {@link Tries}.
 */
class PercentileIrTest {
    private static final int TRIES = 5000;
    /** p at the edges: near 0 and 1, and at and around rank boundaries of small n. */
    private static final double[] EDGE_PS = {1e-12, 1e-9, 1e-7, 0.001, 0.01, 0.1, 0.2, 0.25, 0.3, 1 / 3.0, 0.4, 0.5, 0.6,
        2 / 3.0, 0.7, 0.75, 0.8, 0.9, 0.95, 0.99, 0.999, 1 - 1e-7, 1 - 1e-9, 1 - 1e-12, Math.nextDown(1.0), Double.MIN_VALUE};

    private static Aggregator agg(double p) {
        return Aggregators.create(APPROX_PERCENTILE, 0, p);
    }

    private static PercentileIr ir(double p, double... values) {
        PercentileIr ir = (PercentileIr) agg(p).newIr();
        for (double v : values) {
            ir.add(v, 0, null);
        }
        return ir;
    }

    private static KllDoublesSketch kll(double[] values) {
        KllDoublesSketch s = KllDoublesSketch.newHeapInstance(PercentileIr.K);
        for (double v : values) {
            s.update(v);
        }
        return s;
    }

    /** n values (n ≤ 300 mostly small) with duplicates, negatives, zeros of both signs and wide magnitudes. */
    private static double[] values(Random rnd, int n) {
        double[] pool = new double[1 + rnd.nextInt(Math.max(1, n))]; // a small pool forces duplicates
        for (int i = 0; i < pool.length; i++) {
            switch (rnd.nextInt(6)) {
                case 0 -> pool[i] = rnd.nextInt(21) - 10;
                case 1 -> pool[i] = rnd.nextBoolean() ? 0.0 : -0.0;
                case 2 -> pool[i] = rnd.nextGaussian() * 1e6;
                case 3 -> pool[i] = (rnd.nextBoolean() ? 1 : -1) * Double.MAX_VALUE / (1 + rnd.nextInt(3));
                case 4 -> pool[i] = (rnd.nextBoolean() ? 1 : -1) * Double.MIN_VALUE * (1 + rnd.nextInt(3));
                default -> pool[i] = rnd.nextDouble() - 0.5;
            }
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = rnd.nextInt(4) == 0 ? pool[rnd.nextInt(pool.length)] : (rnd.nextBoolean() ? pool[i % pool.length] : rnd.nextGaussian());
        }
        return out;
    }

    private static int smallN(Random rnd) {
        switch (rnd.nextInt(4)) {
            case 0:
                return 1 + rnd.nextInt(5);
            case 1:
                return 1 + rnd.nextInt(20);
            case 2:
                return PercentileIr.K - rnd.nextInt(5);
            default:
                return 1 + rnd.nextInt(PercentileIr.K);
        }
    }

    private static double p(Random rnd, int n) {
        switch (rnd.nextInt(3)) {
            case 0:
                return EDGE_PS[rnd.nextInt(EDGE_PS.length)];
            case 1: // exactly at a rank boundary i/n, or one ulp either side
                double b = (1 + rnd.nextInt(Math.max(1, n - 1))) / (double) n;
                double q = rnd.nextInt(3) == 0 ? Math.nextDown(b) : rnd.nextBoolean() ? Math.nextUp(b) : b;
                return q > 0 && q < 1 ? q : 0.5;
            default:
                double r = rnd.nextDouble();
                return r > 0 ? r : 0.5;
        }
    }

    @Test
    void exactBufferAnswersExactlyWhatKllAnswers() {
        Tries.run(40_000_000, TRIES, (rnd, edgeCaseTry) -> {
            int n = edgeCaseTry ? 1 + rnd.nextInt(3) : smallN(rnd);
            double[] values = values(rnd, n);
            KllDoublesSketch reference = kll(values);
            assertThat(reference.isEstimationMode()).isFalse();
            PercentileIr ir = ir(0.5, values);
            assertThat(ir.isSketch()).isFalse();
            for (int i = 0; i < 8; i++) {
                double p = p(rnd, n);
                Object expected = reference.getQuantile(p, QuantileSearchCriteria.INCLUSIVE);
                PercentileIr atP = ir(p, values);
                assertThat(atP.result()).as("p=%s n=%s %s", p, n, n <= 20 ? Arrays.toString(values) : "").isEqualTo(expected);
                Ir decoded = IrPipeline.roundTrip(agg(p), atP);
                assertThat(decoded.result()).as("decoded, p=%s", p).isEqualTo(expected);
            }
        });
    }

    @Test
    void inclusiveIndexMatchesTheLibraryOnEveryRankBoundary() {
        for (int n = 1; n <= PercentileIr.K; n++) {
            double[] values = new double[n];
            for (int i = 0; i < n; i++) {
                values[i] = n - i; // added in descending order: the buffer must sort
            }
            KllDoublesSketch reference = kll(values);
            for (int i = 1; i < n; i++) {
                for (double p : new double[] {i / (double) n, Math.nextDown(i / (double) n), Math.nextUp(i / (double) n)}) {
                    assertThat(ir(p, values).result()).as("p=%s n=%s", p, n)
                            .isEqualTo(reference.getQuantile(p, QuantileSearchCriteria.INCLUSIVE));
                }
            }
        }
    }

    @Test
    void addMovesToTheSketchOnlyPastK() {
        PercentileIr ir = ir(0.5);
        assertThat(ir.isEmpty()).isTrue();
        assertThat(ir.result()).isNull();
        for (int i = 1; i <= PercentileIr.SMALL_LIMIT; i++) {
            ir.add((long) i, 0, null);
            ir.add("ignored", 0, null);
            ir.add(true, 0, null);
            assertThat(ir.isSketch()).isFalse();
            assertThat(ir.count()).isEqualTo(i);
        }
        assertThat(ir.result()).isEqualTo(150.0);
        ir.add(301L, 0, null);
        assertThat(ir.isSketch()).isTrue();
        assertThat(ir.count()).isEqualTo(301);
        ir.add(302.0, 0, null);
        assertThat(ir.count()).isEqualTo(302);
        assertWithinRankError(ir, 0.5, sequence(1, 302));
    }

    @Test
    void mergeOfTwoSmallIrsStaysSmallWhileTheTotalFits() {
        Tries.run(41_000_000, 1000, (rnd, edgeCaseTry) -> {
            int a = rnd.nextInt(PercentileIr.SMALL_LIMIT + 1);
            int b = rnd.nextInt(PercentileIr.SMALL_LIMIT + 1 - a);
            double[] x = values(rnd, a);
            double[] y = values(rnd, b);
            double p = p(rnd, Math.max(1, a + b));
            PercentileIr left = ir(p, x);
            PercentileIr right = ir(p, y);
            left.merge(right);
            double[] all = concat(x, y);
            assertThat(left.isSketch()).isFalse();
            assertThat(left.count()).isEqualTo(a + b);
            assertThat(left.result()).isEqualTo(all.length == 0 ? null : kll(all).getQuantile(p, QuantileSearchCriteria.INCLUSIVE));
            assertThat(right.count()).as("the merged-in IR is unchanged").isEqualTo(b);
        });
    }

    @Test
    void everyMergeOfModesKeepsEveryValue() {
        // sizes: empty, small, exactly the limit, just past it (sketch), well past it (compacted sketch)
        int[] sizes = {0, 1, 7, 150, PercentileIr.SMALL_LIMIT, PercentileIr.SMALL_LIMIT + 1, 2_000};
        for (int a : sizes) {
            for (int b : sizes) {
                double[] x = sequence(1, a);
                double[] y = sequence(100_000, b);
                PercentileIr left = ir(0.3, x);
                PercentileIr right = ir(0.3, y);
                Ir rightCopy = right.copy();
                left.merge(right);
                String what = a + " + " + b;
                assertThat(left.count()).as(what).isEqualTo(a + b);
                assertThat(left.isSketch()).as(what).isEqualTo(a + b > PercentileIr.SMALL_LIMIT);
                assertThat(left.isEmpty()).as(what).isEqualTo(a + b == 0);
                assertThat(right.count()).as("%s: the merged-in IR is unchanged", what).isEqualTo(b);
                assertThat(right.result()).isEqualTo(rightCopy.result());
                assertWithinRankError(left, 0.3, concat(x, y));
                // and through the wire: both layouts decode to an IR that merges the same
                PercentileIr decoded = (PercentileIr) IrPipeline.roundTrip(agg(0.3), left);
                assertThat(decoded.count()).as(what).isEqualTo(a + b);
                assertThat(decoded.isSketch()).as(what).isEqualTo(left.isSketch());
                assertWithinRankError(decoded, 0.3, concat(x, y));
            }
        }
    }

    @Test
    void mergeWithItselfDoublesEveryValue() {
        for (int n : new int[] {1, 5, 150, 151, PercentileIr.SMALL_LIMIT, 1_000}) {
            double[] x = sequence(-50, n);
            PercentileIr ir = ir(0.5, x);
            ir.merge(ir);
            assertThat(ir.count()).as("n=%s", n).isEqualTo(2L * n);
            assertThat(ir.isSketch()).as("n=%s", n).isEqualTo(2 * n > PercentileIr.SMALL_LIMIT);
            assertWithinRankError(ir, 0.5, concat(x, x));
        }
    }

    @Test
    void copiesOfBothModesAreIndependent() {
        for (int n : new int[] {3, PercentileIr.SMALL_LIMIT, 500}) {
            PercentileIr ir = ir(0.5, sequence(0, n));
            Ir copy = ir.copy();
            for (int i = 0; i < 400; i++) {
                copy.add(1e9 + i, 0, null);
            }
            copy.merge(ir(0.5, sequence(0, 10)));
            assertThat(ir.count()).isEqualTo(n);
            assertWithinRankError(ir, 0.5, sequence(0, n));
        }
    }

    @Test
    void smallModeEncodesAscendingInVersion2() {
        PercentileIr ir = ir(0.5, 10, -0.0, 3, 0.0, -7.25, 3);
        byte[] bytes = IrPipeline.encode(ir);
        ByteReader in = new ByteReader(bytes);
        assertThat(in.readByte()).isEqualTo(PercentileIr.SMALL_VERSION);
        assertThat(in.readUnsignedVarLong()).isEqualTo(6);
        double[] written = new double[6];
        for (int i = 0; i < 6; i++) {
            written[i] = in.readDouble();
        }
        assertThat(in.remaining()).isZero();
        assertThat(written).containsExactly(-7.25, -0.0, 0.0, 3, 3, 10);
        assertThat(Double.doubleToRawLongBits(written[1])).isEqualTo(Double.doubleToRawLongBits(-0.0));
        // the same values in another order encode to the same bytes
        assertThat(IrPipeline.encode(ir(0.9, 3, 3, 0.0, 10, -7.25, -0.0))).isEqualTo(bytes);
        assertThat(HexFormat.of().formatHex(IrPipeline.encode(ir(0.5)))).isEqualTo("0200");
    }

    @Test
    void sketchModeStillWritesTheVersion1KllLayout() {
        PercentileIr ir = ir(0.5, sequence(1, PercentileIr.SMALL_LIMIT + 1));
        ByteReader in = new ByteReader(IrPipeline.encode(ir));
        assertThat(in.readByte()).isEqualTo(PercentileIr.KLL_VERSION);
        byte[] image = in.readBytes();
        assertThat(in.remaining()).isZero();
        KllDoublesSketch sketch = KllDoublesSketch.heapify(Memory.wrap(image));
        assertThat(sketch.getK()).isEqualTo(PercentileIr.K);
        assertThat(sketch.getN()).isEqualTo(PercentileIr.SMALL_LIMIT + 1);
        assertThat(sketch.getMinItem()).isEqualTo(1.0);
        assertThat(sketch.getMaxItem()).isEqualTo(301.0);
    }

    /** What Tessera before the exact buffer wrote: version 1 with a KLL image, for every IR. */
    private static byte[] version1(double... values) {
        ByteWriter out = new ByteWriter().writeByte(PercentileIr.KLL_VERSION);
        out.writeBytes(values.length == 0 ? new byte[0] : kll(values).toByteArray());
        return out.toByteArray();
    }

    @Test
    void oldVersion1DataIsReadAndExactSketchesBecomeBuffers() {
        Tries.run(42_000_000, 500, (rnd, edgeCaseTry) -> {
            int n = rnd.nextInt(4) == 0 ? 0 : rnd.nextBoolean() ? smallN(rnd) : PercentileIr.K + 1 + rnd.nextInt(3000);
            double[] values = values(rnd, n);
            double p = p(rnd, Math.max(1, n));
            byte[] old = version1(values);
            ByteReader in = new ByteReader(old);
            PercentileIr decoded = (PercentileIr) agg(p).decode(in);
            assertThat(in.remaining()).isZero();
            assertThat(decoded.count()).isEqualTo(n);
            assertThat(decoded.isEmpty()).isEqualTo(n == 0);
            assertThat(decoded.isSketch()).isEqualTo(n > PercentileIr.K);
            if (n == 0) {
                assertThat(decoded.result()).isNull();
            } else if (n <= PercentileIr.K) {
                assertThat(decoded.result()).isEqualTo(kll(values).getQuantile(p, QuantileSearchCriteria.INCLUSIVE));
                assertThat(IrPipeline.encode(decoded)[0]).isEqualTo((byte) PercentileIr.SMALL_VERSION);
            } else {
                // before any result(): a KLL query sorts level 0 and records that in the image's flags
                assertThat(IrPipeline.encode(decoded)).as("a sketch re-encodes as it was").isEqualTo(old);
                ByteReader image = new ByteReader(old);
                image.readByte();
                KllDoublesSketch sketch = KllDoublesSketch.heapify(Memory.wrap(image.readBytes()));
                assertThat(decoded.result()).isEqualTo(sketch.getQuantile(p, QuantileSearchCriteria.INCLUSIVE));
            }
        });
    }

    @Test
    void everyTruncationOfVersion2IsCorruptData() {
        for (double[] values : List.of(new double[0], new double[] {1.5}, sequence(-3, 20), sequence(0, PercentileIr.SMALL_LIMIT))) {
            byte[] bytes = IrPipeline.encode(ir(0.5, values));
            assertThat(bytes[0]).isEqualTo((byte) PercentileIr.SMALL_VERSION);
            for (int len = 0; len < bytes.length; len++) {
                ByteReader in = new ByteReader(Arrays.copyOf(bytes, len));
                assertThatThrownBy(() -> agg(0.5).decode(in)).as("%d values cut to %d of %d bytes", values.length, len, bytes.length)
                        .isInstanceOf(CorruptDataException.class)
                        .hasMessageContaining("cannot decode approx_percentile(p=0.5)");
            }
        }
    }

    @Test
    void invalidVersion2ContentsAreCorruptData() {
        // 301 values: more than a buffer may hold (301 x 8 bytes follow, so the length itself is plausible)
        ByteWriter tooMany = new ByteWriter().writeByte(2).writeUnsignedVarLong(301);
        for (int i = 0; i < 301; i++) {
            tooMany.writeDouble(i);
        }
        assertCorrupt(tooMany.toByteArray(), "exceeds 300");
        assertCorrupt(hex("02" + "02" + "4000000000000000" + "3ff0000000000000"), "not ascending"); // 2.0 then 1.0
        assertCorrupt(hex("02" + "02" + "0000000000000000" + "8000000000000000"), "not ascending"); // 0.0 then -0.0
        assertCorrupt(hex("02" + "01" + "7ff8000000000000"), "non-finite"); // NaN
        assertCorrupt(hex("02" + "01" + "7ff0000000000000"), "non-finite"); // +Infinity
        assertCorrupt(hex("03" + "00"), "this build reads version 1 or 2");
        assertCorrupt(hex("00" + "00"), "unknown format version 0");
    }

    private static void assertCorrupt(byte[] bytes, String message) {
        assertThatThrownBy(() -> agg(0.5).decode(new ByteReader(bytes)))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining(message);
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    private static double[] sequence(double from, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = from + i;
        }
        return out;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The result against the true ranks of {@code all}: exact (as KLL) while small, within KLL's bound otherwise. */
    private static void assertWithinRankError(PercentileIr ir, double p, double[] all) {
        if (all.length == 0) {
            assertThat(ir.result()).isNull();
            return;
        }
        double v = (Double) ir.result();
        if (!ir.isSketch() || ir.rankError() == 0) {
            assertThat(v).isEqualTo(kll(all).getQuantile(p, QuantileSearchCriteria.INCLUSIVE));
            return;
        }
        double[] sorted = all.clone();
        Arrays.sort(sorted);
        long below = Arrays.stream(sorted).filter(x -> x < v).count();
        long atOrBelow = Arrays.stream(sorted).filter(x -> x <= v).count();
        double eps = ir.rankError();
        assertThat(below / (double) all.length).isLessThanOrEqualTo(p + eps);
        assertThat(atOrBelow / (double) all.length).isGreaterThanOrEqualTo(p - eps);
    }
}
