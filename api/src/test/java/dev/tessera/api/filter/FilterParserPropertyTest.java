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
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Printing and parsing agree, and no input makes the parser fail other than with a located syntax error. */
class FilterParserPropertyTest {

    @Test
    void printedTreesParseBackToThemselves() {
        for (long seed = 0; seed < 1000; seed++) {
            Expr tree = condition(new Random(seed), 3);
            assertThat(FilterParser.parse(tree.toString())).as("seed %d: %s", seed, tree).isEqualTo(tree);
        }
    }

    @Test
    void tokenSoupEitherRoundTripsOrFailsWithALocatedError() {
        for (long seed = 0; seed < 3000; seed++) {
            checkParsesOrFailsCleanly(tokenSoup(new Random(seed)));
        }
    }

    @Test
    void characterSoupEitherRoundTripsOrFailsWithALocatedError() {
        for (long seed = 0; seed < 2000; seed++) {
            checkParsesOrFailsCleanly(characterSoup(new Random(seed)));
        }
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

    private static final List<String> TOKENS = List.of("a", "b.c", "`x y`", "'s'", "\"t\"", "1", "2.5", "1e3",
            "9223372036854775808", "==", "=", "!=", "<>", "<", "<=", ">", ">=", "and", "OR", "not", "in", "is", "null",
            "true", "false", "(", ")", ",", "+", "-", "*", "/", "%", "&&", "||", "!", "'", "`", "\\", "#", ".");

    private static <T> T pick(Random rnd, List<T> items) {
        return items.get(rnd.nextInt(items.size()));
    }

    private static String chars(Random rnd, String alphabet, int maxLength) {
        int n = rnd.nextInt(maxLength + 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    static String tokenSoup(Random rnd) {
        int n = rnd.nextInt(13);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tokens.add(pick(rnd, TOKENS));
        }
        return String.join(rnd.nextBoolean() ? " " : "", tokens);
    }

    static String characterSoup(Random rnd) {
        return chars(rnd, "ab x.`'\"\\()=!<>&|+-*/%,019eE\n\u00e9", 25);
    }

    private static Expr condition(Random rnd, int depth) {
        if (depth == 0 || rnd.nextInt(11) < 2) {
            return switch (rnd.nextInt(3)) {
                case 0 -> field(rnd);
                case 1 -> rnd.nextBoolean() ? Literal.TRUE : Literal.FALSE;
                default -> comparison(rnd, 0);
            };
        }
        return switch (rnd.nextInt(9)) {
            case 0, 1 -> new And(condition(rnd, depth - 1), condition(rnd, depth - 1));
            case 2, 3 -> new Or(condition(rnd, depth - 1), condition(rnd, depth - 1));
            case 4 -> new Not(condition(rnd, depth - 1));
            case 5, 6 -> comparison(rnd, depth - 1);
            case 7 -> new Compare(rnd.nextBoolean() ? CompareOp.EQ : CompareOp.NE, condition(rnd, depth - 1),
                    condition(rnd, depth - 1));
            default -> new IsNull(condition(rnd, depth - 1), rnd.nextBoolean());
        };
    }

    private static Expr comparison(Random rnd, int depth) {
        CompareOp op = pick(rnd, List.of(CompareOp.values()));
        return switch (rnd.nextInt(5)) {
            case 0 -> new Compare(op, number(rnd, depth), number(rnd, depth));
            case 1 -> new Compare(op, string(rnd), string(rnd));
            case 2 -> new In(number(rnd, depth), list(rnd, () -> number(rnd, depth)), rnd.nextBoolean());
            case 3 -> new In(string(rnd), list(rnd, () -> stringLiteral(rnd)), rnd.nextBoolean());
            default -> new IsNull(number(rnd, depth), rnd.nextBoolean());
        };
    }

    private static List<Expr> list(Random rnd, java.util.function.Supplier<Expr> item) {
        int n = 1 + rnd.nextInt(4);
        List<Expr> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(item.get());
        }
        return List.copyOf(out);
    }

    private static Expr number(Random rnd, int depth) {
        if (depth == 0 || rnd.nextInt(3) == 0) {
            return rnd.nextBoolean() ? field(rnd) : numberLiteral(rnd);
        }
        return rnd.nextBoolean()
                ? new Arithmetic(pick(rnd, List.of(ArithmeticOp.values())), number(rnd, depth - 1), number(rnd, depth - 1))
                : new Negate(number(rnd, depth - 1));
    }

    private static Expr string(Random rnd) {
        return rnd.nextBoolean() ? field(rnd) : stringLiteral(rnd);
    }

    private static Expr field(Random rnd) {
        return new Field(pick(rnd, List.of("a", "b", "billing.country", "weird-name", "and", "NULL", "a`b", "x y", "_1",
                "\u00e9t\u00e9")));
    }

    private static Expr numberLiteral(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> new Literal(rnd.nextLong());
            case 1 -> new Literal(pick(rnd, List.of(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE)));
            case 2 -> {
                double d = Double.longBitsToDouble(rnd.nextLong());
                yield new Literal(Double.isFinite(d) ? d : 1.5);
            }
            default -> new Literal(pick(rnd, List.of(-0.0, 0.5, 1e-300, Double.MIN_VALUE, Double.MAX_VALUE, -1e300)));
        };
    }

    private static Expr stringLiteral(Random rnd) {
        return new Literal(chars(rnd, "aZ '\"\\`\n\t\u00e9\u2603", 6));
    }
}
