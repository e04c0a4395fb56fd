package dev.tessera.offline.training;

import dev.tessera.core.agg.ValueCount;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Feature values in result spill files: a one-byte tag (null, long, double, string, boolean, list,
 * top_k entry) and the value in {@link SpillOutput}'s encodings.
 * Values round-trip to equal Java objects, so what is spilled is exactly what was read.
 */
final class SpillValues {
    private SpillValues() {
    }

    static final int KIND_LONG = 1;
    static final int KIND_DOUBLE = 2;
    static final int KIND_STRING = 4;
    static final int KIND_BOOLEAN = 8;
    static final int KIND_LIST = 16;
    static final int KIND_VALUE_COUNTS = 32;
    static final int KIND_OTHER = 64;

    // value tags; the scalar ones also tag the decoded event values of JoinRecords
    static final int NULL = 0;
    static final int LONG = 1;
    static final int DOUBLE = 2;
    static final int STRING = 3;
    static final int TRUE = 4;
    static final int FALSE = 5;
    private static final int LIST = 6;
    private static final int VALUE_COUNT = 7;

    /** Writes a feature value; returns its kind bits (see {@code KIND_*}) for the output's column types. */
    static int writeValue(SpillOutput out, Object v) throws IOException {
        if (v == null) {
            out.writeByte(NULL);
            return 0;
        }
        if (v instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
            return KIND_LONG;
        }
        if (v instanceof Integer i) {
            out.writeByte(LONG);
            out.writeLong(i);
            return KIND_LONG;
        }
        if (v instanceof Double d) {
            out.writeByte(DOUBLE);
            out.writeLong(Double.doubleToRawLongBits(d));
            return KIND_DOUBLE;
        }
        if (v instanceof Boolean b) {
            out.writeByte(b ? TRUE : FALSE);
            return KIND_BOOLEAN;
        }
        if (v instanceof ValueCount vc) {
            out.writeByte(VALUE_COUNT);
            out.writeString(vc.value());
            out.writeLong(vc.count());
            return KIND_VALUE_COUNTS;
        }
        if (v instanceof List<?> list) {
            out.writeByte(LIST);
            out.writeVarint(list.size());
            int kinds = KIND_LIST;
            for (Object item : list) {
                int k = writeValue(out, item);
                kinds |= k == KIND_VALUE_COUNTS ? KIND_VALUE_COUNTS : (k == 0 ? 0 : KIND_OTHER);
            }
            return kinds;
        }
        out.writeByte(STRING);
        out.writeString(v.toString());
        return v instanceof String ? KIND_STRING : KIND_OTHER;
    }

    static Object readValue(SpillInput in) throws IOException {
        int tag = in.readByte();
        switch (tag) {
            case NULL:
                return null;
            case LONG:
                return in.readLong();
            case DOUBLE:
                return Double.longBitsToDouble(in.readLong());
            case STRING:
                return in.readString();
            case TRUE:
                return Boolean.TRUE;
            case FALSE:
                return Boolean.FALSE;
            case VALUE_COUNT:
                return new ValueCount(in.readString(), in.readLong());
            case LIST: {
                int n = (int) in.readVarint();
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(readValue(in));
                }
                return java.util.Collections.unmodifiableList(list);
            }
            default:
                throw new IOException("corrupt spill file: unknown value tag " + tag);
        }
    }
}
