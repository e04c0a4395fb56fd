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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

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

    @Property(tries = 2000)
    void compiledFilterAgreesWithNaiveInterpreter(@ForAll("filters") Expr filter, @ForAll("events") List<Map<String, Object>> events) {
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

    @Property(tries = 2000)
    void arithmeticAgreesWithNaiveInterpreter(@ForAll("arithmetic") Expr filter, @ForAll("numericEvents") List<Map<String, Object>> events) {
        compiledFilterAgreesWithNaiveInterpreter(filter, events);
    }

    /**
     * Arithmetic values agree exactly: whatever the naive interpreter computes for a term, the
     * compiled filter {@code term == <that value>} passes (or {@code term is null} for null). Exact
     * comparison makes this sensitive to a Long result computed as a Double above 2^53.
     */
    @Property(tries = 2000)
    void arithmeticValuesAgreeWithNaiveInterpreter(@ForAll("terms") Expr term, @ForAll("numericEvents") List<Map<String, Object>> events) {
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

    @Provide
    Arbitrary<Expr> arithmetic() {
        Arbitrary<Expr> term = terms();
        return Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of(CompareOp.class), term, term).as(Expr.Compare::new),
                Combinators.combine(term, numberLeaves().list().ofMinSize(1).ofMaxSize(3), Arbitraries.of(true, false))
                        .as(Expr.In::new),
                Combinators.combine(term, Arbitraries.of(true, false)).as(Expr.IsNull::new));
    }

    @Provide
    Arbitrary<Expr> terms() {
        Arbitrary<Expr> leaf = numberLeaves();
        Arbitrary<Expr> binary = Combinators.combine(Arbitraries.of(ArithmeticOp.class), leaf, leaf).as(Expr.Arithmetic::new);
        return Arbitraries.frequencyOf(
                Tuple.of(1, leaf),
                Tuple.of(4, binary),
                Tuple.of(1, Arbitraries.oneOf(leaf, binary).map(Expr.Negate::new)),
                Tuple.of(2, Combinators.combine(Arbitraries.of(ArithmeticOp.class), binary, leaf).as(Expr.Arithmetic::new)));
    }

    private Arbitrary<Expr> numberLeaves() {
        return Arbitraries.oneOf(fields(), Arbitraries.of(NUMBERS)
                .filter(v -> !(v instanceof Double d) || Double.isFinite(d)).map(Expr.Literal::new));
    }

    @Provide
    Arbitrary<List<Map<String, Object>>> numericEvents() {
        return events(NUMBERS);
    }

    @Provide
    Arbitrary<List<Map<String, Object>>> events() {
        return events(EVENT_VALUES);
    }

    private static Arbitrary<List<Map<String, Object>>> events(List<Object> pool) {
        Arbitrary<Object> value = Arbitraries.of(pool);
        return value.list().ofSize(FIELDS.size()).map(values -> {
            Map<String, Object> event = new HashMap<>();
            for (int i = 0; i < FIELDS.size(); i++) {
                event.put(FIELDS.get(i), values.get(i));
            }
            return event;
        }).list().ofMinSize(1).ofMaxSize(12);
    }

    @Provide
    Arbitrary<Expr> filters() {
        return condition(4).filter(FilterOraclePropertyTest::isCondition);
    }

    /** The compiler rejects a top that is arithmetic or a number or string literal. */
    private static boolean isCondition(Expr e) {
        return !(e instanceof Expr.Arithmetic || e instanceof Expr.Negate
                || e instanceof Expr.Literal l && (l.value() instanceof Number || l.value() instanceof String));
    }

    private Arbitrary<Expr> condition(int depth) {
        if (depth == 0) {
            return Arbitraries.frequencyOf(
                    Tuple.of(3, comparison(0)),
                    Tuple.of(1, fields()),
                    Tuple.of(1, Arbitraries.of(Expr.Literal.TRUE, Expr.Literal.FALSE, Expr.Literal.NULL)));
        }
        Arbitrary<Expr> sub = Arbitraries.lazy(() -> condition(depth - 1));
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.lazy(() -> comparison(depth - 1))),
                Tuple.of(2, Combinators.combine(sub, sub).as(Expr.And::new)),
                Tuple.of(2, Combinators.combine(sub, sub).as(Expr.Or::new)),
                Tuple.of(1, sub.map(Expr.Not::new)),
                Tuple.of(1, Combinators.combine(Arbitraries.lazy(() -> value(depth - 1)), Arbitraries.of(true, false))
                        .as(Expr.IsNull::new)),
                Tuple.of(1, Arbitraries.lazy(() -> value(depth - 1))));
    }

    private Arbitrary<Expr> comparison(int depth) {
        Arbitrary<Expr> operand = value(depth);
        Arbitrary<List<Expr>> constantList = constants().list().ofMinSize(1).ofMaxSize(5);
        Arbitrary<List<Expr>> mixedList = Arbitraries.oneOf(constants(), fields(), operand).list().ofMinSize(1).ofMaxSize(4);
        return Arbitraries.frequencyOf(
                Tuple.of(5, Combinators.combine(Arbitraries.of(CompareOp.class), operand, operand).as(Expr.Compare::new)),
                Tuple.of(3, Combinators.combine(operand, constantList, Arbitraries.of(true, false)).as(Expr.In::new)),
                Tuple.of(1, Combinators.combine(operand, mixedList, Arbitraries.of(true, false)).as(Expr.In::new)));
    }

    private Arbitrary<Expr> value(int depth) {
        Arbitrary<Expr> leaf = Arbitraries.frequencyOf(Tuple.of(3, fields()), Tuple.of(2, constants()));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<Expr> sub = Arbitraries.lazy(() -> value(depth - 1));
        return Arbitraries.frequencyOf(
                Tuple.of(5, leaf),
                Tuple.of(3, Combinators.combine(Arbitraries.of(ArithmeticOp.class), sub, sub).as(Expr.Arithmetic::new)),
                Tuple.of(1, sub.map(Expr.Negate::new)),
                Tuple.of(1, Arbitraries.lazy(() -> condition(depth - 1))));
    }

    private Arbitrary<Expr> fields() {
        return Arbitraries.of(FIELDS).map(Expr.Field::new);
    }

    private Arbitrary<Expr> constants() {
        return Arbitraries.of(CONSTANTS).map(Expr.Literal::new);
    }

    private static List<Object> concat(List<Object> a, List<Object> b) {
        List<Object> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
