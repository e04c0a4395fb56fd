package dev.tessera.core.filter;

/**
 * Three-valued (Kleene) truth as small ints, ordered {@code FALSE < UNKNOWN < TRUE} so that
 * {@code and} is {@code min}, {@code or} is {@code max} and {@code not} is {@code TRUE - t}. Ints
 * rather than an enum or {@code Boolean}-with-null keep evaluation branch-light and allocation-free.
 */
final class Truth {
    static final int FALSE = 0;
    static final int UNKNOWN = 1;
    static final int TRUE = 2;

    private Truth() {
    }

    static int of(boolean b) {
        return b ? TRUE : FALSE;
    }

    static int not(int t) {
        return TRUE - t;
    }

    /** A value used as a condition: a Boolean is itself; anything else (null, numbers, strings) is UNKNOWN. */
    static int ofValue(Object value) {
        return value instanceof Boolean b ? of(b) : UNKNOWN;
    }

    /** A condition used as a value: Boolean.TRUE, Boolean.FALSE, or null for UNKNOWN. */
    static Object toValue(int t) {
        return t == TRUE ? Boolean.TRUE : t == FALSE ? Boolean.FALSE : null;
    }
}
