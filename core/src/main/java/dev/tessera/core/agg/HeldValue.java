package dev.tessera.core.agg;

/**
 * How first, last and last_k hold an event's value in place rather than as the event's object: a
 * kind, and for a number or boolean its bits (a Long's value, a Double's raw bits, 1 or 0). A string's
 * chars are kept by the IR itself, in its own {@code char[]}.
 */
final class HeldValue {
    static final byte BOOLEAN = 1;
    static final byte LONG = 2;
    static final byte DOUBLE = 3;
    static final byte STRING = 4;

    private HeldValue() {
    }

    /** The kind of a canonical value ({@link ValueOrder#requireCanonical}). */
    static byte kindOf(Object value) {
        if (value instanceof String) {
            return STRING;
        }
        if (value instanceof Long) {
            return LONG;
        }
        return value instanceof Double ? DOUBLE : BOOLEAN;
    }

    /** The bits kept for a number or boolean; 0 for a string. */
    static long bitsOf(Object value) {
        if (value instanceof Long l) {
            return l;
        }
        if (value instanceof Double d) {
            return Double.doubleToRawLongBits(d);
        }
        return value instanceof Boolean b && b ? 1 : 0;
    }

    /** The number or boolean of {@code kind} (not {@link #STRING}) held as {@code bits}, as a new value object. */
    static Object box(byte kind, long bits) {
        switch (kind) {
            case LONG:
                return bits;
            case DOUBLE:
                return Double.longBitsToDouble(bits);
            default:
                return bits != 0;
        }
    }
}
