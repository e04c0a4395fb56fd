package dev.tessera.core.filter;

/**
 * Arithmetic on canonical values. Long with Long is exact ({@code Math.*Exact}) and falls back to
 * double arithmetic on overflow; a Double on either side makes it double arithmetic. A Long
 * quotient that is not a whole number is a Double ({@code 7 / 2 = 3.5}). Dividing, or taking the
 * remainder, by zero (0 or ±0.0) is null. {@code %} is Java's remainder: its sign is the dividend's.
 * Any operand that is null or not a number makes the result null.
 *
 * <p>Results are boxed; a filter doing arithmetic allocates where the JIT cannot scalar-replace
 * them. Comparisons of fields with constants, the common case, never get here.
 */
final class NumericArithmetic {
    private NumericArithmetic() {
    }

    static Object add(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            try {
                return Math.addExact(x, y);
            } catch (ArithmeticException overflow) {
                return (double) x + (double) y;
            }
        }
        return bothNumbers(a, b) ? (Object) (asDouble(a) + asDouble(b)) : null;
    }

    static Object subtract(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            try {
                return Math.subtractExact(x, y);
            } catch (ArithmeticException overflow) {
                return (double) x - (double) y;
            }
        }
        return bothNumbers(a, b) ? (Object) (asDouble(a) - asDouble(b)) : null;
    }

    static Object multiply(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            try {
                return Math.multiplyExact(x, y);
            } catch (ArithmeticException overflow) {
                return (double) x * (double) y;
            }
        }
        return bothNumbers(a, b) ? (Object) (asDouble(a) * asDouble(b)) : null;
    }

    static Object divide(Object a, Object b) {
        if (!bothNumbers(a, b) || isZero(b)) {
            return null;
        }
        if (a instanceof Long x && b instanceof Long y) {
            boolean overflows = x == Long.MIN_VALUE && y == -1;
            if (x % y == 0 && !overflows) {
                return x / y;
            }
            return (double) x / (double) y;
        }
        return asDouble(a) / asDouble(b);
    }

    static Object remainder(Object a, Object b) {
        if (!bothNumbers(a, b) || isZero(b)) {
            return null;
        }
        if (a instanceof Long x && b instanceof Long y) {
            return x % y; // never overflows: Long.MIN_VALUE % -1 == 0
        }
        return asDouble(a) % asDouble(b);
    }

    static Object negate(Object a) {
        if (a instanceof Long x) {
            return x == Long.MIN_VALUE ? (Object) (-(double) x) : (Object) (-x);
        }
        return a instanceof Double d ? (Object) (-d) : null;
    }

    private static boolean bothNumbers(Object a, Object b) {
        return (a instanceof Long || a instanceof Double) && (b instanceof Long || b instanceof Double);
    }

    private static boolean isZero(Object n) {
        return n instanceof Long l ? l == 0 : (Double) n == 0.0;
    }

    private static double asDouble(Object n) {
        return n instanceof Long l ? (double) l : (Double) n;
    }
}
