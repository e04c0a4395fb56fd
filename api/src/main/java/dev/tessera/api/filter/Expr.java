package dev.tessera.api.filter;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The syntax tree of a {@code where} filter, as produced by {@link FilterParser#parse(String)}.
 *
 * <p>Nodes are immutable records compared by value, so two spellings of the same filter
 * ({@code a = 1 AND b <> 2} and {@code a == 1 && b != 2}) give equal trees. The tree says nothing
 * about evaluation; {@code dev.tessera.core.filter.FilterCompiler} gives it meaning. {@link
 * #toString()} prints the filter back in canonical form, parenthesizing every nested operation, and
 * parsing that text gives an equal tree.
 */
public sealed interface Expr {

    /** Field names the expression reads, in order of first use (left to right in the source). */
    default Set<String> fieldNames() {
        Set<String> names = new LinkedHashSet<>();
        collectFieldNames(this, names);
        return Collections.unmodifiableSet(names);
    }

    private static void collectFieldNames(Expr expr, Set<String> into) {
        if (expr instanceof Field f) {
            into.add(f.name());
        } else if (expr instanceof Not n) {
            collectFieldNames(n.operand(), into);
        } else if (expr instanceof Negate n) {
            collectFieldNames(n.operand(), into);
        } else if (expr instanceof IsNull n) {
            collectFieldNames(n.operand(), into);
        } else if (expr instanceof And a) {
            collectFieldNames(a.left(), into);
            collectFieldNames(a.right(), into);
        } else if (expr instanceof Or o) {
            collectFieldNames(o.left(), into);
            collectFieldNames(o.right(), into);
        } else if (expr instanceof Compare c) {
            collectFieldNames(c.left(), into);
            collectFieldNames(c.right(), into);
        } else if (expr instanceof Arithmetic a) {
            collectFieldNames(a.left(), into);
            collectFieldNames(a.right(), into);
        } else if (expr instanceof In in) {
            collectFieldNames(in.operand(), into);
            for (Expr value : in.values()) {
                collectFieldNames(value, into);
            }
        }
    }

    /**
     * A constant: {@code null}, {@link Boolean}, {@link Long}, a finite {@link Double} or {@link
     * String} (the canonical event value types).
     */
    record Literal(Object value) implements Expr {
        public static final Literal NULL = new Literal(null);
        public static final Literal TRUE = new Literal(Boolean.TRUE);
        public static final Literal FALSE = new Literal(Boolean.FALSE);

        public Literal {
            boolean canonical = value == null
                    || value instanceof Boolean
                    || value instanceof Long
                    || value instanceof String
                    || value instanceof Double d && Double.isFinite(d);
            if (!canonical) {
                throw new IllegalArgumentException("a filter literal must be null, Boolean, Long, finite Double"
                        + " or String, not " + value.getClass().getSimpleName() + " " + value);
            }
        }

        @Override
        public String toString() {
            return ExprPrinter.print(this);
        }
    }

    /** The value of one event field; a dotted name ({@code billing.country}) is one field name. */
    record Field(String name) implements Expr {
        public Field {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("a field name must not be empty");
            }
        }

        @Override
        public String toString() {
            return ExprPrinter.print(this);
        }
    }

    /** {@code not operand}. */
    record Not(Expr operand) implements Expr {
        public Not {
            Objects.requireNonNull(operand, "operand");
        }

        @Override
        public String toString() {
            return ExprPrinter.print(this);
        }
    }

    /** {@code left and right}. */
    record And(Expr left, Expr right) implements Expr {
        public And {
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(right, "right");
        }

        @Override
        public String toString() {
            return ExprPrinter.print(this);
        }
    }

    /** {@code left or right}. */
    record Or(Expr left, Expr right) implements Expr {
        public Or {
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(right, "right");
        }

        @Override
        public String toString() {
            return ExprPrinter.print(this);
        }
    }

    /** {@code left op right}, e.g. {@code status == 'DECLINED'}. */
    record Compare(CompareOp op, Expr left, Expr right) implements Expr {
        public Compare {
            Objects.requireNonNull(op, "op");
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(right, "right");
        }

        @Override
        public String toString() {
            return ExprPrinter.print(this);
        }
    }

    /** {@code operand in (values...)}, or {@code operand not in (values...)} when {@code negated}. */
    record In(Expr operand, List<Expr> values, boolean negated) implements Expr {
        public In {
            Objects.requireNonNull(operand, "operand");
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("an in list needs at least one value");
            }
        }

        @Override
        public String toString() {
            return ExprPrinter.print(this);
        }
    }

    /** {@code operand is null}, or {@code operand is not null} when {@code negated}. */
    record IsNull(Expr operand, boolean negated) implements Expr {
        public IsNull {
            Objects.requireNonNull(operand, "operand");
        }

        @Override
        public String toString() {
            return ExprPrinter.print(this);
        }
    }

    /** {@code left op right}, e.g. {@code amount * 100}. */
    record Arithmetic(ArithmeticOp op, Expr left, Expr right) implements Expr {
        public Arithmetic {
            Objects.requireNonNull(op, "op");
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(right, "right");
        }

        @Override
        public String toString() {
            return ExprPrinter.print(this);
        }
    }

    /** Unary minus. The parser folds a minus sign written before a number into the {@link Literal}. */
    record Negate(Expr operand) implements Expr {
        public Negate {
            Objects.requireNonNull(operand, "operand");
        }

        @Override
        public String toString() {
            return ExprPrinter.print(this);
        }
    }
}
