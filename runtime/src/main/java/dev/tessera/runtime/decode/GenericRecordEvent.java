package dev.tessera.runtime.decode;

import dev.tessera.core.event.Event;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;

/**
 * An {@link Event} seen through an Avro record: slot {@code i} is the field at
 * {@code paths[i]} (positions of nested record fields, resolved once from the schema by
 * {@link AvroEventDecoder}), converted to the canonical type on access: CharSequence (Utf8) and
 * enum symbols to {@link String}, int to {@link Long}, float to {@link Double}; long, double,
 * boolean and null unchanged. A null record on the way ({@code billing} null for
 * {@code billing.country}) reads as null.
 *
 * <p>{@link AvroEventDecoder} only hands out events whose layout fields passed {@link #kindAt}, so
 * {@link #get} never meets bytes, fixed, arrays, maps or records.
 */
final class GenericRecordEvent implements Event {
    private final IndexedRecord record;
    private final int[][] paths;

    GenericRecordEvent(IndexedRecord record, int[][] paths) {
        this.record = record;
        this.paths = paths;
    }

    @Override
    public Object get(int slot) {
        if (slot < 0 || slot >= paths.length) {
            return null;
        }
        return canonical(raw(record, paths[slot]));
    }

    /** The Avro value at {@code path}, or null when it or a record on the way is null. */
    static Object raw(IndexedRecord record, int[] path) {
        Object v = record;
        for (int position : path) {
            if (v == null) {
                return null;
            }
            v = ((IndexedRecord) v).get(position);
        }
        return v;
    }

    /**
     * What an Avro value is, in the words of a schema_mismatch message, or null when it converts to a
     * canonical event value.
     */
    static String kindAt(Object v) {
        if (v == null || v instanceof CharSequence || v instanceof Long || v instanceof Integer
                || v instanceof Double || v instanceof Float || v instanceof Boolean || v instanceof GenericEnumSymbol) {
            return null;
        }
        if (v instanceof ByteBuffer) {
            return "bytes";
        }
        if (v instanceof GenericFixed) {
            return "a fixed";
        }
        if (v instanceof Collection) {
            return "an array";
        }
        if (v instanceof Map) {
            return "a map";
        }
        if (v instanceof IndexedRecord) {
            return "a record";
        }
        return "a " + v.getClass().getSimpleName();
    }

    static Object canonical(Object v) {
        if (v instanceof Integer i) {
            return (long) i;
        }
        if (v instanceof Float f) {
            return (double) f;
        }
        if (v instanceof CharSequence || v instanceof GenericEnumSymbol) {
            return v.toString();
        }
        return v;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < paths.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(get(i));
        }
        return sb.append(']').toString();
    }
}
