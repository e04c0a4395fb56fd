package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tessera.core.agg.ValueCount;
import java.io.IOException;
import java.util.List;

/**
 * Feature values as JSON: numbers, strings, booleans, null; lists (last_k, top_k) as arrays; a
 * top_k entry as {@code {"value": ..., "count": ...}}. Non-finite doubles (never produced by the
 * aggregators, which skip them) would be null.
 */
final class JsonValues {
    private JsonValues() {
    }

    static void write(JsonGenerator out, Object v) throws IOException {
        if (v == null) {
            out.writeNull();
        } else if (v instanceof Long l) {
            out.writeNumber(l);
        } else if (v instanceof Double d) {
            if (Double.isFinite(d)) {
                out.writeNumber(d);
            } else {
                out.writeNull();
            }
        } else if (v instanceof String s) {
            out.writeString(s);
        } else if (v instanceof Boolean b) {
            out.writeBoolean(b);
        } else if (v instanceof Integer i) {
            out.writeNumber(i);
        } else if (v instanceof ValueCount vc) {
            out.writeStartObject();
            out.writeStringField("value", vc.value());
            out.writeNumberField("count", vc.count());
            out.writeEndObject();
        } else if (v instanceof List<?> list) {
            out.writeStartArray();
            for (Object item : list) {
                write(out, item);
            }
            out.writeEndArray();
        } else {
            out.writeString(v.toString());
        }
    }
}
