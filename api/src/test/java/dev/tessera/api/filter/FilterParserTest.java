package dev.tessera.api.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.filter.Expr.And;
import dev.tessera.api.filter.Expr.Arithmetic;
import dev.tessera.api.filter.Expr.Compare;
import dev.tessera.api.filter.Expr.Field;
import dev.tessera.api.filter.Expr.In;
import dev.tessera.api.filter.Expr.IsNull;
import dev.tessera.api.filter.Expr.Literal;
import dev.tessera.api.filter.Expr.Negate;
import dev.tessera.api.filter.Expr.Not;
import dev.tessera.api.filter.Expr.Or;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FilterParserTest {

    private static Expr parse(String source) {
        return FilterParser.parse(source);
    }

    /** The value the parser reads for {@code text} used as the right side of {@code x == text}. */
    private static Object valueOf(String text) {
        return ((Literal) ((Compare) parse("x == " + text)).right()).value();
    }

    private static Field f(String name) {
        return new Field(name);
    }

    private static Literal lit(Object value) {
        return new Literal(value);
    }

    private static Compare eq(Expr left, Expr right) {
        return new Compare(CompareOp.EQ, left, right);
    }

    @Nested
    class Literals {
        @Test
        void stringsInEitherQuoteWithEscapes() {
            assertThat(valueOf("'DECLINED'")).isEqualTo("DECLINED");
            assertThat(valueOf("\"DECLINED\"")).isEqualTo("DECLINED");
            assertThat(valueOf("''")).isEqualTo("");
            assertThat(valueOf("'it\\'s'")).isEqualTo("it's");
            assertThat(valueOf("\"say \\\"hi\\\"\"")).isEqualTo("say \"hi\"");
            assertThat(valueOf("'a\\\\b'")).isEqualTo("a\\b");
            assertThat(valueOf("'line\\nnext\\tcell'")).isEqualTo("line\nnext\tcell");
            assertThat(valueOf("\"it's\"")).isEqualTo("it's");
            assertThat(valueOf("'caf\u00e9 \u2603'")).isEqualTo("caf\u00e9 \u2603");
        }

        @Test
        void integersAreLongs() {
            assertThat(valueOf("0")).isEqualTo(0L);
            assertThat(valueOf("42")).isEqualTo(42L);
            assertThat(valueOf("007")).isEqualTo(7L);
            assertThat(valueOf("-42")).isEqualTo(-42L);
            assertThat(valueOf("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
            assertThat(valueOf("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
        }

        @Test
        void decimalsAndExponentsAreDoubles() {
            assertThat(valueOf("2.5")).isEqualTo(2.5);
            assertThat(valueOf("5.0")).isEqualTo(5.0);
            assertThat(valueOf("1e3")).isEqualTo(1000.0);
            assertThat(valueOf("1E+3")).isEqualTo(1000.0);
            assertThat(valueOf("2.5e-3")).isEqualTo(0.0025);
            assertThat(valueOf("-0.5")).isEqualTo(-0.5);
            assertThat(valueOf("-0.0")).isEqualTo(-0.0);
        }

        @Test
        void keywordLiteralsInAnyCase() {
            assertThat(parse("true")).isEqualTo(Literal.TRUE);
            assertThat(parse("FALSE")).isEqualTo(Literal.FALSE);
            assertThat(parse("x is NuLL")).isEqualTo(new IsNull(f("x"), false));
            assertThat(valueOf("True")).isEqualTo(true);
        }
    }

    @Nested
    class Fields {
        @Test
        void identifiers() {
            assertThat(parse("is_test")).isEqualTo(f("is_test"));
            assertThat(parse("_x9 == 1")).isEqualTo(eq(f("_x9"), lit(1L)));
        }

        @Test
        void dottedNameIsOneField() {
            assertThat(parse("billing.country == 'DE'")).isEqualTo(eq(f("billing.country"), lit("DE")));
            assertThat(parse("a.b.c")).isEqualTo(f("a.b.c"));
            assertThat(parse("a.and")).as("keywords are names inside a dotted name").isEqualTo(f("a.and"));
        }

        @Test
        void backquotedNamesForAnythingElse() {
            assertThat(parse("`weird-name` == 1")).isEqualTo(eq(f("weird-name"), lit(1L)));
            assertThat(parse("`and`")).isEqualTo(f("and"));
            assertThat(parse("`with space` == `été`")).isEqualTo(eq(f("with space"), f("été")));
        }

        @Test
        void backquotedNamesTakeEscapes() {
            assertThat(parse("`a\\`b`")).isEqualTo(f("a`b"));
        }
    }

    @Nested
    class Operators {
        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "a == 1 | EQ", "a = 1 | EQ", "a != 1 | NE", "a <> 1 | NE",
            "a < 1 | LT", "a <= 1 | LE", "a > 1 | GT", "a >= 1 | GE"})
        void comparisons(String source, CompareOp op) {
            assertThat(parse(source)).isEqualTo(new Compare(op, f("a"), lit(1L)));
        }

        @ParameterizedTest
        @ValueSource(strings = {"a and b", "a AND b", "a And b", "a && b", "a&&b"})
        void andSpellings(String source) {
            assertThat(parse(source)).isEqualTo(new And(f("a"), f("b")));
        }

        @ParameterizedTest
        @ValueSource(strings = {"a or b", "a OR b", "a || b", "a||b"})
        void orSpellings(String source) {
            assertThat(parse(source)).isEqualTo(new Or(f("a"), f("b")));
        }

        @ParameterizedTest
        @ValueSource(strings = {"not a", "NOT a", "!a", "! a"})
        void notSpellings(String source) {
            assertThat(parse(source)).isEqualTo(new Not(f("a")));
        }

        @Test
        void inAndNotIn() {
            assertThat(parse("x in ('A', 'B', 3)"))
                    .isEqualTo(new In(f("x"), List.of(lit("A"), lit("B"), lit(3L)), false));
            assertThat(parse("x NOT IN (1)")).isEqualTo(new In(f("x"), List.of(lit(1L)), true));
            assertThat(parse("x in (y, z + 1, -2)")).isEqualTo(new In(f("x"),
                    List.of(f("y"), new Arithmetic(ArithmeticOp.ADD, f("z"), lit(1L)), lit(-2L)), false));
        }

        @Test
        void isNullAndIsNotNull() {
            assertThat(parse("x is null")).isEqualTo(new IsNull(f("x"), false));
            assertThat(parse("x IS NOT NULL")).isEqualTo(new IsNull(f("x"), true));
            assertThat(parse("a + 1 is null")).isEqualTo(
                    new IsNull(new Arithmetic(ArithmeticOp.ADD, f("a"), lit(1L)), false));
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            "a + b > 0 | ADD", "a - b > 0 | SUBTRACT", "a * b > 0 | MULTIPLY",
            "a / b > 0 | DIVIDE", "a % b > 0 | REMAINDER"})
        void arithmetic(String source, ArithmeticOp op) {
            assertThat(parse(source)).isEqualTo(
                    new Compare(CompareOp.GT, new Arithmetic(op, f("a"), f("b")), lit(0L)));
        }

        @Test
        void unaryMinus() {
            assertThat(parse("-a < 0")).isEqualTo(new Compare(CompareOp.LT, new Negate(f("a")), lit(0L)));
            assertThat(parse("-(a + 1) < 0")).isEqualTo(new Compare(CompareOp.LT,
                    new Negate(new Arithmetic(ArithmeticOp.ADD, f("a"), lit(1L))), lit(0L)));
            assertThat(parse("--a < 0")).isEqualTo(new Compare(CompareOp.LT, new Negate(new Negate(f("a"))), lit(0L)));
            assertThat(parse("- 5 < a")).as("a minus sign before a number is part of it")
                    .isEqualTo(new Compare(CompareOp.LT, lit(-5L), f("a")));
            assertThat(parse("-(5) < a")).isEqualTo(new Compare(CompareOp.LT, new Negate(lit(5L)), f("a")));
            assertThat(parse("a-5 > 0")).as("binary minus, not a negative literal").isEqualTo(new Compare(CompareOp.GT,
                    new Arithmetic(ArithmeticOp.SUBTRACT, f("a"), lit(5L)), lit(0L)));
        }

        @Test
        void parenthesesGroup() {
            assertThat(parse("((a))")).isEqualTo(f("a"));
            assertThat(parse("(a or b) and c")).isEqualTo(new And(new Or(f("a"), f("b")), f("c")));
        }
    }

    @Nested
    class Precedence {
        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
            // or < and < not < comparison/in/is < + - < * / % < unary minus
            "a or b and c                  | a or (b and c)",
            "a and b or c                  | (a and b) or c",
            "not a and b                   | (not a) and b",
            "not a or not b                | (not a) or (not b)",
            "not not a                     | not (not a)",
            "not a == 1                    | not (a == 1)",
            "not x in (1)                  | not (x in (1))",
            "not x is null                 | not (x is null)",
            "a == 1 and b == 2             | (a == 1) and (b == 2)",
            "a + 1 == b * 2                | (a + 1) == (b * 2)",
            "a + b * c > 0                 | (a + (b * c)) > 0",
            "a * b + c > 0                 | ((a * b) + c) > 0",
            "a - b - c > 0                 | ((a - b) - c) > 0",
            "a / b / c > 0                 | ((a / b) / c) > 0",
            "a % b * c > 0                 | ((a % b) * c) > 0",
            "-a * b > 0                    | (-a * b) > 0",
            "-a - -b > 0                   | (-a - -b) > 0",
            "a or b or c                   | (a or b) or c",
            "a and b and c                 | (a and b) and c",
            "x + 1 in (2, 3) and y         | ((x + 1) in (2, 3)) and y",
            "a or b and not c == d         | a or (b and (not (c == d)))",
            "(a or b) and c                | (a or b) and c"})
        void bindsAsSpecified(String source, String canonical) {
            assertThat(parse(source)).hasToString(canonical.strip());
            assertThat(parse(source)).isEqualTo(parse(canonical));
        }
    }

    @Nested
    class Printing {
        @Test
        void canonicalSpellingWithNestedOperationsParenthesized() {
            assertThat(parse("status = \"DECLINED\" AND amount >= 100.5 || NOT x IN (1, -2)"))
                    .hasToString("((status == 'DECLINED') and (amount >= 100.5)) or (not (x in (1, -2)))");
            assertThat(parse("`weird-name` is not null and `null` <> `a\\`b`"))
                    .hasToString("(`weird-name` is not null) and (`null` != `a\\`b`)");
        }

        @Test
        void canonicalTextParsesBackToTheSameTree() {
            for (String source : List.of("status = 'DECLINED' AND amount >= 100.5",
                    "x not in ('it\\'s', -3, 2.5e10)",
                    "`a b` is not null or `true` or billing.country <> \"DE\"",
                    "-(-5) < -a % 2", "!(a || b) && c", "x == 'tab\\there\\nnewline\\\\'")) {
                Expr tree = parse(source);
                assertThat(parse(tree.toString())).as(tree.toString()).isEqualTo(tree);
            }
        }
    }

    @Test
    void fieldNamesInOrderOfFirstUse() {
        Expr e = parse("b == 1 and (a in (c, b) or `z z` is null) and a > c + d.e");
        assertThat(e.fieldNames()).containsExactly("b", "a", "c", "z z", "d.e");
        assertThat(parse("true").fieldNames()).isEmpty();
        assertThatThrownBy(() -> e.fieldNames().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void treesAreValues() {
        assertThat(parse("a = 1 AND b <> 2")).isEqualTo(parse("a == 1 && b != 2"));
        assertThat(parse("a = 1 AND b <> 2").hashCode()).isEqualTo(parse("a == 1 && b != 2").hashCode());
    }

    @Test
    void literalsHoldOnlyCanonicalValues() {
        assertThatThrownBy(() -> new Literal(5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Integer");
        assertThatThrownBy(() -> new Literal(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Field("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new In(f("x"), List.of(), false)).isInstanceOf(IllegalArgumentException.class);
    }
}
