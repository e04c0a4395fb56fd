package dev.tessera.core.filter;

import dev.tessera.api.filter.ArithmeticOp;
import dev.tessera.api.filter.Expr;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

/**
 * The reference semantics of where filters, written to be obviously right rather than fast: walks
 * the tree for every event, looks fields up by name in a map, uses Boolean-or-null for truth, and
 * BigDecimal/BigInteger for exact numbers. Shares no code with {@link FilterCompiler}.
 */
final class NaiveFilterInterpreter {
    private NaiveFilterInterpreter() {
    }

    /** Boolean.TRUE, Boolean.FALSE, or null for UNKNOWN. */
    static Boolean truth(Expr e, Map<String, Object> event) {
        Object v = eval(e, event);
        return v instanceof Boolean b ? b : null;
    }

    static Object eval(Expr e, Map<String, Object> ev) {
        if (e instanceof Expr.Literal l) {
            return l.value();
        } else if (e instanceof Expr.Field f) {
            return ev.get(f.name());
        } else if (e instanceof Expr.Not n) {
            Boolean b = truth(n.operand(), ev);
            return b == null ? null : !b;
        } else if (e instanceof Expr.And a) {
            Boolean l = truth(a.left(), ev);
            Boolean r = truth(a.right(), ev);
            return Boolean.FALSE.equals(l) || Boolean.FALSE.equals(r) ? Boolean.FALSE : l == null || r == null ? null : true;
        } else if (e instanceof Expr.Or o) {
            Boolean l = truth(o.left(), ev);
            Boolean r = truth(o.right(), ev);
            return Boolean.TRUE.equals(l) || Boolean.TRUE.equals(r) ? Boolean.TRUE : l == null || r == null ? null : false;
        } else if (e instanceof Expr.IsNull n) {
            return (eval(n.operand(), ev) == null) != n.negated();
        } else if (e instanceof Expr.Compare c) {
            Integer s = compare(eval(c.left(), ev), eval(c.right(), ev), c.op().ordering());
            if (s == null) {
                return null;
            }
            switch (c.op()) {
                case EQ: return s == 0;
                case NE: return s != 0;
                case LT: return s < 0;
                case LE: return s <= 0;
                case GT: return s > 0;
                default: return s >= 0;
            }
        } else if (e instanceof Expr.In in) {
            Object x = eval(in.operand(), ev);
            boolean anyTrue = false;
            boolean anyUnknown = false;
            for (Expr v : in.values()) {
                Integer s = compare(x, eval(v, ev), false);
                anyTrue |= s != null && s == 0;
                anyUnknown |= s == null;
            }
            Boolean found = anyTrue ? Boolean.TRUE : anyUnknown ? null : Boolean.FALSE;
            return found == null ? null : found != in.negated();
        } else if (e instanceof Expr.Negate n) {
            Object v = eval(n.operand(), ev);
            if (v instanceof Long x) {
                return fitOrElse(BigInteger.valueOf(x).negate(), -(double) x);
            }
            return v instanceof Double d ? -d : null;
        } else {
            Expr.Arithmetic a = (Expr.Arithmetic) e;
            return arithmetic(a.op(), eval(a.left(), ev), eval(a.right(), ev));
        }
    }

    /** Sign of a compared with b, or null when they do not compare. */
    private static Integer compare(Object a, Object b, boolean ordering) {
        if (isNumber(a) && isNumber(b)) {
            double x = ((Number) a).doubleValue();
            double y = ((Number) b).doubleValue();
            if (Double.isNaN(x) || Double.isNaN(y)) {
                return null;
            }
            if (Double.isInfinite(x) || Double.isInfinite(y)) {
                return x == y ? 0 : x < y ? -1 : 1; // an infinity decides the order on its own
            }
            return exact(a).compareTo(exact(b));
        }
        if (a instanceof String x && b instanceof String y) {
            return Integer.signum(x.compareTo(y));
        }
        if (a instanceof Boolean x && b instanceof Boolean y && !ordering) {
            return x.equals(y) ? 0 : 1;
        }
        return null;
    }

    private static Object arithmetic(ArithmeticOp op, Object a, Object b) {
        if (!isNumber(a) || !isNumber(b)) {
            return null;
        }
        double x = ((Number) a).doubleValue();
        double y = ((Number) b).doubleValue();
        if ((op == ArithmeticOp.DIVIDE || op == ArithmeticOp.REMAINDER) && y == 0) {
            return null;
        }
        double inDoubles = op == ArithmeticOp.ADD ? x + y : op == ArithmeticOp.SUBTRACT ? x - y
                : op == ArithmeticOp.MULTIPLY ? x * y : op == ArithmeticOp.DIVIDE ? x / y : x % y;
        if (!(a instanceof Long) || !(b instanceof Long)) {
            return inDoubles;
        }
        BigInteger p = BigInteger.valueOf((Long) a);
        BigInteger q = BigInteger.valueOf((Long) b);
        if (op == ArithmeticOp.DIVIDE && p.remainder(q).signum() != 0) {
            return inDoubles;
        }
        BigInteger exact = op == ArithmeticOp.ADD ? p.add(q) : op == ArithmeticOp.SUBTRACT ? p.subtract(q)
                : op == ArithmeticOp.MULTIPLY ? p.multiply(q) : op == ArithmeticOp.DIVIDE ? p.divide(q) : p.remainder(q);
        return fitOrElse(exact, inDoubles);
    }

    private static Object fitOrElse(BigInteger exact, double fallback) {
        return exact.bitLength() < 64 ? (Object) exact.longValue() : (Object) fallback;
    }

    private static boolean isNumber(Object o) {
        return o instanceof Long || o instanceof Double;
    }

    private static BigDecimal exact(Object n) {
        return n instanceof Long l ? BigDecimal.valueOf(l) : new BigDecimal((Double) n);
    }
}
