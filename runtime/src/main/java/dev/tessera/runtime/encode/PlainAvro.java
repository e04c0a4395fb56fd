package dev.tessera.runtime.encode;

import dev.tessera.core.event.EventTimes;
import dev.tessera.runtime.decode.RejectReason;
import dev.tessera.runtime.decode.ValueKinds;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * Plain values (what a JSON object parses to: maps, lists, strings, numbers, booleans, null; or a
 * CSV record's text cells, nested by dotted names) as a datum of an Avro schema, field by field by
 * name. Used where Tessera writes Avro records for a user: {@code tessera import} of JSON, CSV and
 * Parquet history into an Avro source's archive, and the push API for Avro sources.
 * <ul>
 *   <li>a field the value lacks takes the schema's default, or null when the field is nullable;
 *       otherwise the value is {@code schema_mismatch}. Fields the schema lacks are dropped.</li>
 *   <li>values convert where nothing is lost: whole numbers to int (in range) and long, any number to
 *       float and double, text holding a number or {@code true}/{@code false} to those types (that is
 *       how CSV cells become typed), numbers and booleans to their text for a string field, text to
 *       an enum symbol, an ISO-8601 text to a {@code timestamp-millis} long; a union takes the first
 *       branch the value fits. Anything else is a {@code schema_mismatch} naming the field.</li>
 * </ul>
 * Messages name fields and types but never values: events may hold personal data.
 */
public final class PlainAvro {
    private PlainAvro() {
    }

    /** Why a value does not fit the schema, with the reject reason it carries. */
    public static final class Unfit extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient RejectReason reason;

        Unfit(RejectReason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        public RejectReason reason() {
            return reason;
        }
    }

    /** {@code v} as a datum of {@code s}; {@code path} names the field in messages ("" for the top record). */
    public static Object datum(Object v, Schema s, String path) throws Unfit {
        switch (s.getType()) {
            case NULL:
                if (v == null) {
                    return null;
                }
                throw mismatch(path, v, s);
            case UNION: {
                if (v == null) {
                    for (Schema b : s.getTypes()) {
                        if (b.getType() == Schema.Type.NULL) {
                            return null;
                        }
                    }
                    throw new Unfit(RejectReason.SCHEMA_MISMATCH, "field '" + path + "' is null but the schema does not"
                            + " allow null there");
                }
                for (Schema b : s.getTypes()) {
                    if (b.getType() == Schema.Type.NULL) {
                        continue;
                    }
                    try {
                        return datum(v, b, path);
                    } catch (Unfit e) {
                        // try the next branch
                    }
                }
                throw mismatch(path, v, s);
            }
            case RECORD:
                return record(v, s, path);
            case STRING:
                if (v instanceof String || v instanceof Long || v instanceof Integer || v instanceof Boolean
                        || v instanceof BigDecimal || v instanceof BigInteger) {
                    return v.toString();
                }
                if (v instanceof Double d) {
                    return d == Math.rint(d) && Math.abs(d) < 9.0e15 ? Long.toString(d.longValue()) : d.toString();
                }
                throw mismatch(path, v, s);
            case INT: {
                Long l = wholeNumber(v);
                if (l != null && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
                    return l.intValue();
                }
                throw mismatch(path, v, s);
            }
            case LONG: {
                if (v instanceof String text && s.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
                    try {
                        return EventTimes.toEpochMillis(text);
                    } catch (IllegalArgumentException e) {
                        throw new Unfit(RejectReason.SCHEMA_MISMATCH, "field '" + path + "': " + e.getMessage());
                    }
                }
                Long l = wholeNumber(v);
                if (l != null) {
                    return l;
                }
                throw mismatch(path, v, s);
            }
            case FLOAT:
            case DOUBLE: {
                Double d = null;
                if (v instanceof Number n) {
                    d = n.doubleValue();
                } else if (v instanceof String text) {
                    try {
                        d = Double.parseDouble(text.strip());
                    } catch (NumberFormatException e) {
                        d = null;
                    }
                }
                if (d == null) {
                    throw mismatch(path, v, s);
                }
                return s.getType() == Schema.Type.FLOAT ? (Object) d.floatValue() : d;
            }
            case BOOLEAN:
                if (v instanceof Boolean) {
                    return v;
                }
                if (v instanceof String text && (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false"))) {
                    return text.length() == 4;
                }
                throw mismatch(path, v, s);
            case ENUM:
                if (v instanceof String text && s.hasEnumSymbol(text)) {
                    return new GenericData.EnumSymbol(s, text);
                }
                throw new Unfit(RejectReason.SCHEMA_MISMATCH, "field '" + path + "' holds " + ValueKinds.of(v) + " that is not"
                        + " a symbol of enum " + s.getName() + " " + s.getEnumSymbols());
            case BYTES:
                if (v instanceof byte[] b) {
                    return ByteBuffer.wrap(b);
                }
                throw mismatch(path, v, s);
            case FIXED:
                if (v instanceof byte[] b && b.length == s.getFixedSize()) {
                    return new GenericData.Fixed(s, b);
                }
                throw mismatch(path, v, s);
            case ARRAY: {
                if (!(v instanceof List<?> list)) {
                    throw mismatch(path, v, s);
                }
                List<Object> out = new ArrayList<>(list.size());
                for (int i = 0; i < list.size(); i++) {
                    out.add(datum(list.get(i), s.getElementType(), path + "[" + i + "]"));
                }
                return new GenericData.Array<>(s, out);
            }
            case MAP: {
                if (!(v instanceof Map<?, ?> map)) {
                    throw mismatch(path, v, s);
                }
                Map<String, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    out.put(e.getKey().toString(), datum(e.getValue(), s.getValueType(), path + "." + e.getKey()));
                }
                return out;
            }
            default:
                throw mismatch(path, v, s);
        }
    }

    private static Object record(Object v, Schema s, String path) throws Unfit {
        if (!(v instanceof Map<?, ?> m)) {
            throw mismatch(path, v, s);
        }
        GenericData.Record r = new GenericData.Record(s);
        for (Schema.Field f : s.getFields()) {
            String fieldPath = path.isEmpty() ? f.name() : path + "." + f.name();
            Object value = m.get(f.name());
            if (value == null) {
                if (!m.containsKey(f.name()) && f.hasDefaultValue()) {
                    r.put(f.pos(), GenericData.get().deepCopy(f.schema(), GenericData.get().getDefaultValue(f)));
                    continue;
                }
                if (nullable(f.schema())) {
                    r.put(f.pos(), null);
                    continue;
                }
                if (f.hasDefaultValue()) {
                    r.put(f.pos(), GenericData.get().deepCopy(f.schema(), GenericData.get().getDefaultValue(f)));
                    continue;
                }
                throw new Unfit(RejectReason.SCHEMA_MISMATCH, "field '" + fieldPath + "' is " + (m.containsKey(f.name())
                        ? "null" : "missing") + " but schema " + s.getName() + " requires it (no default, not nullable)");
            }
            r.put(f.pos(), datum(value, f.schema(), fieldPath));
        }
        return r;
    }

    private static boolean nullable(Schema s) {
        if (s.getType() == Schema.Type.NULL) {
            return true;
        }
        if (s.getType() == Schema.Type.UNION) {
            for (Schema b : s.getTypes()) {
                if (b.getType() == Schema.Type.NULL) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Long wholeNumber(Object v) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Integer i) {
            return i.longValue();
        }
        if (v instanceof BigInteger b && b.bitLength() < 64) {
            return b.longValue();
        }
        if (v instanceof String text) {
            try {
                return Long.parseLong(text.strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static Unfit mismatch(String path, Object v, Schema s) {
        return new Unfit(RejectReason.SCHEMA_MISMATCH, "field '" + (path.isEmpty() ? "(the row)" : path) + "' holds "
                + ValueKinds.of(v) + " but the schema wants " + describe(s));
    }

    private static String describe(Schema s) {
        if (s.getType() == Schema.Type.UNION) {
            List<String> names = new ArrayList<>();
            s.getTypes().forEach(b -> names.add(b.getType().getName()));
            return "one of " + names;
        }
        return s.getLogicalType() != null ? s.getType().getName() + " (" + s.getLogicalType().getName() + ")" : s.getType().getName();
    }
}
