package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.codec.CorruptDataException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

/**
 * The state shared by sum and avg: an exact integer sum, a compensated floating-point sum and a
 * count. {@link SumIr} and {@link AvgIr} extend it and differ only in how they finish it
 * ({@link #sum()} or {@link #average()}); they inherit the state rather than hold an accumulator
 * object, which saves an object header and a reference (16 bytes) in every sum and avg IR.
 *
 * <h2>Longs: exact</h2>
 * Long values go to a 128-bit two's-complement accumulator ({@code hi:lo}); adding a long is one
 * add, one unsigned compare for the carry and one add into {@code hi}. It cannot overflow before
 * 2^63 additions, so every integer sum is exact whatever the order. When the total fits in a long
 * the sum is that Long; otherwise it is the double nearest the exact total.
 *
 * <h2>Doubles: Neumaier (Kahan–Babuška) compensated summation</h2>
 * Double values go to {@code s} with the running rounding error kept in {@code c}:
 * <pre>
 *   t = s + x;  c += |s| >= |x| ? (s - t) + x : (x - t) + s;  s = t        (result s + c)
 * </pre>
 * Merging adds the other's {@code s} the same way and its {@code c} plainly, so a tree of merges is
 * one more compensated sum of the parts. Error bound (Higham, <i>Accuracy and Stability of Numerical
 * Algorithms</i>, §4.3): with u = 2^-53, the result differs from the exact sum S of the n values by
 * at most {@code 2u|S| + O(n u²) Σ|x|}. Two add/merge orders therefore agree to about 4.4e-16
 * relative to |S| — the SPEC's "order-independent to 1e-9 relative" with a wide margin — except
 * under cancellation so heavy that |S| &lt; ~n·u·Σ|x|, where the bound is relative to Σ|x| (still
 * ~1e-32·n·Σ|x|, far below a plain sum's n·u·Σ|x|). Totals beyond ±Double.MAX_VALUE overflow as in
 * IEEE 754: the result is ±Infinity (or NaN when both signs overflow) and no longer order-independent.
 *
 * <h2>Mixed input</h2>
 * A sum is a Long only when every value added was a Long. Once a Double was seen, the result is the
 * compensated double sum plus the exact integer total (folded in as its nearest double and the
 * remainder, so it adds no error of its own). Strings and Booleans are not numbers: sum and avg
 * ignore them, and they do not count towards avg's denominator.
 *
 * <h2>Average</h2>
 * The exact total divided by the count: for integer input the correctly rounded quotient when the
 * total and count are below 2^53 (one IEEE division of exact operands), otherwise a 34-digit
 * decimal quotient rounded to double; with doubles, the compensated total divided by the count.
 *
 * <pre>
 * Encoding (version 1), shared by sum and avg
 *   byte 0     version = 1
 *   byte 1     flags: bit 0 DOUBLES (a Double was added; s and c follow)
 *                     bit 1 WIDE    (the integer total needs more than 64 bits)
 *   varint     n, unsigned: number of numeric values added
 *   integer    total of the Long values: if WIDE, 8 bytes hi then 8 bytes lo (big-endian, 128-bit
 *              two's complement); otherwise a zig-zag varint
 *   if DOUBLES 8 bytes s, 8 bytes c (IEEE 754 bits, big-endian)
 * </pre>
 * An empty accumulator is {@code 01 00 00 00}.
 */
abstract class SumAccumulator implements Ir {
    static final int VERSION = 1;
    private static final int DOUBLES = 1;
    private static final int WIDE = 2;
    private static final long TWO_POW_53 = 1L << 53;

    private long n;
    private long lo;
    private long hi;
    private double s;
    private double c;
    private boolean sawDouble;

    /** Hot path: no allocation. Strings and Booleans are ignored. */
    final void add(Object value) {
        if (value instanceof Long l) {
            addLong(l);
        } else if (value instanceof Double d) {
            addDouble(d);
        } else {
            ValueOrder.requireCanonical(value);
        }
    }

