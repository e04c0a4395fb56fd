package dev.tessera.api.filter;

import dev.tessera.api.filter.Parsed.Type;
import dev.tessera.api.filter.Token.Kind;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Parses the text of a {@code where} filter into an {@link Expr}.
 *
 * <h2>Grammar</h2>
 *
 * Recursive descent, one method per precedence level, lowest first:
 *
 * <pre>
 * filter     := or EOF                       -- and must be a condition
 * or         := and ( ('or' | '||') and )*
 * and        := not ( ('and' | '&amp;&amp;') not )*
 * not        := ('not' | '!') not | predicate
 * predicate  := additive [ cmp additive                 -- == = != &lt;&gt; &lt; &lt;= &gt; &gt;=
 *                        | ['not'] 'in' '(' additive (',' additive)* ')'
 *                        | 'is' ['not'] 'null' ]      -- at most one: a &lt; b &lt; c is an error
 * additive   := multiplicative ( ('+' | '-') multiplicative )*
 * multiplicative := unary ( ('*' | '/' | '%') unary )*
 * unary      := '-' unary | primary               -- '-' before a number is folded into it
 * primary    := number | string | 'true' | 'false' | 'null' | name | '(' or ')'
 * </pre>
 *
 * Binary operators of one level associate to the left. Keywords are case-insensitive.
 *
 * <h2>Errors</h2>
 *
 * The text comes from a person editing YAML, so the first problem in reading order is reported
 * as a {@link FilterSyntaxException} naming what was found at which column, what was expected
 * there, and a hint that knows the usual slips ({@code = =}, {@code equals}, {@code x == null},
 * unclosed quotes and parentheses, functions, lists in brackets). Besides grammar, the parser
 * rejects what is certain never to be true or meaningful, whatever the event: see {@link
 * FilterTypeRules}.
 *
 * <p>Depth is bounded ({@value #MAX_NESTING} nested parentheses or prefix operators, {@value
 * #MAX_DEPTH} tree levels) so that no filter text can overflow the stack of the parser or of the
 * tree walkers downstream.
 */
public final class FilterParser {
    static final int MAX_NESTING = 100;
    static final int MAX_DEPTH = 1000;

    private static final String EXPECTED_VALUE = "a value (field name, number, 'string', true, false or null)";
    private static final String EXPECTED_OPERATOR =
            "an operator (such as ==, <, in, is null, +), and, or, or the end of the filter";
    private static final String NO_PATTERNS =
            "pattern matching is not supported; compare whole values with == or list them with in (...)";
    private static final String NO_CONDITIONALS =
            "conditional expressions are not supported; combine conditions with and / or";

    /** Words people write where an operator belongs, and what to write instead. */
    private static final Map<String, String> WORD_HINTS = Map.ofEntries(
            Map.entry("equals", "use == to compare"),
            Map.entry("equal", "use == to compare"),
            Map.entry("eq", "use == to compare"),
            Map.entry("ne", "use != to test that values differ"),
            Map.entry("neq", "use != to test that values differ"),
            Map.entry("gt", "use > for 'greater than'"),
            Map.entry("ge", "use >= for 'greater than or equal'"),
            Map.entry("gte", "use >= for 'greater than or equal'"),
            Map.entry("lt", "use < for 'less than'"),
            Map.entry("le", "use <= for 'less than or equal'"),
            Map.entry("lte", "use <= for 'less than or equal'"),
            Map.entry("like", NO_PATTERNS),
            Map.entry("ilike", NO_PATTERNS),
            Map.entry("matches", NO_PATTERNS),
            Map.entry("contains", NO_PATTERNS),
            Map.entry("startswith", NO_PATTERNS),
            Map.entry("endswith", NO_PATTERNS),
            Map.entry("regexp", NO_PATTERNS),
            Map.entry("between", "write x >= low and x <= high"),
            Map.entry("xor", "write (a or b) and not (a and b)"),
            Map.entry("mod", "use % for the remainder"),
            Map.entry("div", "use / to divide"),
            Map.entry("then", NO_CONDITIONALS),
            Map.entry("else", NO_CONDITIONALS),
            Map.entry("when", NO_CONDITIONALS));

    private final String source;
    private final FilterLexer lexer;
    private final FilterTypeRules types;
    private final Function<String, FieldKind> fieldKinds;
    private Token current;
    private Token previous;
    private int nesting;

    private FilterParser(String source, Function<String, FieldKind> fieldKinds) {
        this.source = source;
        this.lexer = new FilterLexer(source);
        this.types = new FilterTypeRules(source);
        this.fieldKinds = fieldKinds;
        this.current = lexer.next();
    }

    /**
     * Parses a filter.
     *
     * @throws FilterSyntaxException if the text is not a well-formed filter, or is one that can
     *     never be true or is not a condition (e.g. {@code x == null}, {@code amount + 1})
     */
    public static Expr parse(String source) {
        return parse(source, name -> FieldKind.ANY);
    }

    /**
     * Parses a filter over fields whose kinds are known (from the source's schema), so that the
     * type rules also catch comparisons of a field with a value of another kind ({@code status == 5}
     * for a string {@code status}) and arithmetic on non-numbers.
     *
     * @param fieldKinds the kind of each field the filter may name; {@link FieldKind#ANY} when unknown
     * @throws FilterSyntaxException as {@link #parse(String)} does, and for those mismatches
     */
    public static Expr parse(String source, Function<String, FieldKind> fieldKinds) {
        Objects.requireNonNull(source, "filter source");
        Objects.requireNonNull(fieldKinds, "field kinds");
        return new FilterParser(source, fieldKinds).filter();
    }

    private static Type typeOf(FieldKind kind) {
        switch (kind == null ? FieldKind.ANY : kind) {
            case NUMBER: return Type.NUMBER;
            case STRING: return Type.STRING;
            case BOOLEAN: return Type.CONDITION;
            default: return Type.ANY;
        }
    }

    private Expr filter() {
        if (current.is(Kind.EOF)) {
            throw error(0, "empty filter: expected a condition",
                    "write a condition such as status == 'DECLINED', or remove the where: line");
        }
        Parsed p = or();
        if (!current.is(Kind.EOF)) {
            throw unexpectedAfterOperand();
        }
        types.requireCondition(p, "filter must be a condition");
        return p.expr();
    }

    private Parsed or() {
        Parsed left = and();
        while (current.is(Kind.OR)) {
            Token op = advance();
            String context = "'" + op.text() + "' needs a condition on each side";
            types.requireCondition(left, context);
            Parsed right = and();
            types.requireCondition(right, context);
            left = combine(new Expr.Or(left.expr(), right.expr()), Type.CONDITION, left.start(), right.end(), left, right);
        }
        return left;
    }

    private Parsed and() {
        Parsed left = not();
        while (current.is(Kind.AND)) {
            Token op = advance();
            String context = "'" + op.text() + "' needs a condition on each side";
            types.requireCondition(left, context);
            Parsed right = not();
            types.requireCondition(right, context);
            left = combine(new Expr.And(left.expr(), right.expr()), Type.CONDITION, left.start(), right.end(), left, right);
        }
        return left;
    }

    private Parsed not() {
        if (!current.is(Kind.NOT)) {
            return predicate();
        }
        Token op = advance();
        enter(op);
        Parsed operand = not();
        nesting--;
        types.requireCondition(operand, "'" + op.text() + "' needs a condition");
        return combine(new Expr.Not(operand.expr()), Type.CONDITION, op.start(), operand.end(), operand);
    }

    private Parsed predicate() {
        Parsed left = additive();
        Token op = current;
        Parsed result;
        if (op.kind().comparison()) {
            advance();
            Parsed right = additive();
            CompareOp cmp = compareOp(op.kind());
            types.checkComparison(op, cmp, left, right);
            result = combine(new Expr.Compare(cmp, left.expr(), right.expr()), Type.CONDITION,
                    left.start(), right.end(), left, right);
        } else if (op.is(Kind.IN)) {
            advance();
            result = inList(left, false);
        } else if (op.is(Kind.NOT)) {
            advance();
            if (!current.is(Kind.IN)) {
                String x = types.text(left);
                String hint = current.is(Kind.NULL) ? "write " + x + " is not null"
                        : "write " + x + " not in (...) to test a list, or put not in front of a whole condition:"
                        + " not (" + x + " == ...)";
                throw unexpected(current, "'in' after 'not'", hint);
            }
            advance();
            result = inList(left, true);
        } else if (op.is(Kind.IS)) {
            advance();
            result = isNull(left);
        } else {
            return left;
        }
        if (current.kind().comparison() || current.is(Kind.IN) || current.is(Kind.IS)) {
            throw error(current.start(), "unexpected " + current.describe() + " at column " + col(current.start())
                    + ": comparisons cannot be chained",
                    "combine them with and (a < b and b < c), or put one in parentheses");
        }
        return result;
    }

    private Parsed isNull(Parsed left) {
        boolean negated = false;
        if (current.is(Kind.NOT)) {
            advance();
            negated = true;
        }
        if (!current.is(Kind.NULL)) {
            String example = current.is(Kind.EOF) ? "" : ": " + types.text(left) + (negated ? " != " : " == ") + current.text();
            String hint = negated
                    ? "'is not' only tests for null; use != to compare values" + example
                    : "'is' only tests for null; use == to compare values" + example;
            throw unexpected(current, negated ? "null after 'is not'" : "null or not null after 'is'", hint);
        }
        Token nullToken = advance();
        return combine(new Expr.IsNull(left.expr(), negated), Type.CONDITION, left.start(), nullToken.end(), left);
    }

    private Parsed inList(Parsed operand, boolean negated) {
        String spelled = types.text(operand) + (negated ? " not in " : " in ");
        if (!current.is(Kind.LPAREN)) {
            throw unexpected(current, "'(' after 'in'", "write the values in parentheses: " + spelled + "('A', 'B')");
        }
        Token open = advance();
        if (current.is(Kind.RPAREN)) {
            throw error(open.start(), "empty list at column " + col(open.start()) + ": expected at least one value",
                    "list the values to match, e.g. " + spelled + "('A', 'B')");
        }
        List<Expr> values = new ArrayList<>();
        List<Parsed> parts = new ArrayList<>();
        parts.add(operand);
        while (true) {
            Parsed value = additive();
            types.checkListValue(operand, value);
            values.add(value.expr());
            parts.add(value);
            if (current.is(Kind.COMMA)) {
                advance();
                if (current.is(Kind.RPAREN)) {
                    throw unexpected(current, "a value after ','", "remove the trailing comma");
                }
            } else if (current.is(Kind.RPAREN)) {
                Token close = advance();
                return combine(new Expr.In(operand.expr(), values, negated), Type.CONDITION,
                        operand.start(), close.end(), parts.toArray(new Parsed[0]));
            } else {
                String hint = current.is(Kind.EOF) ? "close the list with ')'"
                        : startsValue(current) ? "separate the values with commas"
                        : current.kind().comparison() || current.is(Kind.IN) || current.is(Kind.IS)
                        ? "a list holds values; put a condition in parentheses, e.g. x in (true, (y > 1))"
                        : "a list holds values separated by commas, e.g. ('A', 'B')";
                throw unexpected(current, "',' or ')' in the list opened at column " + col(open.start()), hint);
            }
        }
    }

    private Parsed additive() {
        Parsed left = multiplicative();
        while (current.is(Kind.PLUS) || current.is(Kind.MINUS)) {
            Token op = advance();
            types.requireNumber(left, op);
            Parsed right = multiplicative();
            types.requireNumber(right, op);
            ArithmeticOp aop = op.is(Kind.PLUS) ? ArithmeticOp.ADD : ArithmeticOp.SUBTRACT;
            left = combine(new Expr.Arithmetic(aop, left.expr(), right.expr()), Type.NUMBER,
                    left.start(), right.end(), left, right);
        }
        return left;
    }

    private Parsed multiplicative() {
        Parsed left = unary();
        while (current.is(Kind.STAR) || current.is(Kind.SLASH) || current.is(Kind.PERCENT)) {
            Token op = advance();
            types.requireNumber(left, op);
            Parsed right = unary();
            types.requireNumber(right, op);
            ArithmeticOp aop = op.is(Kind.STAR) ? ArithmeticOp.MULTIPLY
                    : op.is(Kind.SLASH) ? ArithmeticOp.DIVIDE : ArithmeticOp.REMAINDER;
            left = combine(new Expr.Arithmetic(aop, left.expr(), right.expr()), Type.NUMBER,
                    left.start(), right.end(), left, right);
        }
        return left;
    }

    private Parsed unary() {
        if (!current.is(Kind.MINUS)) {
            return primary();
        }
        Token minus = advance();
        if (current.is(Kind.NUMBER)) {
            Token number = advance();
            return new Parsed(new Expr.Literal(numberValue(number, true)), Type.NUMBER, minus.start(), number.end(), 1);
        }
        enter(minus);
        Parsed operand = unary();
        nesting--;
        types.requireNumber(operand, minus);
        return combine(new Expr.Negate(operand.expr()), Type.NUMBER, minus.start(), operand.end(), operand);
    }

    private Parsed primary() {
        Token t = current;
        switch (t.kind()) {
            case NUMBER:
                advance();
                return leaf(new Expr.Literal(numberValue(t, false)), Type.NUMBER, t);
            case STRING:
                advance();
                return leaf(new Expr.Literal(t.value()), Type.STRING, t);
            case TRUE:
                advance();
                return leaf(Expr.Literal.TRUE, Type.CONDITION, t);
            case FALSE:
                advance();
                return leaf(Expr.Literal.FALSE, Type.CONDITION, t);
            case NULL:
                advance();
                return leaf(Expr.Literal.NULL, Type.NULL, t);
            case NAME:
                advance();
                if (current.is(Kind.LPAREN)) {
                    throw error(current.start(), "unexpected '(' after " + t.describe() + " at column "
                            + col(current.start()) + ": the filter language has no functions",
                            "compare fields directly, e.g. status == 'DECLINED'");
                }
                return leaf(new Expr.Field((String) t.value()), typeOf(fieldKinds.apply((String) t.value())), t);
            case LPAREN:
                Token open = advance();
                enter(open);
                Parsed inner = or();
                nesting--;
                if (!current.is(Kind.RPAREN)) {
                    String hint = current.is(Kind.EOF) ? "add ')' to close it" : hintAfterOperand(current);
                    throw unexpected(current, "')' to close the '(' at column " + col(open.start()), hint);
                }
                Token close = advance();
                return inner.spanning(open.start(), close.end());
            default:
                throw unexpected(t, EXPECTED_VALUE, hintForMissingValue(t));
        }
    }

    private Object numberValue(Token number, boolean negative) {
        Object value = number.value();
        if (value instanceof Long l) {
            return negative ? -l : l;
        }
        if (value instanceof Double d) {
            return negative ? -d : d;
        }
        if (negative && new BigInteger(number.text()).equals(BigInteger.ONE.shiftLeft(63))) {
            return Long.MIN_VALUE;
        }
        throw error(number.start(), "integer " + number.text() + " at column " + col(number.start())
                + " is too large: integers go up to 9223372036854775807",
                "write it as a decimal for an approximate value, e.g. " + number.text() + ".0");
    }

    private FilterSyntaxException unexpectedAfterOperand() {
        Token t = current;
        if (t.is(Kind.RPAREN)) {
            return error(t.start(), "unexpected ')' at column " + col(t.start()) + ": there is no '(' to close",
                    "remove it, or add the matching '(' earlier");
        }
        String found = t.is(Kind.NAME) && !t.text().startsWith("`") ? "word '" + t.text() + "'" : t.describe();
        return error(t.start(), "unexpected " + found + " at column " + col(t.start()) + ": expected " + EXPECTED_OPERATOR,
                hintAfterOperand(t));
    }

    /** A hint for token {@code t} found where an operator, and/or, ')' or the end was expected. */
    private String hintAfterOperand(Token t) {
        switch (t.kind()) {
            case NAME:
                String known = WORD_HINTS.get(t.text().toLowerCase(Locale.ROOT));
                return known != null ? known
                        : "put and / or between conditions, and an operator such as == between values";
            case STRING: case NUMBER: case TRUE: case FALSE: case NULL:
                return "put an operator between " + previous.text() + " and " + t.text()
                        + ", e.g. " + previous.text() + " == " + t.text();
            case NOT:
                return "put not in front of the condition it negates, e.g. not (x == 1); to test a list write x not in (...)";
            case COMMA:
                return "commas only separate the values of an in list, e.g. x in ('A', 'B')";
            case LPAREN:
                return "put an operator, and or or before '('";
            default:
                return "";
        }
    }

    /** A hint for token {@code t} found where a value was expected. */
    private String hintForMissingValue(Token t) {
        Kind before = previous == null ? null : previous.kind();
        if (t.is(Kind.EOF)) {
            return before == Kind.AND || before == Kind.OR || before == Kind.NOT
                    ? "the filter ends too early: add a condition after '" + previous.text() + "'"
                    : "the filter ends too early: add a value after '" + previous.text() + "'";
        }
        boolean atStart = before == null || before == Kind.LPAREN || before == Kind.AND || before == Kind.OR
                || before == Kind.NOT || before == Kind.COMMA;
        if (t.kind().comparison() && before != null && before.comparison()) {
            if ((before == Kind.LT || before == Kind.GT) && t.is(Kind.EQ) && previous.text().length() == 1) {
                return "write " + previous.text() + "= without a space";
            }
            return "there are two comparison operators in a row; write a single == between the two sides";
        }
        if (atStart && (t.kind().comparison() || t.is(Kind.IN) || t.is(Kind.IS))) {
            String rest = t.is(Kind.IN) ? "in ('A', 'B')" : t.is(Kind.IS) ? "is null" : t.text() + " 'DECLINED'";
            return "'" + t.text() + "' needs a value on its left, e.g. status " + rest;
        }
        switch (t.kind()) {
            case RPAREN:
                return before == Kind.LPAREN ? "the parentheses are empty; put a condition inside them"
                        : "a value is missing before ')'";
            case AND: case OR:
                return "a condition is missing before '" + t.text() + "'";
            case NOT:
                return "put not in front of a whole condition, e.g. not (a == b), or use parentheses: a == (not b)";
            case PLUS:
                return "there is no unary +; write the number without it";
            default:
                return "a value is missing before '" + t.text() + "'";
        }
    }

    private static boolean startsValue(Token t) {
        switch (t.kind()) {
            case NAME: case STRING: case NUMBER: case TRUE: case FALSE: case NULL: case LPAREN: case MINUS:
                return true;
            default:
                return false;
        }
    }

    private static CompareOp compareOp(Kind kind) {
        switch (kind) {
            case EQ: return CompareOp.EQ;
            case NE: return CompareOp.NE;
            case LT: return CompareOp.LT;
            case LE: return CompareOp.LE;
            case GT: return CompareOp.GT;
            case GE: return CompareOp.GE;
            default: throw new IllegalStateException("not a comparison: " + kind);
        }
    }

    private Token advance() {
        previous = current;
        current = lexer.next();
        return previous;
    }

    private void enter(Token opener) {
        if (++nesting > MAX_NESTING) {
            throw error(opener.start(), "too much nesting at column " + col(opener.start()) + ": more than "
                    + MAX_NESTING + " parentheses, not or minus signs inside each other",
                    "simplify the filter");
        }
    }

    private Parsed leaf(Expr expr, Type type, Token t) {
        return new Parsed(expr, type, t.start(), t.end(), 1);
    }

    private Parsed combine(Expr expr, Type type, int start, int end, Parsed... children) {
        int depth = 0;
        for (Parsed child : children) {
            depth = Math.max(depth, child.depth());
        }
        if (depth + 1 > MAX_DEPTH) {
            throw error(start, "the filter is too complex at column " + col(start) + ": its expression is more than "
                    + MAX_DEPTH + " operations deep", "split it into simpler filters, or use in (...) for long lists of alternatives");
        }
        return new Parsed(expr, type, start, end, depth + 1);
    }

    private FilterSyntaxException unexpected(Token found, String expected, String hint) {
        return error(found.start(), "unexpected " + found.describe() + " at column " + col(found.start())
                + ": expected " + expected, hint);
    }

    private int col(int index) {
        return FilterSyntaxException.columnOf(source, index);
    }

    private FilterSyntaxException error(int index, String message, String hint) {
        return new FilterSyntaxException(source, index, message, hint);
    }
}
