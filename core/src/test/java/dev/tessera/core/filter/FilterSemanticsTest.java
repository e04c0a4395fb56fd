package dev.tessera.core.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.filter.Expr;
import dev.tessera.api.filter.FilterParser;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.FieldLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One test per semantic rule of {@link FilterCompiler}. {@link #truth} recovers the three-valued
 * result from the two-valued predicate by also compiling {@code not (filter)}: TRUE passes the
 * filter, FALSE passes its negation, UNKNOWN passes neither.
 */
class FilterSemanticsTest {
    enum T3 { TRUE, FALSE, UNKNOWN }

    private static final T3 TRUE = T3.TRUE;
    private static final T3 FALSE = T3.FALSE;
    private static final T3 UNKNOWN = T3.UNKNOWN;

    /** The truth of {@code filter} on an event given as name/value pairs. */
    static T3 truth(String filter, Object... nameValuePairs) {
        return truth(FilterParser.parse(filter), nameValuePairs);
    }

    static T3 truth(Expr filter, Object... nameValuePairs) {
        Map<String, Object> fields = new HashMap<>();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            fields.put((String) nameValuePairs[i], nameValuePairs[i + 1]);
        }
        Set<String> names = new LinkedHashSet<>(filter.fieldNames());
        names.addAll(fields.keySet());
        FieldLayout layout = FieldLayout.of(names);
        ArrayEvent event = ArrayEvent.fromMap(layout, fields);
        boolean passes = FilterCompiler.compile(filter, layout).test(event);
        boolean negationPasses = FilterCompiler.compile(new Expr.Not(filter), layout).test(event);
        assertThat(passes && negationPasses).as("a filter and its negation cannot both pass").isFalse();
        return passes ? TRUE : negationPasses ? FALSE : UNKNOWN;
    }

    @Nested
    class ThreeValuedLogic {
        @Test
        void passesOnlyWhenTrue() {
            assertThat(truth("status == 'DECLINED'", "status", "DECLINED")).isEqualTo(TRUE);
            assertThat(truth("status == 'DECLINED'", "status", "APPROVED")).isEqualTo(FALSE);
            assertThat(truth("status == 'DECLINED'", "status", null)).isEqualTo(UNKNOWN);
            assertThat(truth("status != 'DECLINED'", "status", null)).isEqualTo(UNKNOWN);
        }

        @Test
        void kleeneAndOrNot() {
            Object[] values = {true, false, null};
            T3[] as = {TRUE, FALSE, UNKNOWN};
            // rows: a = true, false, null; columns: b = true, false, null
            T3[][] and = {{TRUE, FALSE, UNKNOWN}, {FALSE, FALSE, FALSE}, {UNKNOWN, FALSE, UNKNOWN}};
            T3[][] or = {{TRUE, TRUE, TRUE}, {TRUE, FALSE, UNKNOWN}, {TRUE, UNKNOWN, UNKNOWN}};
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    assertThat(truth("a and b", "a", values[i], "b", values[j])).as("%s and %s", as[i], as[j])
                            .isEqualTo(and[i][j]);
                    assertThat(truth("a or b", "a", values[i], "b", values[j])).as("%s or %s", as[i], as[j])
                            .isEqualTo(or[i][j]);
                    Object x = values[i] == null ? null : (Boolean) values[i] ? 1L : 2L; // x == 1 has a's truth
                    Object y = values[j] == null ? null : (Boolean) values[j] ? 1L : 2L;
                    assertThat(truth("x == 1 and y == 1", "x", x, "y", y)).isEqualTo(and[i][j]);
                    assertThat(truth("x == 1 or y == 1", "x", x, "y", y)).isEqualTo(or[i][j]);
                }
            }
            assertThat(truth("not a", "a", true)).isEqualTo(FALSE);
            assertThat(truth("not a", "a", false)).isEqualTo(TRUE);
            assertThat(truth("not a", "a", null)).isEqualTo(UNKNOWN);
        }

        @Test
        void unknownIsAbsorbedOnlyWhereKleeneSaysSo() {
            assertThat(truth("x == 1 or y == 1", "x", null, "y", 1L)).isEqualTo(TRUE);
            assertThat(truth("x == 1 and y == 1", "x", null, "y", 2L)).isEqualTo(FALSE);
            assertThat(truth("not (x == 1 and y == 1)", "x", null, "y", 2L)).isEqualTo(TRUE);
            assertThat(truth("not (x == 1)", "x", null)).isEqualTo(UNKNOWN);
            assertThat(truth("not not (x == 1)", "x", null)).isEqualTo(UNKNOWN);
        }

        @Test
        void isNullIsNeverUnknown() {
            assertThat(truth("x is null", "x", null)).isEqualTo(TRUE);
            assertThat(truth("x is null", "x", 5L)).isEqualTo(FALSE);
            assertThat(truth("x is null", "x", "")).isEqualTo(FALSE);
            assertThat(truth("x is null", "x", Double.NaN)).as("NaN is a value, not null").isEqualTo(FALSE);
            assertThat(truth("x is not null", "x", null)).isEqualTo(FALSE);
            assertThat(truth("x is not null", "x", false)).isEqualTo(TRUE);
            assertThat(truth("x + 1 is null", "x", null)).isEqualTo(TRUE);
            assertThat(truth("(x > 1) is null", "x", null)).isEqualTo(TRUE);
        }

        @ParameterizedTest
        @ValueSource(strings = {"x == 1", "x != 1", "x < 1", "x <= 1", "x > 1", "x >= 1", "x == x", "x != x",
            "x == y", "x in (1, 2.5)", "x not in (1, 2.5)", "x in (y)", "x + 1 > 0"})
        void nanComparesLikeNull(String filter) {
            assertThat(truth(filter, "x", Double.NaN, "y", Double.NaN)).isEqualTo(UNKNOWN);
            assertThat(truth(filter, "x", null, "y", null)).isEqualTo(UNKNOWN);
        }
    }

    @Nested
    class Numbers {
        @Test
        void compareNumericallyAcrossLongAndDouble() {
            assertThat(truth("x == 5", "x", 5.0)).isEqualTo(TRUE);
            assertThat(truth("x == 5.0", "x", 5L)).isEqualTo(TRUE);
            assertThat(truth("x == y", "x", 5L, "y", 5.0)).isEqualTo(TRUE);
            assertThat(truth("x == 0", "x", -0.0)).isEqualTo(TRUE);
            assertThat(truth("x == -0.0", "x", 0L)).isEqualTo(TRUE);
            assertThat(truth("x < 2.5", "x", 2L)).isEqualTo(TRUE);
            assertThat(truth("x > 2", "x", 2.5)).isEqualTo(TRUE);
            assertThat(truth("2 < x", "x", 2.5)).as("constant on the left").isEqualTo(TRUE);
            assertThat(truth("x >= y", "x", 2L, "y", 2.5)).isEqualTo(FALSE);
        }

        @Test
        void compareExactlyBeyondDoublePrecision() {
            assertThat(truth("x == 9007199254740993", "x", 9007199254740992.0)).isEqualTo(FALSE);
            assertThat(truth("x > 9007199254740992.0", "x", 9007199254740993L)).isEqualTo(TRUE);
            assertThat(truth("x == y", "x", 9007199254740993L, "y", 9007199254740992.0)).isEqualTo(FALSE);
            assertThat(truth("x < 9223372036854775807", "x", 0x1p63)).as("2^63 > Long.MAX_VALUE").isEqualTo(FALSE);
            assertThat(truth("x > 9223372036854775807", "x", Double.POSITIVE_INFINITY)).isEqualTo(TRUE);
            assertThat(truth("x < -9223372036854775808", "x", Double.NEGATIVE_INFINITY)).isEqualTo(TRUE);
            assertThat(truth("x == 9007199254740992", "x", 9007199254740993L)).isEqualTo(FALSE);
        }

        @Test
        void longArithmeticIsExact() {
            assertThat(truth("x + 1 == 9223372036854775807", "x", Long.MAX_VALUE - 1)).isEqualTo(TRUE);
            assertThat(truth("x - 1 == 9007199254740992", "x", 9007199254740993L)).isEqualTo(TRUE);
            assertThat(truth("x * 3 == 27021597764222979", "x", 9007199254740993L)).isEqualTo(TRUE);
            assertThat(truth("x - 1 == 9007199254740992", "x", 9007199254740993.0)).as("a Double stays double")
                    .isEqualTo(FALSE);
        }

        @Test
        void longOverflowFallsBackToDouble() {
            assertThat(truth("x + 1 > 9223372036854775807", "x", Long.MAX_VALUE)).isEqualTo(TRUE);
            assertThat(truth("x + 1 == 9223372036854775808.0", "x", Long.MAX_VALUE)).isEqualTo(TRUE);
            assertThat(truth("x * 4 == 1.8446744073709552e19", "x", 1L << 62)).isEqualTo(TRUE);
            assertThat(truth("x - 1 < -9223372036854775808", "x", Long.MIN_VALUE))
                    .as("-2^63 - 1 rounds to -2^63 in double").isEqualTo(FALSE);
            assertThat(truth("-x == 9223372036854775808.0", "x", Long.MIN_VALUE)).isEqualTo(TRUE);
            assertThat(truth("x / -1 > 0", "x", Long.MIN_VALUE)).isEqualTo(TRUE);
        }

        @Test
        void inexactLongDivisionIsDouble() {
            assertThat(truth("x / 2 == 3.5", "x", 7L)).isEqualTo(TRUE);
            assertThat(truth("x / 2 == 3", "x", 6L)).isEqualTo(TRUE);
            assertThat(truth("x / 1 == 9007199254740993", "x", 9007199254740993L)).as("exact quotient stays Long")
                    .isEqualTo(TRUE);
            assertThat(truth("x / 3 > 0.33 and x / 3 < 0.34", "x", 1L)).isEqualTo(TRUE);
        }

        @ParameterizedTest
        @ValueSource(strings = {"x / 0 is null", "x % 0 is null", "x / 0.0 is null", "x / -0.0 is null",
            "x % 0.0 is null", "x / y is null", "x / (y * 2) is null"})
        void divisionOrRemainderByZeroIsNull(String filter) {
            assertThat(truth(filter, "x", 5L, "y", 0L)).isEqualTo(TRUE);
            assertThat(truth(filter, "x", 5.5, "y", -0.0)).isEqualTo(TRUE);
        }

        @Test
        void divisionByZeroMakesComparisonsUnknown() {
            assertThat(truth("x / 0 > 1", "x", 5L)).isEqualTo(UNKNOWN);
            assertThat(truth("x / 0 == x / 0", "x", 5L)).isEqualTo(UNKNOWN);
        }

        @Test
        void remainderHasTheSignOfTheDividend() {
            assertThat(truth("x % 3 == -1", "x", -7L)).isEqualTo(TRUE);
            assertThat(truth("x % -3 == 1", "x", 7L)).isEqualTo(TRUE);
            assertThat(truth("x % 2.5 == 0.5", "x", 3.0)).isEqualTo(TRUE);
            assertThat(truth("x % -1 == 0", "x", Long.MIN_VALUE)).isEqualTo(TRUE);
        }

        @Test
        void arithmeticWithNullOrNonNumbersIsNull() {
            assertThat(truth("x + 1 is null", "x", null)).isEqualTo(TRUE);
            assertThat(truth("-x is null", "x", null)).isEqualTo(TRUE);
            assertThat(truth("x + 1 is null", "x", "5")).isEqualTo(TRUE);
            assertThat(truth("x * 2 is null", "x", true)).isEqualTo(TRUE);
            assertThat(truth("-x is null", "x", "5")).isEqualTo(TRUE);
            assertThat(truth("x + 1 > 0", "x", "5")).isEqualTo(UNKNOWN);
        }

        @Test
        void doubleArithmeticIsIeee() {
            assertThat(truth("x * 10 > 1.7976931348623157e308", "x", 1e308)).as("overflow to infinity").isEqualTo(TRUE);
            assertThat(truth("x - x is not null", "x", Double.POSITIVE_INFINITY)).as("NaN, not null").isEqualTo(TRUE);
            assertThat(truth("x - x == 0", "x", Double.POSITIVE_INFINITY)).isEqualTo(UNKNOWN);
            assertThat(truth("x + 0.5 == 2", "x", 1.5)).isEqualTo(TRUE);
            assertThat(truth("x + 0.5 == 2.5", "x", 2L)).as("mixed Long/Double").isEqualTo(TRUE);
        }
    }

    @Nested
    class TypeMismatch {
        @ParameterizedTest
        @ValueSource(strings = {"x == 5", "x != 5", "x < 5", "x >= 5", "x in (5)", "x not in (5, 6)", "x == y"})
        void stringAgainstNumberIsUnknown(String filter) {
            assertThat(truth(filter, "x", "5", "y", 5L)).isEqualTo(UNKNOWN);
        }

        @Test
        void numberAgainstStringIsUnknown() {
            assertThat(truth("x == '5'", "x", 5L)).isEqualTo(UNKNOWN);
            assertThat(truth("x < 'a'", "x", 5.0)).isEqualTo(UNKNOWN);
        }

        @Test
        void booleansCanBeEqualButNotOrdered() {
            assertThat(truth("x == y", "x", true, "y", true)).isEqualTo(TRUE);
            assertThat(truth("x != y", "x", true, "y", false)).isEqualTo(TRUE);
            assertThat(truth("x == true", "x", false)).isEqualTo(FALSE);
            assertThat(truth("x < y", "x", false, "y", true)).isEqualTo(UNKNOWN);
            assertThat(truth("x >= y", "x", true, "y", true)).isEqualTo(UNKNOWN);
            assertThat(truth("x == true", "x", "true")).isEqualTo(UNKNOWN);
            assertThat(truth("x == 1", "x", true)).isEqualTo(UNKNOWN);
        }

        @Test
        void nonCanonicalValuesAreUnknownNotErrors() {
            assertThat(truth("x == 5", "x", 5)).as("an Integer breaks the Event contract").isEqualTo(UNKNOWN);
            assertThat(truth("x in (5)", "x", 5.0f)).isEqualTo(UNKNOWN);
            assertThat(truth("x + 1 is null", "x", 5)).isEqualTo(TRUE);
            assertThat(truth("x is null", "x", new Object())).isEqualTo(FALSE);
        }
    }

    @Nested
    class Strings {
        @Test
        void orderByCompareTo() {
            assertThat(truth("x < 'b'", "x", "a")).isEqualTo(TRUE);
            assertThat(truth("x < 'b'", "x", "B")).as("'B' < 'b' in UTF-16 order").isEqualTo(TRUE);
            assertThat(truth("x < 'b'", "x", "b")).isEqualTo(FALSE);
            assertThat(truth("x <= 'b'", "x", "b")).isEqualTo(TRUE);
            assertThat(truth("x > 'ab'", "x", "abc")).isEqualTo(TRUE);
            assertThat(truth("x > y", "x", "b", "y", "a")).isEqualTo(TRUE);
        }

        @Test
        void equalityIsExactAndCaseSensitive() {
            assertThat(truth("x == 'DECLINED'", "x", "declined")).isEqualTo(FALSE);
            assertThat(truth("x == 'DECLINED'", "x", "DECLINED ")).isEqualTo(FALSE);
            assertThat(truth("x == ''", "x", "")).isEqualTo(TRUE);
            assertThat(truth("'DECLINED' == x", "x", "DECLINED")).isEqualTo(TRUE);
        }
    }

    @Nested
    class Membership {
        @Test
        void inIsAnOrOfEqualities() {
            assertThat(truth("x in ('A', 'B', 3)", "x", "B")).isEqualTo(TRUE);
            assertThat(truth("x in ('A', 'B', 3)", "x", 3L)).isEqualTo(TRUE);
            assertThat(truth("x in ('A', 'B', 3)", "x", 3.0)).isEqualTo(TRUE);
            assertThat(truth("x in ('A', 'B', 3)", "x", "C")).as("'C' == 3 is unknown").isEqualTo(UNKNOWN);
            assertThat(truth("x not in ('A', 'B', 3)", "x", "C")).isEqualTo(UNKNOWN);
            assertThat(truth("x in ('A', 'B', 3)", "x", null)).isEqualTo(UNKNOWN);
        }

        @Test
        void listsOfOneKind() {
            assertThat(truth("x in ('A', 'B')", "x", "C")).isEqualTo(FALSE);
            assertThat(truth("x not in ('A', 'B')", "x", "C")).isEqualTo(TRUE);
            assertThat(truth("x not in ('A', 'B')", "x", "A")).isEqualTo(FALSE);
            assertThat(truth("x not in ('A', 'B')", "x", null)).isEqualTo(UNKNOWN);
            assertThat(truth("x not in ('A', 'B')", "x", 5L)).isEqualTo(UNKNOWN);
            assertThat(truth("x in (true)", "x", true)).isEqualTo(TRUE);
            assertThat(truth("x in (true)", "x", false)).isEqualTo(FALSE);
        }

        @Test
        void numbersMatchByValue() {
            String filter = "x in (1, 2.5, 9007199254740993, 0, 1e300)";
            assertThat(truth(filter, "x", 1.0)).isEqualTo(TRUE);
            assertThat(truth(filter, "x", 2.5)).isEqualTo(TRUE);
            assertThat(truth(filter, "x", 9007199254740993L)).isEqualTo(TRUE);
            assertThat(truth(filter, "x", 9007199254740992.0)).isEqualTo(FALSE);
            assertThat(truth(filter, "x", -0.0)).isEqualTo(TRUE);
            assertThat(truth(filter, "x", 1e300)).isEqualTo(TRUE);
            assertThat(truth(filter, "x", 2L)).isEqualTo(FALSE);
            assertThat(truth(filter, "x", Double.POSITIVE_INFINITY)).isEqualTo(FALSE);
            assertThat(truth("x in (2.0)", "x", 2L)).isEqualTo(TRUE);
        }

        @Test
        void entriesMayBeFieldsOrExpressions() {
            assertThat(truth("x in (y, 'A')", "x", "B", "y", "B")).isEqualTo(TRUE);
            assertThat(truth("x in (y, 'A')", "x", "C", "y", "Z")).isEqualTo(FALSE);
            assertThat(truth("x in (y, 'A')", "x", "C", "y", null)).isEqualTo(UNKNOWN);
            assertThat(truth("x in (y, 'A')", "x", "A", "y", null)).isEqualTo(TRUE);
            assertThat(truth("x + 1 in (y * 2, 100)", "x", 5L, "y", 3L)).isEqualTo(TRUE);
        }

        @Test
        void constantEntriesAreFoldedIncludingNaN() {
            assertThat(truth("x in (1 + 1, 3)", "x", 2L)).isEqualTo(TRUE);
            String nanEntry = "x in (1, 1e308 * 10 - 1e308 * 10)";
            assertThat(truth(nanEntry, "x", 1L)).isEqualTo(TRUE);
            assertThat(truth(nanEntry, "x", 2L)).as("2 == NaN is unknown").isEqualTo(UNKNOWN);
            List<Expr> withNull = new ArrayList<>(List.of(new Expr.Literal("A")));
            withNull.add(Expr.Literal.NULL);
            Expr handBuilt = new Expr.In(new Expr.Field("x"), withNull, true);
            assertThat(truth(handBuilt, "x", "B")).as("x not in (..., null) is never true").isEqualTo(UNKNOWN);
            assertThat(truth(handBuilt, "x", "A")).isEqualTo(FALSE);
        }
    }

    @Nested
    class ConditionsAndValues {
        @Test
        void bareBooleanFieldIsTrueOnlyForBooleanTrue() {
            assertThat(truth("is_test", "is_test", true)).isEqualTo(TRUE);
            assertThat(truth("is_test", "is_test", false)).isEqualTo(FALSE);
            assertThat(truth("is_test", "is_test", null)).isEqualTo(UNKNOWN);
            assertThat(truth("is_test", "is_test", "true")).isEqualTo(UNKNOWN);
            assertThat(truth("is_test", "is_test", 1L)).isEqualTo(UNKNOWN);
            assertThat(truth("not is_test", "is_test", false)).isEqualTo(TRUE);
            assertThat(truth("not is_test", "is_test", null)).isEqualTo(UNKNOWN);
        }

        @Test
        void conditionsAreBooleanValues() {
            assertThat(truth("(x > 1) == y", "x", 2L, "y", true)).isEqualTo(TRUE);
            assertThat(truth("(x > 1) == y", "x", 0L, "y", true)).isEqualTo(FALSE);
            assertThat(truth("(x > 1) == y", "x", null, "y", true)).as("unknown is null as a value").isEqualTo(UNKNOWN);
            assertThat(truth("(x > 1) != (y > 1)", "x", 2L, "y", 0L)).isEqualTo(TRUE);
            assertThat(truth("x in (true, (y > 1))", "x", true, "y", 0L)).isEqualTo(TRUE);
        }
    }

    @Nested
    class Compilation {
        @Test
        void filterMustBeACondition() {
            Expr.Field amount = new Expr.Field("amount");
            FieldLayout layout = FieldLayout.of("amount");
            for (Expr notACondition : List.of(
                    new Expr.Arithmetic(dev.tessera.api.filter.ArithmeticOp.ADD, amount, new Expr.Literal(1L)),
                    new Expr.Negate(amount), new Expr.Literal(5L), new Expr.Literal(2.5), new Expr.Literal("x"))) {
                assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> FilterCompiler.compile(notACondition, layout)))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith("filter must be a condition, but \"" + notACondition + "\" is a");
            }
        }

        @Test
        void aFieldMissingFromTheLayoutIsAProgrammingError() {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                    FilterCompiler.compile(FilterParser.parse("a == 1 and ghost.field > 2"), FieldLayout.of("a", "b"))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'ghost.field'")
                    .hasMessageContaining("[a, b]");
        }

        @Test
        void fieldsResolveToTheirSlotsInAnyLayout() {
            FieldLayout layout = FieldLayout.of("z", "country", "amount");
            EventPredicate p = FilterCompiler.compile(FilterParser.parse("amount > 100 and country == 'DE'"), layout);
            assertThat(p.test(new ArrayEvent(new Object[] {"ignored", "DE", 150L}))).isTrue();
            assertThat(p.test(new ArrayEvent(new Object[] {"ignored", "FR", 150L}))).isFalse();
            assertThat(p.test(new ArrayEvent(new Object[0]))).as("slots past the end read null").isFalse();
            assertThat(p).hasToString("where (amount > 100) and (country == 'DE')");
        }

        @Test
        void alwaysAndConstantFilters() {
            ArrayEvent any = new ArrayEvent(new Object[] {null});
            FieldLayout layout = FieldLayout.of("x");
            assertThat(FilterCompiler.ALWAYS.test(any)).isTrue();
            assertThat(FilterCompiler.compile(FilterParser.parse("true"), layout)).isSameAs(FilterCompiler.ALWAYS);
            assertThat(FilterCompiler.compile(FilterParser.parse("1 < 2 and 'a' < 'b'"), layout).test(any)).isTrue();
            assertThat(FilterCompiler.compile(FilterParser.parse("false"), layout).test(any)).isFalse();
            assertThat(FilterCompiler.compile(FilterParser.parse("null"), layout).test(any)).isFalse();
            assertThat(FilterCompiler.compile(FilterParser.parse("1 / 0 > 1"), layout).test(any)).isFalse();
            assertThat(truth("x == 1 or true", "x", null)).isEqualTo(TRUE);
            assertThat(truth("x == 1 and false", "x", null)).isEqualTo(FALSE);
        }
    }
}
