package dev.tessera.api.filter;

import dev.tessera.api.filter.Parsed.Type;

/**
 * The checks the parser makes on the kinds of values, so that filters which are well-formed but
 * can never mean what their author intended fail at validation time instead of silently matching
 * nothing. Only what is certain without an event is rejected: field values may be of any kind, so
 * {@code status == 5} passes here and is simply UNKNOWN for string statuses at run time.
 *
 * <ul>
 *   <li>The filter, and each side of and/or/not, must be able to be a condition (not a number or
 *       string literal, not arithmetic).
 *   <li>Arithmetic operands must be able to be numbers (not strings, not conditions).
 *   <li>Comparing with the null literal ({@code x == null}) is never true; {@code is null} is meant.
 *   <li>{@code <, <=, >, >=} cannot order conditions or booleans.
 *   <li>Two sides of a comparison, or an {@code in} value and its list entries, whose kinds are
 *       both known must agree.
 * </ul>
 */
final class FilterTypeRules {
    private final String source;

    FilterTypeRules(String source) {
        this.source = source;
    }

    void requireCondition(Parsed p, String context) {
        if (p.type() != Type.NUMBER && p.type() != Type.STRING) {
            return;
        }
        String text = text(p);
        String hint = p.type() == Type.NUMBER
                ? "compare it with something, e.g. " + text + " > 0"
                : "a string is a value, not a condition; compare a field with it, e.g. status == " + text;
        throw error(p.start(), context + ", but \"" + text + "\" at column " + col(p.start()) + " is "
                + describe(p), hint);
    }

    void requireNumber(Parsed p, Token op) {
        if (p.type() != Type.CONDITION && p.type() != Type.STRING) {
            return;
        }
        String hint = p.type() == Type.STRING
                ? "there are no string operators; compare strings with ==, != or in (...)"
                : "arithmetic works on numbers, not on conditions or true/false";
        throw error(p.start(), "'" + op.text() + "' needs numbers, but \"" + text(p) + "\" at column "
                + col(p.start()) + " is " + describe(p), hint);
    }

    void checkComparison(Token op, CompareOp cmp, Parsed left, Parsed right) {
        if (left.type() == Type.NULL || right.type() == Type.NULL) {
            Parsed nullSide = left.type() == Type.NULL ? left : right;
            String other = text(nullSide == left ? right : left);
            String hint = cmp == CompareOp.EQ ? "use " + other + " is null"
                    : cmp == CompareOp.NE ? "use " + other + " is not null"
                    : "null has no order; test for it with " + other + " is null";
            throw error(nullSide.start(), "comparison with null at column " + col(nullSide.start())
                    + " is never true: any comparison with null is unknown", hint);
        }
        if (cmp.ordering() && (left.type() == Type.CONDITION || right.type() == Type.CONDITION)) {
            Parsed bad = left.type() == Type.CONDITION ? left : right;
            throw error(op.start(), "'" + op.text() + "' at column " + col(op.start()) + " cannot order \""
                    + text(bad) + "\", which is " + describe(bad),
                    "true/false values can only be compared with == or !=");
        }
        if (left.type().known() && right.type().known() && left.type() != right.type()) {
            throw error(op.start(), "type mismatch at column " + col(op.start()) + ": \"" + text(left) + "\" is "
                    + describe(left) + " but \"" + text(right) + "\" is " + describe(right)
                    + ", so '" + op.text() + "' is never true", mismatchHint(left, right));
        }
    }

    void checkListValue(Parsed operand, Parsed value) {
        if (operand.type() == Type.NULL) {
            throw error(operand.start(), "null at column " + col(operand.start()) + " is never in a list: any"
                    + " comparison with null is unknown", "to test a value for null, use is null");
        }
        if (value.type() == Type.NULL) {
            String x = text(operand);
            throw error(value.start(), "null at column " + col(value.start()) + " never matches in an in list:"
                    + " any comparison with null is unknown",
                    "test for null separately: " + x + " is null or " + x + " in (...)");
        }
        if (operand.type().known() && value.type().known() && operand.type() != value.type()) {
            throw error(value.start(), "type mismatch at column " + col(value.start()) + ": the list value \""
                    + text(value) + "\" is " + describe(value) + " but \"" + text(operand) + "\" is "
                    + describe(operand) + ", so it never matches", mismatchHint(operand, value));
        }
    }

    private String mismatchHint(Parsed a, Parsed b) {
        Parsed field = a.expr() instanceof Expr.Field ? a : b.expr() instanceof Expr.Field ? b : null;
        if (field != null && (field == a ? b : a).expr() instanceof Expr.Literal) {
            String holds = field.type() == Type.STRING ? "strings" : field.type() == Type.NUMBER ? "numbers" : "true/false";
            return "field " + text(field) + " holds " + holds + " in the source's schema; compare it"
                    + " with " + (field.type() == Type.STRING ? "a quoted string, e.g. " + text(field) + " == 'X'"
                    : field.type() == Type.NUMBER ? "a number, e.g. " + text(field) + " > 100"
                    : "true or false, e.g. " + text(field) + " == true");
        }
        boolean stringAndNumber = a.type() == Type.STRING && b.type() == Type.NUMBER
                || a.type() == Type.NUMBER && b.type() == Type.STRING;
        return stringAndNumber
                ? "quote both sides to compare strings, or neither to compare numbers"
                : "compare values of the same kind";
    }

    private static String describe(Parsed p) {
        if (p.expr() instanceof Expr.Field && p.type().known()) {
            return "a field of type " + (p.type() == Type.CONDITION ? "boolean" : p.type() == Type.NUMBER ? "number"
                    : "string");
        }
        switch (p.type()) {
            case CONDITION: return p.expr() instanceof Expr.Literal ? "a boolean" : "a condition";
            case NUMBER: return "a number";
            case STRING: return "a string";
            case NULL: return "null";
            default: return "a field";
        }
    }

    /** The source text of {@code p}, shortened for a message. */
    String text(Parsed p) {
        String t = source.substring(p.start(), p.end()).strip();
        return t.length() <= 40 ? t : t.substring(0, 37) + "...";
    }

    private int col(int index) {
        return FilterSyntaxException.columnOf(source, index);
    }

    private FilterSyntaxException error(int index, String message, String hint) {
        return new FilterSyntaxException(source, index, message, hint);
    }
}
