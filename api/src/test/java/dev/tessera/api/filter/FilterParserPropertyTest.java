package dev.tessera.api.filter;

import static org.assertj.core.api.Assertions.assertThat;

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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Printing and parsing agree, and no input makes the parser fail other than with a located syntax error. */
class FilterParserPropertyTest {

    @Property(tries = 1000)
    void printedTreesParseBackToThemselves(@ForAll("conditions") Expr tree) {
        assertThat(FilterParser.parse(tree.toString())).isEqualTo(tree);
    }

    @Property(tries = 3000)
    void tokenSoupEitherRoundTripsOrFailsWithALocatedError(@ForAll("tokenSoup") String source) {
        checkParsesOrFailsCleanly(source);
    }

    @Property(tries = 2000)
    void characterSoupEitherRoundTripsOrFailsWithALocatedError(@ForAll("characterSoup") String source) {
        checkParsesOrFailsCleanly(source);
    }

    private static void checkParsesOrFailsCleanly(String source) {
        Expr tree;
        try {
            tree = FilterParser.parse(source);
        } catch (FilterSyntaxException e) {
            assertThat(e.column()).isBetween(1, source.codePointCount(0, source.length()) + 1);
            assertThat(e.getMessage()).isNotBlank();
            assertThat(e.hint()).isNotNull();
            return;
        }
        assertThat(FilterParser.parse(tree.toString())).as(tree.toString()).isEqualTo(tree);
    }

    @Provide
    Arbitrary<String> tokenSoup() {
        return Arbitraries.of("a", "b.c", "`x y`", "'s'", "\"t\"", "1", "2.5", "1e3", "9223372036854775808",
                        "==", "=", "!=", "<>", "<", "<=", ">", ">=", "and", "OR", "not", "in", "is", "null", "true",
                        "false", "(", ")", ",", "+", "-", "*", "/", "%", "&&", "||", "!", "'", "`", "\\", "#", ".")
                .list().ofMaxSize(12)
                .flatMap(tokens -> Arbitraries.of(" ", "").map(sep -> String.join(sep, tokens)));
    }

    @Provide
    Arbitrary<String> characterSoup() {
        return Arbitraries.strings().withChars("ab x.`'\"\\()=!<>&|+-*/%,019eE\n\u00e9").ofMaxLength(25);
    }

    @Provide
    Arbitrary<Expr> conditions() {
        return condition(3);
    }

    private Arbitrary<Expr> condition(int depth) {
        Arbitrary<Expr> leaf = Arbitraries.oneOf(
                fields(),
                Arbitraries.of(Literal.TRUE, Literal.FALSE),
                Arbitraries.lazy(() -> comparison(0)));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<Expr> smaller = Arbitraries.lazy(() -> condition(depth - 1));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, leaf),
                net.jqwik.api.Tuple.of(2, Combinators.combine(smaller, smaller).as(And::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(smaller, smaller).as(Or::new)),
                net.jqwik.api.Tuple.of(1, smaller.map(Not::new)),
                net.jqwik.api.Tuple.of(3, Arbitraries.lazy(() -> comparison(depth - 1))),
                net.jqwik.api.Tuple.of(1, Combinators.combine(smaller, smaller, Arbitraries.of(CompareOp.EQ, CompareOp.NE))
                        .as((l, r, op) -> new Compare(op, l, r))),
                net.jqwik.api.Tuple.of(1, Combinators.combine(smaller, Arbitraries.of(true, false)).as(IsNull::new)));
    }

    private Arbitrary<Expr> comparison(int depth) {
        Arbitrary<Expr> numbers = number(depth);
        Arbitrary<Expr> strings = Arbitraries.oneOf(fields(), stringLiterals());
        return Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of(CompareOp.class), numbers, numbers).as(Compare::new),
                Combinators.combine(Arbitraries.of(CompareOp.class), strings, strings).as(Compare::new),
                Combinators.combine(numbers, numbers.list().ofMinSize(1).ofMaxSize(4), Arbitraries.of(true, false))
                        .as((x, values, negated) -> new In(x, values, negated)),
                Combinators.combine(strings, stringLiterals().list().ofMinSize(1).ofMaxSize(4), Arbitraries.of(true, false))
                        .as((x, values, negated) -> new In(x, List.copyOf(values), negated)),
                Combinators.combine(numbers, Arbitraries.of(true, false)).as(IsNull::new));
    }

    private Arbitrary<Expr> number(int depth) {
        Arbitrary<Expr> leaf = Arbitraries.oneOf(fields(), numberLiterals());
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<Expr> smaller = Arbitraries.lazy(() -> number(depth - 1));
        return Arbitraries.oneOf(
                leaf,
                Combinators.combine(Arbitraries.of(ArithmeticOp.class), smaller, smaller).as(Arithmetic::new),
                smaller.map(Negate::new));
    }

    private Arbitrary<Expr> fields() {
        return Arbitraries.of("a", "b", "billing.country", "weird-name", "and", "NULL", "a`b", "x y", "_1", "\u00e9t\u00e9")
                .map(Field::new);
    }

    private Arbitrary<Expr> numberLiterals() {
        return Arbitraries.oneOf(
                Arbitraries.longs().map(Literal::new),
                Arbitraries.of(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE).map(Literal::new),
                Arbitraries.doubles().filter(Double::isFinite).map(Literal::new),
                Arbitraries.of(-0.0, 0.5, 1e-300, Double.MIN_VALUE, Double.MAX_VALUE, -1e300).map(Literal::new));
    }

    private Arbitrary<Expr> stringLiterals() {
        return Arbitraries.strings().withChars("aZ '\"\\`\n\t\u00e9\u2603").ofMaxLength(6).map(Literal::new);
    }
}