    final void addLong(long x) {
        long r = lo + x;
        hi += (x >> 63) + (Long.compareUnsigned(r, lo) < 0 ? 1 : 0);
        lo = r;
        n++;
    }

    final void addDouble(double x) {
        compensatedAdd(x);
        sawDouble = true;
        n++;
    }

    private void compensatedAdd(double x) {
        double t = s + x;
        c += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
        s = t;
    }

    /** Merges {@code o}'s state into this one (the caller has checked both are the same aggregation). */
    void mergeState(SumAccumulator o) {
        mergeParts(o.n, o.lo, o.hi, o.s, o.c, o.sawDouble);
    }

    /**
     * Merges a state given by its parts, exactly as {@link #mergeState} merges an accumulator holding
     * them ({@link SumPrefix} keeps the parts of a window's IRs and folds them again from its copy).
     */
    final void mergeParts(long oN, long oLo, long oHi, double oS, double oC, boolean oSawDouble) {
        long r = lo + oLo;
        hi = hi + oHi + (Long.compareUnsigned(r, lo) < 0 ? 1 : 0);
        lo = r;
        n += oN;
        if (oSawDouble) {
            sawDouble = true;
            compensatedAdd(oS);
            c += oC;
        }
    }

    /**
     * Merges {@code n} states that saw a double and hold nothing else, given by their parts
     * {@code s[from + i]}, {@code c[from + i]}, in order: exactly what {@code n} calls of
     * {@code mergeParts(0, 0, 0, s[from + i], c[from + i], true)} do, with the running parts in
     * locals ({@link SumPrefix} folds a week's parts again after each slide).
     */
    final void mergeDoubleParts(double[] s, double[] c, int from, int n) {
        if (n == 0) {
            return;
        }
        double ts = this.s;
        double tc = this.c;
        for (int i = from, end = from + n; i < end; i++) {
            double x = s[i];
            double t = ts + x; // compensatedAdd, then the other's c
            tc += Math.abs(ts) >= Math.abs(x) ? (ts - t) + x : (x - t) + ts;
            ts = t;
            tc += c[i];
        }
        this.s = ts;
        this.c = tc;
        sawDouble = true;
    }

    /** Back to the state of a new accumulator (a reused read target of {@link SumPrefix}). */
    final void clear() {
        n = 0;
        lo = 0;
        hi = 0;
        s = 0.0;
        c = 0.0;
        sawDouble = false;
    }

    // the parts, for SumPrefix
    final long partN() {
        return n;
    }

    final long partLo() {
        return lo;
    }

    final long partHi() {
        return hi;
    }

    final double partS() {
        return s;
    }

    final double partC() {
        return c;
    }

    final boolean partSawDouble() {
        return sawDouble;
    }

    long count() {
        return n;
    }

    /** The finished sum: Long for integer-only input when the total fits, else Double. */
    Object sum() {
        if (!sawDouble) {
            return fitsLong() ? (Object) lo : (Object) exactIntegerTotal().doubleValue();
        }
        return doubleTotal();
    }

    /** The finished average, or null when no number was added. */
    Double average() {
        if (n == 0) {
            return null;
        }
        if (sawDouble) {
            return doubleTotal() / n;
        }
        if (fitsLong() && Math.abs(lo) <= TWO_POW_53 && n <= TWO_POW_53) {
            return lo / (double) n;
        }
        return new BigDecimal(exactIntegerTotal()).divide(BigDecimal.valueOf(n), MathContext.DECIMAL128).doubleValue();
    }

    private boolean fitsLong() {
        return hi == (lo >> 63);
    }

    private BigInteger exactIntegerTotal() {
        return BigInteger.valueOf(hi).shiftLeft(64).add(new BigInteger(Long.toUnsignedString(lo)));
    }

