package dev.tessera.offline.imports;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;

/**
 * Values of input rows as plain Java: {@code String}, {@code Long}, {@code Double}, {@code Boolean},
 * {@code BigDecimal}, {@code byte[]}, {@code Map<String, Object>} (field order kept), {@code List},
 * null. Parquet rows are turned into them ({@link #of(GenericRecord)}) and they are written as JSON
 * ({@link #writeJson}).
 *
 * <p>Parquet's logical types become what a source's decoder understands: timestamps (millis,
 * micros, nanos, local or not, and INT96) become epoch milliseconds, since that is what a
 * {@code timestamp} field holds; a date becomes its ISO text ({@code 2026-11-26}); a decimal becomes
 * an exact number; a UUID its text; enums their symbol; bytes and fixed values stay bytes (base64 in
 * JSON).
 */
final class PlainValues {
    /** The doc parquet-avro gives the 12-byte fixed it reads an INT96 column as. */
    static final String INT96_DOC = "INT96 represented as byte[12]";
    private static final long JULIAN_DAY_OF_EPOCH = 2_440_588L;
    private static final long MILLIS_PER_DAY = 86_400_000L;

    static final JsonFactory JSON = JsonFactory.builder()
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS) // NaN and Infinity as the literals the decoder reads
            .build();

    private PlainValues() {
    }

    /** A Parquet row (in its file's schema) as a plain map. */
    static Map<String, Object> of(GenericRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Schema.Field f : r.getSchema().getFields()) {
            m.put(f.name(), plain(r.get(f.pos()), f.schema()));
        }
        return m;
    }

    static Object plain(Object v, Schema s) {
        if (v == null) {
            return null;
        }
        if (s.getType() == Schema.Type.UNION) {
            s = s.getTypes().get(GenericData.get().resolveUnion(s, v));
        }
        LogicalType lt = s.getLogicalType();
        if (lt != null) {
            Object converted = logical(v, s, lt);
            if (converted != null) {
                return converted;
            }
        }
        switch (s.getType()) {
            case RECORD:
                return of((GenericRecord) v);
            case ARRAY: {
                List<Object> out = new ArrayList<>();
                for (Object e : (Collection<?>) v) {
                    out.add(plain(e, s.getElementType()));
                }
                return out;
            }
            case MAP: {
                Map<String, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                    out.put(e.getKey().toString(), plain(e.getValue(), s.getValueType()));
                }
                return out;
            }
            case ENUM:
            case STRING:
                return v.toString();
            case INT:
                return ((Number) v).longValue();
            case FLOAT:
                return ((Number) v).doubleValue();
            case BYTES: {
                ByteBuffer b = ((ByteBuffer) v).duplicate();
                byte[] out = new byte[b.remaining()];
                b.get(out);
                return out;
            }
            case FIXED: {
                byte[] bytes = ((GenericFixed) v).bytes();
                if (bytes.length == 12 && INT96_DOC.equals(s.getDoc())) {
                    return int96Millis(bytes);
                }
                return bytes.clone();
            }
            default:
                return v; // Long, Double, Boolean
        }
    }

    private static Object logical(Object v, Schema s, LogicalType lt) {
        if (lt instanceof LogicalTypes.TimestampMillis || lt instanceof LogicalTypes.LocalTimestampMillis) {
            return ((Number) v).longValue();
        }
        if (lt instanceof LogicalTypes.TimestampMicros || lt instanceof LogicalTypes.LocalTimestampMicros) {
            return Math.floorDiv(((Number) v).longValue(), 1_000L);
        }
        if (lt instanceof LogicalTypes.TimestampNanos || lt instanceof LogicalTypes.LocalTimestampNanos) {
            return Math.floorDiv(((Number) v).longValue(), 1_000_000L);
        }
        if (lt instanceof LogicalTypes.Date) {
            return LocalDate.ofEpochDay(((Number) v).longValue()).toString();
        }
        if (lt instanceof LogicalTypes.Decimal d) {
            byte[] bytes;
            if (v instanceof ByteBuffer b) {
                bytes = new byte[b.remaining()];
                b.duplicate().get(bytes);
            } else if (v instanceof GenericFixed f) {
                bytes = f.bytes();
            } else {
                return null;
            }
            return new BigDecimal(new BigInteger(bytes), d.getScale());
        }
        if ("uuid".equals(lt.getName())) {
            return v.toString();
        }
        return null;
    }

    /** An INT96 timestamp: nanoseconds of the day (8 bytes) then the Julian day (4 bytes), little-endian. */
    static long int96Millis(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long nanosOfDay = buf.getLong();
        long julianDay = buf.getInt() & 0xFFFFFFFFL;
        return (julianDay - JULIAN_DAY_OF_EPOCH) * MILLIS_PER_DAY + Math.floorDiv(nanosOfDay, 1_000_000L);
    }

    /** Writes a plain value as JSON. */
    static void writeJson(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof Double d) {
            g.writeNumber(d);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof BigDecimal d) {
            g.writeNumber(d);
        } else if (v instanceof byte[] b) {
            g.writeBinary(b);
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName(e.getKey().toString());
                writeJson(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof List<?> l) {
            g.writeStartArray();
            for (Object e : l) {
                writeJson(g, e);
            }
            g.writeEndArray();
        } else if (v instanceof Number n) {
            g.writeNumber(n.toString());
        } else {
            g.writeString(v.toString());
        }
    }

    /** A plain value as JSON bytes (UTF-8). */
    static byte[] toJson(Object v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writeJson(g, v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A Parquet row as JSON text (for reports). */
    static String toJsonText(GenericRecord r) {
        return new String(toJson(of(r)), StandardCharsets.UTF_8);
    }
}
