package dev.tessera.core.filter;

import static dev.tessera.core.filter.Truth.FALSE;
import static dev.tessera.core.filter.Truth.TRUE;
import static dev.tessera.core.filter.Truth.UNKNOWN;

import dev.tessera.api.filter.ArithmeticOp;
import dev.tessera.api.filter.CompareOp;
import dev.tessera.api.filter.Expr;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Compiles a parsed {@code where} filter into an {@link EventPredicate}, once per feature.
 *
 * <h2>Semantics</h2>
 *
 * <ul>
 *   <li><b>Values</b> are the canonical event types: null, Boolean, Long, Double, String. A value
 *       of any other type (an adapter bug; see {@link Event}) is treated like a type mismatch.
 *   <li><b>Three-valued logic</b>, as in SQL. A comparison is TRUE, FALSE or UNKNOWN; {@code and}
 *       and {@code or} are Kleene's ({@code false and unknown = false}, {@code true or unknown =
 *       true}, otherwise unknown wins over the remaining operand); {@code not unknown = unknown}.
 *       An event passes only when the whole filter is TRUE. {@code is null} and {@code is not
 *       null} are never UNKNOWN, and NaN is not null.
 *   <li><b>Comparisons</b> involving null, or NaN, are UNKNOWN. Numbers compare by exact value
 *       across Long and Double ({@code 5 == 5.0}; {@code -0.0 == 0}; a Long is never rounded to a
 *       double to compare). Strings compare with {@link String#compareTo}; equality is exact and
 *       case-sensitive. Booleans can be equal or not but have no order. A string against a
 *       number, a boolean against anything but a boolean, or ordering booleans is a type mismatch:
 *       UNKNOWN, never an exception. See {@link CanonicalOrder}.
 *   <li><b>{@code x in (a, b, ...)}</b> is exactly {@code x == a or x == b or ...}, so a mixed list
 *       such as {@code ('A', 3)} never answers FALSE for a string, and {@code x not in (...)} is
 *       {@code not (x in (...))}: with a mixed list it passes no string. See {@link Membership}.
 *   <li><b>Arithmetic</b>: exact Long arithmetic, falling back to double on overflow; a Long
 *       division that is not exact is a Double ({@code 7 / 2 = 3.5}); division or remainder by
 *       zero is null; null or a non-number operand gives null; {@code %} has the dividend's sign.
 *       See {@link NumericArithmetic}.
 *   <li><b>Conditions as values and values as conditions.</b> A field used as a condition
 *       ({@code where: "is_test"}) is TRUE when its value is Boolean.TRUE, FALSE when it is
 *       Boolean.FALSE, and UNKNOWN otherwise (null, or not a boolean). A condition used as a value
 *       ({@code (a > 1) == b}) is Boolean.TRUE, Boolean.FALSE, or null for UNKNOWN.
 *   <li>A filter whose top is not a condition ({@code amount + 1}, {@code 'x'}, {@code 5}) is
 *       rejected. The parser reports that (and a few other never-true shapes) with a column; the
 *       check here covers trees built by hand.
 * </ul>
 *
 * <h2>Compilation</h2>
 *
 * Closure compilation: each AST node becomes a small lambda over its compiled children, with
 * field names resolved to {@link FieldLayout} slots here, once. Subtrees that read no field are
 * evaluated at compile time into constants. The shapes filters are made of are specialized so
 * that evaluating them allocates nothing: a field compared with a constant (per constant type, see
 * {@link Comparisons}), a field in a list of constants (hash set and sorted primitive arrays, see
 * {@link Membership}), a field is (not) null, a boolean field, and and/or/not over those, with
 * and/or short-circuiting. Truth values are ints ({@link Truth}). Only arithmetic boxes its
 * intermediate results.
 */
public final class FilterCompiler {
    /** The predicate for a feature without a filter: every event passes. */
    public static final EventPredicate ALWAYS = new CompiledFilter(e -> TRUE, "true");

    private static final EventPredicate NEVER = new CompiledFilter(e -> FALSE, "false");
    private static final Event NO_FIELDS = new ArrayEvent(new Object[0]);

    private final FieldLayout layout;

    private FilterCompiler(FieldLayout layout) {
        this.layout = layout;
    }

    /**
     * Compiles {@code filter} for events seen through {@code layout}.
     *
     * @throws IllegalArgumentException if the filter reads a field that is not in the layout (the
     *     layout must be built from {@link Expr#fieldNames()}), or its top is not a condition
     */
    public static EventPredicate compile(Expr filter, FieldLayout layout) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(layout, "layout");
        requireCondition(filter);
        for (String name : filter.fieldNames()) {
            if (layout.slot(name) < 0) {
                throw new IllegalArgumentException("filter \"" + filter + "\" reads field '" + name
                        + "', which is not in " + layout);
            }
        }
        ConditionNode root = new FilterCompiler(layout).condition(filter);
        if (filter.fieldNames().isEmpty()) {
            return root.truth(NO_FIELDS) == TRUE ? ALWAYS : NEVER;
        }
        return new CompiledFilter(root, filter.toString());
    }

    private static void requireCondition(Expr filter) {
        String kind = null;
        if (filter instanceof Expr.Arithmetic || filter instanceof Expr.Negate) {
            kind = "a number";
        } else if (filter instanceof Expr.Literal l && (l.value() instanceof Long || l.value() instanceof Double)) {
            kind = "a number";
        } else if (filter instanceof Expr.Literal l && l.value() instanceof String) {
            kind = "a string";
        }
        if (kind != null) {
            throw new IllegalArgumentException("filter must be a condition, but \"" + filter + "\" is " + kind);
        }
    }

    private ConditionNode condition(Expr expr) {
        ConditionNode node = buildCondition(expr);
        if (isConstant(expr)) {
            int t = node.truth(NO_FIELDS);
            return e -> t;
        }
        return node;
    }

    private ValueNode value(Expr expr) {
        ValueNode node = buildValue(expr);
        if (isConstant(expr)) {
            Object v = node.value(NO_FIELDS);
            return e -> v;
        }
        return node;
    }

    private ConditionNode buildCondition(Expr expr) {
        if (expr instanceof Expr.And a) {
            ConditionNode left = condition(a.left());
            ConditionNode right = condition(a.right());
            return e -> {
                int l = left.truth(e);
                return l == FALSE ? FALSE : Math.min(l, right.truth(e));
            };
        }
        if (expr instanceof Expr.Or o) {
            ConditionNode left = condition(o.left());
            ConditionNode right = condition(o.right());
            return e -> {
                int l = left.truth(e);
                return l == TRUE ? TRUE : Math.max(l, right.truth(e));
            };
        }
        if (expr instanceof Expr.Not n) {
            ConditionNode operand = condition(n.operand());
            return e -> Truth.not(operand.truth(e));
        }
        if (expr instanceof Expr.Compare c) {
            return compare(c);
        }
        if (expr instanceof Expr.In in) {
            return in(in);
        }
        if (expr instanceof Expr.IsNull n) {
            int whenNull = n.negated() ? FALSE : TRUE;
            int whenPresent = TRUE - whenNull;
            if (n.operand() instanceof Expr.Field f) {
                int slot = slot(f);
                return e -> e.get(slot) == null ? whenNull : whenPresent;
            }
            ValueNode operand = value(n.operand());
            return e -> operand.value(e) == null ? whenNull : whenPresent;
        }
        if (expr instanceof Expr.Field f) {
            int slot = slot(f);
            return e -> e.get(slot) instanceof Boolean b ? Truth.of(b) : UNKNOWN;
        }
        if (expr instanceof Expr.Literal l) {
            int t = Truth.ofValue(l.value());
            return e -> t;
        }
        ValueNode v = value(expr); // arithmetic used as a condition: never a Boolean, so UNKNOWN
        return e -> Truth.ofValue(v.value(e));
    }

    private ConditionNode compare(Expr.Compare c) {
        Expr left = c.left();
        Expr right = c.right();
        CompareOp op = c.op();
        if (right instanceof Expr.Field && isConstant(left)) {
            Expr swap = left;
            left = right;
            right = swap;
            op = op.swapped();
        }
        if (left instanceof Expr.Field f && isConstant(right)) {
            return Comparisons.fieldVersusConstant(slot(f), op, value(right).value(NO_FIELDS));
        }
        return Comparisons.values(op, value(left), value(right));
    }

    private ConditionNode in(Expr.In in) {
        ValueNode operand = value(in.operand());
        boolean allConstant = in.values().stream().allMatch(FilterCompiler::isConstant);
        if (allConstant) {
            List<Object> constants = new ArrayList<>();
            for (Expr v : in.values()) {
                constants.add(value(v).value(NO_FIELDS));
            }
            return Membership.constants(operand, constants, in.negated());
        }
        List<ValueNode> entries = new ArrayList<>();
        for (Expr v : in.values()) {
            entries.add(value(v));
        }
        return Membership.values(operand, entries, in.negated());
    }

    private ValueNode buildValue(Expr expr) {
        if (expr instanceof Expr.Literal l) {
            Object v = l.value();
            return e -> v;
        }
        if (expr instanceof Expr.Field f) {
            int slot = slot(f);
            return e -> e.get(slot);
        }
        if (expr instanceof Expr.Negate n) {
            ValueNode operand = value(n.operand());
            return e -> NumericArithmetic.negate(operand.value(e));
        }
        if (expr instanceof Expr.Arithmetic a) {
            return arithmetic(a.op(), value(a.left()), value(a.right()));
        }
        ConditionNode c = condition(expr); // a condition used as a value
        return e -> Truth.toValue(c.truth(e));
    }

    private static ValueNode arithmetic(ArithmeticOp op, ValueNode left, ValueNode right) {
        switch (op) {
            case ADD: return e -> NumericArithmetic.add(left.value(e), right.value(e));
            case SUBTRACT: return e -> NumericArithmetic.subtract(left.value(e), right.value(e));
            case MULTIPLY: return e -> NumericArithmetic.multiply(left.value(e), right.value(e));
            case DIVIDE: return e -> NumericArithmetic.divide(left.value(e), right.value(e));
            case REMAINDER: return e -> NumericArithmetic.remainder(left.value(e), right.value(e));
            default: throw new IllegalArgumentException("unknown operator " + op);
        }
    }

    private int slot(Expr.Field f) {
        return layout.requireSlot(f.name());
    }

    private static boolean isConstant(Expr expr) {
        return expr.fieldNames().isEmpty();
    }

    /** The root of a compiled filter; prints as the filter it came from. */
    private static final class CompiledFilter implements EventPredicate {
        private final ConditionNode root;
        private final String text;

        CompiledFilter(ConditionNode root, String text) {
            this.root = root;
            this.text = text;
        }

        @Override
        public boolean test(Event event) {
            return root.truth(event) == TRUE;
        }

        @Override
        public String toString() {
            return "where " + text;
        }
    }
}