    private double doubleTotal() {
        if (!Double.isFinite(s)) {
            return s; // overflowed: IEEE ±Infinity or NaN; the compensation is meaningless
        }
        // fold the integer total in with the same compensated step as compensatedAdd, on copies of s and c
        double x;
        double y = 0;
        boolean remainder = !(fitsLong() && Math.abs(lo) <= TWO_POW_53);
        if (!remainder) {
            x = lo;
        } else { // a non-zero total: its nearest double, then the (exactly representable) remainder
            BigInteger total = exactIntegerTotal();
            x = total.doubleValue();
            y = total.subtract(new BigDecimal(x).toBigIntegerExact()).doubleValue();
        }
        double t = s + x;
        double tc = c + (Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s);
        if (remainder) {
            double u = t + y;
            tc += Math.abs(t) >= Math.abs(y) ? (t - u) + y : (y - u) + t;
            t = u;
        }
        return t + tc;
    }

    @Override
    public boolean isEmpty() {
        return n == 0;
    }

    /** Words of state {@link #store} writes: n, lo, hi, s and c (IEEE bits), sawDouble (0 or 1). */
    static final int WORDS = 6;

    /** Writes this state to {@code words[off, off + WORDS)} ({@link FixedIrs}: a tile ring's column). */
    final void store(long[] words, int off) {
        words[off] = n;
        words[off + 1] = lo;
        words[off + 2] = hi;
        words[off + 3] = Double.doubleToRawLongBits(s);
        words[off + 4] = Double.doubleToRawLongBits(c);
        words[off + 5] = sawDouble ? 1 : 0;
    }

    /** Makes this state the one {@link #store} wrote at {@code words[off]}; returns this. */
    final SumAccumulator load(long[] words, int off) {
        n = words[off];
        lo = words[off + 1];
        hi = words[off + 2];
        s = Double.longBitsToDouble(words[off + 3]);
        c = Double.longBitsToDouble(words[off + 4]);
        sawDouble = words[off + 5] != 0;
        return this;
    }

    /** Makes {@code a}'s state a copy of this one's. */
    <T extends SumAccumulator> T copyStateTo(T target) {
        SumAccumulator a = target; // private fields are reached through the class, not the type variable
        a.n = n;
        a.lo = lo;
        a.hi = hi;
        a.s = s;
        a.c = c;
        a.sawDouble = sawDouble;
        return target;
    }

    @Override
    public void encode(ByteWriter out) {
        boolean wide = !fitsLong();
        out.writeByte(VERSION);
        out.writeByte((sawDouble ? DOUBLES : 0) | (wide ? WIDE : 0));
        out.writeUnsignedVarLong(n);
        if (wide) {
            out.writeLong(hi).writeLong(lo);
        } else {
            out.writeVarLong(lo);
        }
        if (sawDouble) {
            out.writeDouble(s).writeDouble(c);
        }
    }

    /** Reads the layout above into {@code a}, a new (empty) IR, and returns it. */
    static <T extends SumAccumulator> T decodeInto(ByteReader in, T target) {
        SumAccumulator a = target;
        FormatVersion.expect(in, VERSION);
        int flags = FormatVersion.flags(in, DOUBLES | WIDE);
        int at = in.position();
        a.n = in.readUnsignedVarLong();
        if (a.n < 0) {
            throw new CorruptDataException("negative value count at offset " + at);
        }
        if ((flags & WIDE) != 0) {
            a.hi = in.readLong();
            a.lo = in.readLong();
            if (a.fitsLong()) {
                throw new CorruptDataException("128-bit total that fits in 64 bits marked WIDE at offset " + at);
            }
        } else {
            a.lo = in.readVarLong();
            a.hi = a.lo >> 63;
        }
        if ((flags & DOUBLES) != 0) {
            a.sawDouble = true;
            a.s = in.readDouble();
            a.c = in.readDouble();
        }
        if (a.n == 0 && (flags != 0 || a.lo != 0)) {
            throw new CorruptDataException("sum with no values has a non-zero state at offset " + at);
        }
        return target;
    }

    /** The state, for the IRs' toString. */
    String describe() {
        return "n=" + n + " integers=" + exactIntegerTotal() + (sawDouble ? " doubles=" + s + "+" + c : "");
    }
}
