package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.codec.CorruptDataException;

/**
 * min and max: the least (greatest) value in {@link ValueOrder} — numbers compared exactly across
 * Long and Double, strings lexicographically, booleans &lt; numbers &lt; strings when kinds mix.
 *
 * <p>Result type: the extreme value itself, except that a Long extreme becomes a Double when any
 * Double was added to (or merged into) this IR, so a double field never flips type with the data
 * ({@code max(2, 1.5)} is {@code 2.0}). Empty: null. The two directions share state and layout;
 * merging a min IR into a max IR is rejected.
 *
 * <pre>
 * Encoding (version 1)
 *   byte 0    version = 1
 *   byte 1    flags: bit 0 PRESENT    (a value was added; the value follows)
 *                    bit 1 SAW_DOUBLE (a Double was added)
 *   if PRESENT: the extreme value ({@link ValueCodec})
 * </pre>
 */
final class MinMaxIr implements Ir {
    static final int VERSION = 1;
    private static final int PRESENT = 1;
    private static final int SAW_DOUBLE = 2;

    private final boolean max;
    private Object extreme;
    private boolean sawDouble;

    MinMaxIr(boolean max) {
        this.max = max;
    }

    @Override
    public void add(Object value, long eventTime, String eventId) {
        offer(value);
    }

    private void offer(Object value) {
        if (extreme == null) {
            ValueOrder.requireCanonical(value);
            extreme = value;
        } else {
            int c = ValueOrder.compare(value, extreme);
            if (max ? c > 0 : c < 0) {
                extreme = value;
            }
        }
        if (value instanceof Double) {
            sawDouble = true;
        }
    }

    @Override
    public void merge(Ir other) {
        MinMaxIr o = MergeCheck.sameKind(this, other, MinMaxIr.class);
        if (o.max != max) {
            throw MergeCheck.mismatch(this, other);
        }
        mergeParts(o.extreme, o.sawDouble);
    }

    /** Back to the state of a new IR (a reused read target of {@link ExtremePrefix}). */
    void clear() {
        extreme = null;
        sawDouble = false;
    }

    /** Merges an IR given by its extreme (may be null) and double flag, exactly as {@link #merge} does. */
    void mergeParts(Object oExtreme, boolean oSawDouble) {
        if (oExtreme != null) {
            offer(oExtreme);
        }
        sawDouble |= oSawDouble;
    }

    /** The extreme value as held (a Long stays a Long), or null; for {@link ExtremePrefix}. */
    Object extreme() {
        return extreme;
    }

    boolean sawDouble() {
        return sawDouble;
    }

    boolean isMax() {
        return max;
    }

    @Override
    public Object result() {
        if (sawDouble && extreme instanceof Long l) {
            return (double) l;
        }
        return extreme;
    }

    @Override
    public boolean isEmpty() {
        return extreme == null;
    }

    @Override
    public Ir copy() {
        MinMaxIr c = new MinMaxIr(max);
        c.extreme = extreme;
        c.sawDouble = sawDouble;
        return c;
    }

    @Override
    public void encode(ByteWriter out) {
        out.writeByte(VERSION);
        out.writeByte((extreme != null ? PRESENT : 0) | (sawDouble ? SAW_DOUBLE : 0));
        if (extreme != null) {
            ValueCodec.write(out, extreme);
        }
    }

    static MinMaxIr decode(ByteReader in, boolean max) {
        FormatVersion.expect(in, VERSION);
        int at = in.position();
        int flags = FormatVersion.flags(in, PRESENT | SAW_DOUBLE);
        MinMaxIr ir = new MinMaxIr(max);
        if ((flags & PRESENT) != 0) {
            ir.extreme = ValueCodec.read(in);
        }
        ir.sawDouble = (flags & SAW_DOUBLE) != 0;
        if (ir.sawDouble && ir.extreme == null || ir.extreme instanceof Double && !ir.sawDouble) {
            throw new CorruptDataException("inconsistent min/max flags 0x" + Integer.toHexString(flags) + " at offset " + at);
        }
        return ir;
    }

    @Override
    public String toString() {
        return (max ? "MaxIr[" : "MinIr[") + extreme + (sawDouble ? ", saw double]" : "]");
    }
}
