package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.codec.CorruptDataException;

/**
 * The one encoding of a typed event value inside IRs (min, max, first, last, last_k): a tag byte,
 * then the payload.
 *
 * <pre>
 *   tag   value            payload
 *   0x01  Boolean false    -
 *   0x02  Boolean true     -
 *   0x03  Long             zig-zag varint (1 byte for -64..63, at most 10)
 *   0x04  Double           8 bytes, IEEE 754 bits big-endian; always finite
 *   0x05  String           varint byte length, then UTF-8
 * </pre>
 * Tag 0x00 is never written, so a run of zero bytes does not decode as a value. Strings travel as
 * UTF-8, like every other Tessera encoding and the DataSketches serializers: a string holding an
 * unpaired surrogate (impossible in text decoded from UTF-8, which is all Tessera reads) would come
 * back with {@code '?'} in its place.
 */
final class ValueCodec {
    private static final int FALSE = 0x01;
    private static final int TRUE = 0x02;
    private static final int LONG = 0x03;
    private static final int DOUBLE = 0x04;
    private static final int STRING = 0x05;

    private ValueCodec() {
    }

    static void write(ByteWriter out, Object value) {
        if (value instanceof Long l) {
            out.writeByte(LONG).writeVarLong(l);
        } else if (value instanceof Double d) {
            out.writeByte(DOUBLE).writeDouble(d);
        } else if (value instanceof String s) {
            out.writeByte(STRING).writeString(s);
        } else if (value instanceof Boolean b) {
            out.writeByte(b ? TRUE : FALSE);
        } else {
            throw ValueOrder.notCanonical(value);
        }
    }

    /** {@link #write} of the string {@code chars[off, off + len)}, without making the string. */
    static void writeString(ByteWriter out, char[] chars, int off, int len) {
        out.writeByte(STRING).writeString(chars, off, len);
    }

    static Object read(ByteReader in) {
        int at = in.position();
        int tag = in.readByte();
        switch (tag) {
            case FALSE:
                return Boolean.FALSE;
            case TRUE:
                return Boolean.TRUE;
            case LONG:
                return in.readVarLong();
            case DOUBLE:
                double d = in.readDouble();
                if (!Double.isFinite(d)) {
                    throw new CorruptDataException("non-finite double " + d + " at offset " + at);
                }
                return d;
            case STRING:
                return in.readString();
            default:
                throw new CorruptDataException("unknown value tag 0x" + Integer.toHexString(tag) + " at offset " + at);
        }
    }
}
