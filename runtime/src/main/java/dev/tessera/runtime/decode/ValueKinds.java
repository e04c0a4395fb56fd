package dev.tessera.runtime.decode;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/** How messages name the kind of a plain value, never the value itself (events may hold personal data). */
public final class ValueKinds {
    private ValueKinds() {
    }

    /** "null", "text", "a whole number", "a fractional number", "a boolean", "an object", "a list", "bytes". */
    public static String of(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String) {
            return "text";
        }
        if (v instanceof Long || v instanceof Integer || v instanceof BigInteger) {
            return "a whole number";
        }
        if (v instanceof Number) {
            return "a fractional number";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "a list";
        }
        if (v instanceof byte[]) {
            return "bytes";
        }
        return v.getClass().getSimpleName();
    }
}
