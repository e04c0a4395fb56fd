package dev.tessera.core.agg;

/**
 * The canonical total order of event values, used by min, max and to break exact (time, id) ties
 * in first, last and last_k.
 *
 * <p>Values are canonical ({@link dev.tessera.core.event.Event}): {@link Boolean}, {@link Long},
 * {@link Double} (finite) or {@link String}. The order is:
 * <ol>
 *   <li>by kind: booleans &lt; numbers &lt; strings (so the min of a mixed field is a boolean when
 *       there is one, the max a string when there is one);</li>
 *   <li>booleans: {@code false < true};</li>
 *   <li>numbers: numerically and exactly across Long and Double (no rounding of the long: 2^53+1 is
 *       greater than the double 2^53). Numerically equal values are ordered Long before Double, and
 *       {@code -0.0 < 0.0}, so that the order is total and distinct values never tie;</li>
 *   <li>strings: {@link String#compareTo} (lexicographic by UTF-16 code unit, Java's natural order).</li>
 * </ol>
 * Two values compare as 0 exactly when they are equal by {@link Object#equals}.
 */
final class ValueOrder {
    private static final int BOOLEAN = 0;
    private static final int NUMBER = 1;
    private static final int STRING = 2;
    /** 2^63 as a double: every long is below it. */
    private static final double TWO_POW_63 = 0x1p63;

    private ValueOrder() {
    }

    static int compare(Object a, Object b) {
        int ka = kind(a);
        int kb = kind(b);
        if (ka != kb) {
            return Integer.compare(ka, kb);
        }
        switch (ka) {
            case BOOLEAN:
                return Boolean.compare((Boolean) a, (Boolean) b);
            case NUMBER:
                return compareNumbers(a, b);
            default:
                return ((String) a).compareTo((String) b);
        }
    }

    /** Throws when {@code value} is not one of the four canonical types (a bug in the caller). */
    static void requireCanonical(Object value) {
        kind(value);
    }

    private static int kind(Object v) {
        if (v instanceof Long || v instanceof Double) {
            return NUMBER;
        }
        if (v instanceof String) {
            return STRING;
        }
        if (v instanceof Boolean) {
            return BOOLEAN;
        }
        throw notCanonical(v);
    }

    static IllegalArgumentException notCanonical(Object v) {
        return new IllegalArgumentException("not a canonical event value (Boolean, Long, Double or String): "
                + (v == null ? "null" : v.getClass().getName() + " " + v));
    }

    private static int compareNumbers(Object a, Object b) {
        if (a instanceof Long x) {
            if (b instanceof Long y) {
                return Long.compare(x, y);
            }
            int c = compareLongToDouble(x, (Double) b);
            return c != 0 ? c : -1;
        }
        double x = (Double) a;
        if (b instanceof Long y) {
            int c = -compareLongToDouble(y, x);
            return c != 0 ? c : 1;
        }
        return Double.compare(x, (Double) b);
    }

    /** Exact numeric comparison of a long with a finite double. */
    static int compareLongToDouble(long l, double d) {
        if (d >= TWO_POW_63) {
            return -1;
        }
        if (d < -TWO_POW_63) {
            return 1;
        }
        long truncated = (long) d; // exact: |d| < 2^63, truncates toward zero
        int c = Long.compare(l, truncated);
        if (c != 0) {
            return c;
        }
        double fraction = d - truncated; // exact: truncated is d's integer part
        return fraction > 0 ? -1 : fraction < 0 ? 1 : 0;
    }
}
