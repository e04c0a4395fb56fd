package dev.tessera.flink;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.Event;

/**
 * Event field values between operators: one tag byte per slot and the value, for the canonical
 * kinds of {@link Event} (null, Boolean, Long, Double, String). Compact and allocation-light,
 * unlike Kryo on an {@code Object[]}.
 */
final class FieldCodec {
    private static final int NULL = 0;
    private static final int FALSE = 1;
    private static final int TRUE = 2;
    private static final int LONG = 3;
    private static final int DOUBLE = 4;
    private static final int STRING = 5;

    private FieldCodec() {}

    static byte[] encode(Event e, int slots) {
        ByteWriter out = new ByteWriter(16 + 12 * slots);
        out.writeUnsignedVarLong(slots);
        for (int i = 0; i < slots; i++) {
            Object v = e.get(i);
            if (v == null) {
                out.writeByte(NULL);
            } else if (v instanceof Boolean b) {
                out.writeByte(b ? TRUE : FALSE);
            } else if (v instanceof Long l) {
                out.writeByte(LONG);
                out.writeLong(l);
            } else if (v instanceof Double d) {
                out.writeByte(DOUBLE);
                out.writeLong(Double.doubleToRawLongBits(d));
            } else if (v instanceof String s) {
                out.writeByte(STRING);
                out.writeString(s);
            } else {
                throw new IllegalArgumentException("slot " + i + " holds a " + v.getClass().getName()
                        + "; events carry only null, Boolean, Long, Double and String");
            }
        }
        return out.toByteArray();
    }

    static ArrayEvent decode(byte[] bytes) {
        ByteReader in = new ByteReader(bytes);
        int n = in.readLength();
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            int tag = in.readByte();
            values[i] = switch (tag) {
                case NULL -> null;
                case FALSE -> Boolean.FALSE;
                case TRUE -> Boolean.TRUE;
                case LONG -> in.readLong();
                case DOUBLE -> Double.longBitsToDouble(in.readLong());
                case STRING -> in.readString();
                default -> throw new IllegalArgumentException("unknown field tag " + tag);
            };
        }
        return new ArrayEvent(values);
    }
}
