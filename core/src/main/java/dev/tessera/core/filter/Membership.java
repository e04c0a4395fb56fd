package dev.tessera.core.filter;

import static dev.tessera.core.filter.Truth.FALSE;
import static dev.tessera.core.filter.Truth.TRUE;
import static dev.tessera.core.filter.Truth.UNKNOWN;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compiled {@code x in (...)}: exactly {@code x == v1 or x == v2 or ...} under three-valued logic,
 * as in SQL. So a match is TRUE; no match is FALSE only if every comparison was FALSE, and UNKNOWN
 * if x is null or NaN, or any entry is null, NaN, or of another kind than x (for a string x, a
 * number entry is a type mismatch, hence UNKNOWN). {@code not in} is the negation of that.
 *
 * <p>When every entry is a constant, the list is compiled into a {@link ConstantSet}: strings in a
 * HashSet, numbers in sorted primitive arrays searched without boxing, and the per-kind answer for
 * "no match" precomputed, so a lookup costs one hash probe or binary search and allocates nothing.
 */
final class Membership {
    private Membership() {
    }

    static ConditionNode constants(ValueNode operand, List<Object> constants, boolean negated) {
        ConstantSet set = new ConstantSet(constants);
        return negated
                ? e -> Truth.not(set.truthOf(operand.value(e)))
                : e -> set.truthOf(operand.value(e));
    }

    static ConditionNode values(ValueNode operand, List<ValueNode> entries, boolean negated) {
        ValueNode[] list = entries.toArray(new ValueNode[0]);
        return e -> {
            Object x = operand.value(e);
            int result = FALSE;
            for (int i = 0; i < list.length && result != TRUE; i++) {
                int sign = CanonicalOrder.compare(x, list[i].value(e), false);
                result = Math.max(result, sign == CanonicalOrder.INCOMPARABLE ? UNKNOWN : sign == 0 ? TRUE : FALSE);
            }
            return negated ? Truth.not(result) : result;
        };
    }

    /** An immutable set of constant list entries answering "is x one of them" in three-valued logic. */
    static final class ConstantSet {
        private final Set<String> strings = new HashSet<>();
        /** Every whole number in long range, including whole Doubles such as 5.0 and -0.0. */
        private final long[] longs;
        /** Every other number except NaN: fractions, huge values, infinities. */
        private final double[] doubles;
        private final boolean hasTrue;
        private final boolean hasFalse;
        private final int stringMiss;
        private final int numberMiss;
        private final int booleanMiss;

        ConstantSet(List<Object> constants) {
            TreeSet<Long> wholes = new TreeSet<>();
            TreeSet<Double> others = new TreeSet<>();
            boolean unknown = false;
            boolean anyString = false;
            boolean anyNumber = false;
            boolean anyTrue = false;
            boolean anyFalse = false;
            for (Object c : constants) {
                if (c instanceof String s) {
                    strings.add(s);
                    anyString = true;
                } else if (c instanceof Long l) {
                    wholes.add(l);
                    anyNumber = true;
                } else if (c instanceof Double d && !d.isNaN()) {
                    if (CanonicalOrder.isLongValued(d)) {
                        wholes.add((long) (double) d);
                    } else {
                        others.add(d);
                    }
                    anyNumber = true;
                } else if (c instanceof Boolean b) {
                    anyTrue |= b;
                    anyFalse |= !b;
                } else {
                    unknown = true; // null or NaN: never equal to anything
                }
            }
            boolean anyBoolean = anyTrue || anyFalse;
            this.longs = wholes.stream().mapToLong(Long::longValue).toArray();
            this.doubles = others.stream().mapToDouble(Double::doubleValue).toArray();
            this.hasTrue = anyTrue;
            this.hasFalse = anyFalse;
            this.stringMiss = unknown || anyNumber || anyBoolean ? UNKNOWN : FALSE;
            this.numberMiss = unknown || anyString || anyBoolean ? UNKNOWN : FALSE;
            this.booleanMiss = unknown || anyString || anyNumber ? UNKNOWN : FALSE;
        }

        int truthOf(Object x) {
            if (x instanceof String s) {
                return strings.contains(s) ? TRUE : stringMiss;
            }
            if (x instanceof Long l) {
                return Arrays.binarySearch(longs, l) >= 0 ? TRUE : numberMiss;
            }
            if (x instanceof Double boxed) {
                double d = boxed;
                if (Double.isNaN(d)) {
                    return UNKNOWN;
                }
                boolean found = CanonicalOrder.isLongValued(d)
                        ? Arrays.binarySearch(longs, (long) d) >= 0
                        : Arrays.binarySearch(doubles, d) >= 0;
                return found ? TRUE : numberMiss;
            }
            if (x instanceof Boolean b) {
                return (b ? hasTrue : hasFalse) ? TRUE : booleanMiss;
            }
            return UNKNOWN; // null, or not a canonical value
        }
    }
}
