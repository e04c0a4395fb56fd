package dev.tessera.core.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.filter.ArithmeticOp;
import dev.tessera.api.filter.CompareOp;
import dev.tessera.api.filter.Expr;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.FieldLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The compiled predicate agrees with {@link NaiveFilterInterpreter} on random filters over random
 * events. Filters are built as trees, not parsed, so they include shapes the parser would refuse
 * (arithmetic on strings, ordering booleans, null in lists, conditions used as numbers) whose run-
 * time meaning is still defined. Values are drawn from small pools so that equalities, Long/Double
 * near-misses around 2^53 and 2^63, overflow, NaN, infinities, signed zeros and nulls all occur.
 */
class FilterOraclePropertyTest {
    private static final List<String> FIELDS = List.of("a", "b", "c", "billing.country");

    private static final List<Object> CONSTANTS = java.util.Arrays.asList(
            null, true, false, 0L, 1L, -1L, 2L, 3L, 7L, -7L, Long.MAX_VALUE, Long.MIN_VALUE, 9007199254740993L,
            9007199254740992L,
            0.0, -0.0, 0.5, 2.0, 3.0, 3.5, -2.5, 1e308, -1e308, 9007199254740992.0, 0x1p63, -0x1p63,
            "A", "B", "a", "", "3");

    private static final List<Object> EVENT_VALUES = concat(CONSTANTS, java.util.Arrays.asList(
            Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 9.223372036854775E18, 1.0e-300));

    static final int TRIES = 2000;

    @Test
    void compiledFilterAgreesWithNaiveInterpreter() {
        for (long seed = 0; seed < TRIES; seed++) {
            Random rnd = new Random(seed);
            agree(filter(rnd), events(rnd, EVENT_VALUES));
        }
    }

    private static void agree(Expr filter, List<Map<String, Object>> events) {
        FieldLayout layout = FieldLayout.of(FIELDS);
        EventPredicate predicate = FilterCompiler.compile(filter, layout);
        EventPredicate negated = FilterCompiler.compile(new Expr.Not(filter), layout);
        for (Map<String, Object> event : events) {
            ArrayEvent compiledEvent = ArrayEvent.fromMap(layout, event);
            Boolean expected = NaiveFilterInterpreter.truth(filter, event);
            assertThat(predicate.test(compiledEvent)).as("%s on %s (expected %s)", filter, event, expected)
                    .isEqualTo(Boolean.TRUE.equals(expected));
            assertThat(negated.test(compiledEvent)).as("not (%s) on %s (expected %s)", filter, event, expected)
                    .isEqualTo(Boolean.FALSE.equals(expected));
        }
    }

    /** Values where exact Long arithmetic, its double fallback and exact comparison give different answers. */
    private static final List<Object> NUMBERS = java.util.Arrays.asList(
            null, "3", 0L, 1L, -1L, 2L, 7L, Long.MAX_VALUE, Long.MIN_VALUE, 9007199254740993L, 9007199254740992L,
            9007199254740992.0, 0x1p63, 0.5, -0.0, Double.NaN);

    @Test
    void arithmeticAgreesWithNaiveInterpreter() {
        for (long seed = 0; seed < TRIES; seed++) {
            Random rnd = new Random(1_000_000 + seed);
            agree(arithmetic(rnd), events(rnd, NUMBERS));
        }
    }

    /**
     * Arithmetic values agree exactly: whatever the naive interpreter computes for a term, the
     * compiled filter {@code term == <that value>} passes (or {@code term is null} for null). Exact
     * comparison makes this sensitive to a Long result computed as a Double above 2^53.
     */
    @Test
    void arithmeticValuesAgreeWithNaiveInterpreter() {
        for (long seed = 0; seed < TRIES; seed++) {
            Random rnd = new Random(2_000_000 + seed);
            valuesAgree(term(rnd), events(rnd, NUMBERS));
        }
    }

    private static void valuesAgree(Expr term, List<Map<String, Object>> events) {
        FieldLayout layout = FieldLayout.of(FIELDS);
        for (Map<String, Object> event : events) {
            Object expected = NaiveFilterInterpreter.eval(term, event);
            Expr check;
            if (expected == null) {
                check = new Expr.IsNull(term, false);
            } else if (expected instanceof Double d && Double.isNaN(d)) {
                check = new Expr.And(new Expr.IsNull(term, true),
                        new Expr.Not(new Expr.Compare(CompareOp.GE, term, new Expr.Literal(Double.MAX_VALUE))));
            } else if (expected instanceof Double d && Double.isInfinite(d)) {
                check = new Expr.Compare(d > 0 ? CompareOp.GT : CompareOp.LT, term, new Expr.Literal(d > 0 ? Double.MAX_VALUE : -Double.MAX_VALUE));
            } else {
                check = new Expr.Compare(CompareOp.EQ, term, new Expr.Literal(expected));
            }
            boolean passes = FilterCompiler.compile(check, layout).test(ArrayEvent.fromMap(layout, event));
            if (expected instanceof Double d && Double.isNaN(d)) {
                assertThat(passes).as("%s on %s should be NaN", term, event).isFalse();
                assertThat(FilterCompiler.compile(new Expr.IsNull(term, true), layout).test(ArrayEvent.fromMap(layout, event)))
                        .as("%s on %s should be NaN, which is not null", term, event).isTrue();
            } else {
                assertThat(passes).as("%s on %s should be %s", term, event, expected).isTrue();
            }
        }
    }

