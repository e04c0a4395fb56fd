package dev.tessera.api.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every error a person editing a filter is likely to make gets a column, a precise message and a hint. */
class FilterSyntaxErrorTest {

    record Case(String source, int column, String message, String hint) {
        @Override
        public String toString() {
            return source;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("", 1, "empty filter: expected a condition", "status == 'DECLINED'"),
                new Case("status = = 'X'", 10,
                        "unexpected '=' at column 10: expected a value (field name, number, 'string', true, false or null)",
                        "write a single == between the two sides"),
                new Case("amount > (1 +)", 14,
                        "unexpected ')' at column 14: expected a value (field name, number, 'string', true, false or null)",
                        "a value is missing before ')'"),
                new Case("status == 'DECLINED", 11, "unterminated string starting at column 11",
                        "close the string with a matching quote (')"),
                new Case("status == 'DECLINED\"", 11, "unterminated string starting at column 11",
                        "starts with ' but ends with \""),
                new Case("status equals 'X'", 8, "unexpected word 'equals' at column 8: expected an operator",
                        "use == to compare"),
                new Case("amount gte 5", 8, "unexpected word 'gte' at column 8", "use >="),
                new Case("name like 'A%'", 6, "unexpected word 'like' at column 6", "pattern matching is not supported"),
                new Case("(status == 'X'", 15, "unexpected end of filter at column 15: expected ')' to close the '(' at column 1",
                        "add ')'"),
                new Case("status == 'X')", 14, "unexpected ')' at column 14: there is no '(' to close", "remove it"),
                new Case("status ==", 10, "unexpected end of filter at column 10: expected a value",
                        "add a value after '=='"),
                new Case("a == 1 b == 2", 8, "unexpected word 'b' at column 8", "put and / or between conditions"),
                new Case("status 'X'", 8, "unexpected string 'X' at column 8", "status == 'X'"),
                new Case("a == 1 not b", 8, "unexpected 'not' at column 8", "put not in front of the condition"),
                new Case("a # 1", 3, "unexpected character '#' at column 3", "backquotes"),
                new Case("a & b", 3, "unexpected character '&' at column 3", "use and (or &&)"),
                new Case("x == \u2018A\u2019", 6, "unexpected character '\u2018' at column 6", "straight quotes"),
                new Case("\u00e9t\u00e9 == 1", 1, "unexpected character '\u00e9' at column 1", "`\u00e9t\u00e9`"),
                new Case("x > 99999999999999999999", 5, "integer 99999999999999999999 at column 5 is too large",
                        "write it as a decimal"),
                new Case("x > 1e999", 5, "number 1e999 at column 5 is too large", "1.7976931348623157e308"),
                new Case("x > 1.2.3", 5, "malformed number '1.2.3' at column 5", "at most one decimal point"),
                new Case("x > 1.", 5, "malformed number '1.' at column 5: expected a digit after the decimal point",
                        "write 1.0 or 1"),
                new Case("5abc == 1", 1, "malformed number '5abc' at column 1", "`5abc`"),
                new Case("billing. == 'DE'", 9, "after 'billing.' at column 9: expected the rest of the field name",
                        "billing.country"),
                new Case("`weird-name == 1", 1, "unterminated quoted name starting at column 1", "backquote"),
                new Case("`` == 1", 1, "empty quoted name at column 1", "`my-field`"),
                new Case("x == 'a\\qb'", 8, "unknown escape '\\q' in string at column 8", "write \\\\ for a backslash"),
                new Case("x in 'A'", 6, "unexpected string 'A' at column 6: expected '(' after 'in'", "x in ('A', 'B')"),
                new Case("x not in 'A'", 10, "expected '(' after 'in'", "x not in ('A', 'B')"),
                new Case("x in ['A']", 6, "unexpected character '[' at column 6", "in parentheses"),
                new Case("x in ()", 6, "empty list at column 6: expected at least one value", "list the values"),
                new Case("x in ('A' 'B')", 11, "expected ',' or ')' in the list opened at column 6",
                        "separate the values with commas"),
                new Case("x in ('A', 'B'", 15, "unexpected end of filter at column 15: expected ',' or ')'",
                        "close the list with ')'"),
                new Case("x in (true, y > 1)", 15, "unexpected '>' at column 15: expected ',' or ')' in the list opened at column 6",
                        "put a condition in parentheses"),
                new Case("x in ('A',)", 11, "unexpected ')' at column 11: expected a value after ','",
                        "remove the trailing comma"),
                new Case("x is 'A'", 6, "expected null or not null after 'is'", "use == to compare values: x == 'A'"),
                new Case("x is not 5", 10, "expected null after 'is not'", "use != to compare values: x != 5"),
                new Case("x not null", 7, "expected 'in' after 'not'", "write x is not null"),
                new Case("x not 5", 7, "expected 'in' after 'not'", "not (x == ...)"),
                new Case("a < b < c", 7, "unexpected '<' at column 7: comparisons cannot be chained",
                        "a < b and b < c"),
                new Case("a == b is null", 8, "comparisons cannot be chained", "parentheses"),
                new Case("a === b", 3, "'===' at column 3 is not an operator", "use == to compare"),
                new Case("a => 1", 3, "'=>' at column 3 is not an operator", "use >="),
                new Case("a < = 1", 5, "unexpected '=' at column 5", "write <= without a space"),
                new Case("== 'x'", 1, "unexpected '==' at column 1: expected a value", "needs a value on its left"),
                new Case("a and or b", 7, "unexpected 'or' at column 7: expected a value", "a condition is missing before 'or'"),
                new Case("not", 4, "unexpected end of filter at column 4", "add a condition after 'not'"),
                new Case("()", 2, "unexpected ')' at column 2", "the parentheses are empty"),
                new Case("a == not b", 6, "unexpected 'not' at column 6: expected a value", "a == (not b)"),
                new Case("+5 < a", 1, "unexpected '+' at column 1", "no unary +"),
                new Case("lower(status) == 'x'", 6, "unexpected '(' after name 'lower' at column 6: the filter language has no functions",
                        "compare fields directly"),
                new Case("amount + 1", 1, "filter must be a condition, but \"amount + 1\" at column 1 is a number",
                        "amount + 1 > 0"),
                new Case("'DECLINED'", 1, "filter must be a condition, but \"'DECLINED'\" at column 1 is a string",
                        "status == 'DECLINED'"),
                new Case("a > 1 and 5", 11, "'and' needs a condition on each side, but \"5\" at column 11 is a number",
                        "compare it"),
                new Case("not amount * 2", 5, "'not' needs a condition, but \"amount * 2\" at column 5 is a number",
                        "amount * 2 > 0"),
                new Case("status == null", 11, "comparison with null at column 11 is never true", "use status is null"),
                new Case("null <> status", 1, "comparison with null at column 1 is never true", "use status is not null"),
                new Case("x in (1, null)", 10, "null at column 10 never matches in an in list",
                        "x is null or x in (...)"),
                new Case("'5' == 5", 5, "type mismatch at column 5: \"'5'\" is a string but \"5\" is a number",
                        "quote both sides"),
                new Case("x + 1 in ('a')", 11, "type mismatch at column 11: the list value \"'a'\" is a string",
                        "quote both sides"),
                new Case("true < a", 6, "'<' at column 6 cannot order \"true\", which is a boolean", "== or !="),
                new Case("'a' + x > 1", 1, "'+' needs numbers, but \"'a'\" at column 1 is a string", "no string operators"),
                new Case("(a > 1) * 2 > 0", 1, "'*' needs numbers, but \"(a > 1)\" at column 1 is a condition",
                        "numbers, not on conditions"),
                new Case("'\uD83D\uDE00' == x y", 10, "unexpected word 'y' at column 10", "and / or"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("cases")
    void reportsColumnMessageAndHint(Case c) {
        FilterSyntaxException e = catchThrowableOfType(FilterSyntaxException.class, () -> FilterParser.parse(c.source()));
        assertThat(e).as("expected a syntax error for: " + c.source()).isNotNull();
        assertThat(e.column()).as("column of: " + e.getMessage()).isEqualTo(c.column());
        assertThat(e.getMessage()).contains(c.message());
        assertThat(e.hint()).contains(c.hint());
        assertThat(e.source()).isEqualTo(c.source());
        if (!c.source().isEmpty()) {
            assertThat(e.getMessage()).as("the message names the column it reports")
                    .contains("column " + c.column());
        }
    }

    @Test
    void isATesseraException() {
        assertThat(catchThrowableOfType(dev.tessera.api.TesseraException.class, () -> FilterParser.parse(")")))
                .isInstanceOf(FilterSyntaxException.class);
    }

    @Test
    void deepNestingIsAnErrorNotAStackOverflow() {
        String deep = "(".repeat(FilterParser.MAX_NESTING + 1) + "a" + ")".repeat(FilterParser.MAX_NESTING + 1);
        FilterSyntaxException e = catchThrowableOfType(FilterSyntaxException.class, () -> FilterParser.parse(deep));
        assertThat(e.getMessage()).contains("too much nesting at column " + (FilterParser.MAX_NESTING + 1));
        assertThat(e.column()).isEqualTo(FilterParser.MAX_NESTING + 1);

        String nots = "not ".repeat(100_000) + "a";
        assertThat(catchThrowableOfType(FilterSyntaxException.class, () -> FilterParser.parse(nots)).getMessage())
                .contains("too much nesting");

        assertThat(FilterParser.parse("(".repeat(FilterParser.MAX_NESTING) + "a" + ")".repeat(FilterParser.MAX_NESTING)))
                .isEqualTo(new Expr.Field("a"));
    }

    @Test
    void overlongChainsAreAnErrorNotAStackOverflow() {
        String chain = "a or ".repeat(FilterParser.MAX_DEPTH) + "a";
        FilterSyntaxException e = catchThrowableOfType(FilterSyntaxException.class, () -> FilterParser.parse(chain));
        assertThat(e.getMessage()).contains("too complex");
        assertThat(e.hint()).contains("in (...)");
        assertThat(FilterParser.parse("a or ".repeat(FilterParser.MAX_DEPTH - 1) + "a").fieldNames()).containsExactly("a");
    }
}
