package dev.tessera.core.filter;

import static dev.tessera.core.filter.CanonicalOrder.INCOMPARABLE;
import static dev.tessera.core.filter.Truth.FALSE;
import static dev.tessera.core.filter.Truth.TRUE;
import static dev.tessera.core.filter.Truth.UNKNOWN;

import dev.tessera.api.filter.CompareOp;

/**
 * Compiled comparisons. An operator becomes a three-bit mask of the orderings it accepts (bit 0:
 * less, bit 1: equal, bit 2: greater), so one node class serves all six operators without a
 * switch per event. A field compared with a constant, by far the common case, gets a node
 * specialized on the constant's type that reads the slot and compares primitives, allocating
 * nothing.
 */
final class Comparisons {
    private Comparisons() {
    }

    /** {@code field op constant}; the caller swaps sides (and the operator) for {@code constant op field}. */
    static ConditionNode fieldVersusConstant(int slot, CompareOp op, Object constant) {
        int mask = mask(op);
        if (constant instanceof String s) {
            if (op == CompareOp.EQ || op == CompareOp.NE) {
                int same = op == CompareOp.EQ ? TRUE : FALSE;
                int different = TRUE - same;
                return e -> {
                    Object v = e.get(slot);
                    return v instanceof String ? (s.equals(v) ? same : different) : UNKNOWN;
                };
            }
            return e -> e.get(slot) instanceof String v ? accept(mask, Integer.signum(v.compareTo(s))) : UNKNOWN;
        }
        if (constant instanceof Long c) {
            long k = c;
            return e -> {
                Object v = e.get(slot);
                if (v instanceof Long x) {
                    return accept(mask, Long.compare(x, k));
                }
                return v instanceof Double d ? accept(mask, CanonicalOrder.negate(CanonicalOrder.compare(k, (double) d)))
                        : UNKNOWN;
            };
        }
        if (constant instanceof Double c && !c.isNaN()) {
            double k = c;
            return e -> {
                Object v = e.get(slot);
                if (v instanceof Double d) {
                    return accept(mask, CanonicalOrder.compare((double) d, k));
                }
                return v instanceof Long x ? accept(mask, CanonicalOrder.compare((long) x, k)) : UNKNOWN;
            };
        }
        if (constant instanceof Boolean b && !op.ordering()) {
            int same = op == CompareOp.EQ ? TRUE : FALSE;
            int different = TRUE - same;
            return e -> e.get(slot) instanceof Boolean v ? (v.equals(b) ? same : different) : UNKNOWN;
        }
        return e -> UNKNOWN; // null, NaN, or ordering a boolean: never comparable
    }

    /** {@code left op right} for any two value expressions. */
    static ConditionNode values(CompareOp op, ValueNode left, ValueNode right) {
        int mask = mask(op);
        boolean ordering = op.ordering();
        return e -> accept(mask, CanonicalOrder.compare(left.value(e), right.value(e), ordering));
    }

    /** The truth of a comparison whose outcome is {@code sign}, for an operator's {@code mask}. */
    static int accept(int mask, int sign) {
        if (sign == INCOMPARABLE) {
            return UNKNOWN;
        }
        return (mask >> (sign + 1) & 1) != 0 ? TRUE : FALSE;
    }

    private static int mask(CompareOp op) {
        switch (op) {
            case EQ: return 0b010;
            case NE: return 0b101;
            case LT: return 0b001;
            case LE: return 0b011;
            case GT: return 0b100;
            case GE: return 0b110;
            default: throw new IllegalArgumentException("unknown operator " + op);
        }
    }
}