    // ---- generators: plain functions of a seeded Random (see docs/adr/001) ----

    private static <T> T pick(Random rnd, List<T> items) {
        return items.get(rnd.nextInt(items.size()));
    }

    /** Index chosen with the given relative weights. */
    private static int weighted(Random rnd, int... weights) {
        int total = java.util.Arrays.stream(weights).sum();
        int r = rnd.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        throw new IllegalStateException();
    }

    private static <T> List<T> listOf(Random rnd, int min, int max, java.util.function.Supplier<T> item) {
        int n = min + rnd.nextInt(max - min + 1);
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(item.get());
        }
        return out;
    }

    static Expr arithmetic(Random rnd) {
        return switch (rnd.nextInt(3)) {
            case 0 -> new Expr.Compare(pick(rnd, List.of(CompareOp.values())), term(rnd), term(rnd));
            case 1 -> new Expr.In(term(rnd), listOf(rnd, 1, 3, () -> numberLeaf(rnd)), rnd.nextBoolean());
            default -> new Expr.IsNull(term(rnd), rnd.nextBoolean());
        };
    }

    static Expr term(Random rnd) {
        return switch (weighted(rnd, 1, 4, 1, 2)) {
            case 0 -> numberLeaf(rnd);
            case 1 -> binary(rnd);
            case 2 -> new Expr.Negate(rnd.nextBoolean() ? numberLeaf(rnd) : binary(rnd));
            default -> new Expr.Arithmetic(pick(rnd, List.of(ArithmeticOp.values())), binary(rnd), numberLeaf(rnd));
        };
    }

    private static Expr binary(Random rnd) {
        return new Expr.Arithmetic(pick(rnd, List.of(ArithmeticOp.values())), numberLeaf(rnd), numberLeaf(rnd));
    }

    private static Expr numberLeaf(Random rnd) {
        if (rnd.nextBoolean()) {
            return field(rnd);
        }
        Object v;
        do {
            v = pick(rnd, NUMBERS);
        } while (v instanceof Double d && !Double.isFinite(d));
        return new Expr.Literal(v);
    }

    static List<Map<String, Object>> events(Random rnd, List<Object> pool) {
        return listOf(rnd, 1, 12, () -> {
            Map<String, Object> event = new HashMap<>();
            for (String f : FIELDS) {
                event.put(f, pick(rnd, pool));
            }
            return event;
        });
    }

    static Expr filter(Random rnd) {
        Expr e;
        do {
            e = condition(rnd, 4);
        } while (!isCondition(e));
        return e;
    }

    /** The compiler rejects a top that is arithmetic or a number or string literal. */
    private static boolean isCondition(Expr e) {
        return !(e instanceof Expr.Arithmetic || e instanceof Expr.Negate
                || e instanceof Expr.Literal l && (l.value() instanceof Number || l.value() instanceof String));
    }

    private static Expr condition(Random rnd, int depth) {
        if (depth == 0) {
            return switch (weighted(rnd, 3, 1, 1)) {
                case 0 -> comparison(rnd, 0);
                case 1 -> field(rnd);
                default -> pick(rnd, List.of(Expr.Literal.TRUE, Expr.Literal.FALSE, Expr.Literal.NULL));
            };
        }
        return switch (weighted(rnd, 4, 2, 2, 1, 1, 1)) {
            case 0 -> comparison(rnd, depth - 1);
            case 1 -> new Expr.And(condition(rnd, depth - 1), condition(rnd, depth - 1));
            case 2 -> new Expr.Or(condition(rnd, depth - 1), condition(rnd, depth - 1));
            case 3 -> new Expr.Not(condition(rnd, depth - 1));
            case 4 -> new Expr.IsNull(value(rnd, depth - 1), rnd.nextBoolean());
            default -> value(rnd, depth - 1);
        };
    }

    private static Expr comparison(Random rnd, int depth) {
        return switch (weighted(rnd, 5, 3, 1)) {
            case 0 -> new Expr.Compare(pick(rnd, List.of(CompareOp.values())), value(rnd, depth), value(rnd, depth));
            case 1 -> new Expr.In(value(rnd, depth), listOf(rnd, 1, 5, () -> constant(rnd)), rnd.nextBoolean());
            default -> new Expr.In(value(rnd, depth), listOf(rnd, 1, 4, () -> switch (rnd.nextInt(3)) {
                case 0 -> constant(rnd);
                case 1 -> field(rnd);
                default -> value(rnd, depth);
            }), rnd.nextBoolean());
        };
    }

    private static Expr value(Random rnd, int depth) {
        if (depth == 0) {
            return weighted(rnd, 3, 2) == 0 ? field(rnd) : constant(rnd);
        }
        return switch (weighted(rnd, 5, 3, 1, 1)) {
            case 0 -> weighted(rnd, 3, 2) == 0 ? field(rnd) : constant(rnd);
            case 1 -> new Expr.Arithmetic(pick(rnd, List.of(ArithmeticOp.values())), value(rnd, depth - 1), value(rnd, depth - 1));
            case 2 -> new Expr.Negate(value(rnd, depth - 1));
            default -> condition(rnd, depth - 1);
        };
    }

    private static Expr field(Random rnd) {
        return new Expr.Field(pick(rnd, FIELDS));
    }

    private static Expr constant(Random rnd) {
        return new Expr.Literal(pick(rnd, CONSTANTS));
    }

    private static List<Object> concat(List<Object> a, List<Object> b) {
        List<Object> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
