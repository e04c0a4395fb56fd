package dev.tessera.core.filter;

/**
 * How two canonical values compare. Numbers compare by their exact mathematical values across
 * Long and Double (so {@code 9007199254740993L} is greater than {@code 9007199254740992.0}, which
 * a conversion to double would call equal), strings by {@link String#compareTo}, booleans only
 * for equality. Anything else (null, NaN, a string against a number, ordering booleans, a value
 * of a non-canonical type) is {@link #INCOMPARABLE}, which conditions read as UNKNOWN.
 */
final class CanonicalOrder {
    /** Returned instead of -1, 0 or 1 when the values have no order. */
    static final int INCOMPARABLE = Integer.MIN_VALUE;

    private static final double TWO_POW_63 = 0x1p63;

    private CanonicalOrder() {
    }

    /**
     * -1, 0 or 1 as {@code a} is less than, equal to or greater than {@code b}, or {@link
     * #INCOMPARABLE}; with {@code ordering == false} only 0 versus non-zero is meaningful, which
     * lets booleans be compared for equality.
     */
    static int compare(Object a, Object b, boolean ordering) {
        if (a instanceof Long x) {
            if (b instanceof Long y) {
                return Long.compare(x, y);
            }
            return b instanceof Double y ? compare((long) x, (double) y) : INCOMPARABLE;
        }
        if (a instanceof Double x) {
            if (b instanceof Double y) {
                return compare((double) x, (double) y);
            }
            return b instanceof Long y ? negate(compare((long) y, (double) x)) : INCOMPARABLE;
        }
        if (a instanceof String x) {
            return b instanceof String y ? Integer.signum(x.compareTo(y)) : INCOMPARABLE;
        }
        if (a instanceof Boolean x && !ordering) {
            return b instanceof Boolean y ? (x.equals(y) ? 0 : 1) : INCOMPARABLE;
        }
        return INCOMPARABLE;
    }

    static int compare(double a, double b) {
        return a < b ? -1 : a > b ? 1 : a == b ? 0 : INCOMPARABLE;
    }

    /** Exact comparison of a long with a double, without the rounding of {@code (double) a}. */
    static int compare(long a, double b) {
        if (Double.isNaN(b)) {
            return INCOMPARABLE;
        }
        if (b >= TWO_POW_63) {
            return -1;
        }
        if (b < -TWO_POW_63) {
            return 1;
        }
        long whole = (long) b; // b is in [-2^63, 2^63): truncation toward zero is exact
        if (a != whole) {
            return a < whole ? -1 : 1;
        }
        double fraction = b - whole; // exact: the fraction bits of b
        return fraction > 0 ? -1 : fraction < 0 ? 1 : 0;
    }

    static int negate(int sign) {
        return sign == INCOMPARABLE ? INCOMPARABLE : -sign;
    }

    /** True when {@code d} is a whole number a long can hold, so {@code (long) d == d} exactly. */
    static boolean isLongValued(double d) {
        return d >= -TWO_POW_63 && d < TWO_POW_63 && d == (long) d;
    }
}
