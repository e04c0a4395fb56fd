package dev.tessera.core.agg;

import static dev.tessera.api.Aggregation.APPROX_DISTINCT;
import static dev.tessera.api.Aggregation.APPROX_PERCENTILE;
import static dev.tessera.api.Aggregation.AVG;
import static dev.tessera.api.Aggregation.COUNT;
import static dev.tessera.api.Aggregation.FIRST;
import static dev.tessera.api.Aggregation.LAST;
import static dev.tessera.api.Aggregation.LAST_K;
import static dev.tessera.api.Aggregation.MAX;
import static dev.tessera.api.Aggregation.MIN;
import static dev.tessera.api.Aggregation.SUM;
import static dev.tessera.api.Aggregation.TOP_K;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.Aggregation;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The factory's contract and the semantic decisions of package-info, one example each. */
class AggregatorsTest {
    private static Object aggregate(Aggregator agg, Object... values) {
        Ir ir = agg.newIr();
        for (Object v : values) {
            ir.add(v, 0, null);
        }
        return ir.result();
    }

    private static Object aggregate(Aggregation kind, Object... values) {
        return aggregate(Aggregators.create(kind), values);
    }

    @ParameterizedTest
    @EnumSource(Aggregation.class)
    void emptyIrsGiveTheSpecEmptyValue(Aggregation kind) {
        Aggregator agg = Aggregators.create(kind, 3, 0.5);
        assertThat(agg.kind()).isEqualTo(kind);
        assertThat(agg.newIr().result()).isEqualTo(agg.emptyResult());
        Object expected = switch (kind) {
            case COUNT, SUM, APPROX_DISTINCT -> 0L;
            case LAST_K, TOP_K -> List.of();
            default -> null;
        };
        assertThat(agg.emptyResult()).isEqualTo(expected);
    }

    @Test
    void parametersAreValidated() {
        assertThatThrownBy(() -> Aggregators.create(LAST_K, 0, 0)).hasMessage("last_k needs 1 <= k <= 100, got 0");
        assertThatThrownBy(() -> Aggregators.create(TOP_K, 101, 0)).hasMessage("top_k needs 1 <= k <= 100, got 101");
        assertThatThrownBy(() -> Aggregators.create(APPROX_PERCENTILE, 0, 1.0)).hasMessage("approx_percentile needs 0 < p < 1, got 1.0");
        assertThatThrownBy(() -> Aggregators.create(APPROX_PERCENTILE, 0, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Aggregators.create(TOP_K)).hasMessageContaining("top_k needs a parameter (k)");
        assertThat(Aggregators.create(COUNT, 99, 7.0)).isEqualTo(Aggregators.create(COUNT));
        assertThat(Aggregators.create(LAST_K, 5, 0)).hasToString("last_k(k=5)").isNotEqualTo(Aggregators.create(LAST_K, 6, 0));
    }

    @Test
    void irsOfDifferentAggregationsDoNotMerge() {
        Ir min = Aggregators.create(MIN).newIr();
        assertThatThrownBy(() -> min.merge(Aggregators.create(MAX).newIr())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> min.merge(Aggregators.create(COUNT).newIr()))
                .hasMessage("cannot merge CountIr into MinMaxIr: IRs of different aggregations");
        Ir first = Aggregators.create(FIRST).newIr();
        assertThatThrownBy(() -> first.merge(Aggregators.create(LAST).newIr())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nonCanonicalValuesAreRejected() {
        for (Aggregation kind : Aggregation.values()) {
            if (kind != COUNT) { // count ignores values
                Ir ir = Aggregators.create(kind, 3, 0.5).newIr();
                assertThatThrownBy(() -> ir.add(42, 0, null)).as(kind.yamlName())
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Integer");
            }
        }
    }

    @Test
    void integerSumsAreExactPastTheLongRange() {
        assertThat(aggregate(SUM, Long.MAX_VALUE, Long.MAX_VALUE, -Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(aggregate(SUM, Long.MAX_VALUE, 1L)).isEqualTo(9.223372036854775808E18);
        assertThat(aggregate(SUM, Long.MIN_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, 2L)).isEqualTo(0L);
        assertThat(aggregate(AVG, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(9.223372036854775807E18);
    }

    @Test
    void doubleSumsAreCompensatedAndIgnoreNonNumbers() {
        assertThat(aggregate(SUM, 1e100, 1.0, -1e100)).isEqualTo(1.0); // a plain sum says 0.0
        // the exact sum of these four doubles; a plain left-to-right sum gives 1.1102230246251565E-16
        assertThat(aggregate(SUM, 0.1, 0.2, 0.3, -0.6)).isEqualTo(2.7755575615628914E-17);
        assertThat(aggregate(SUM, 1L, 2.5, "x", true)).isEqualTo(3.5);
        assertThat(aggregate(SUM, "x", true)).isEqualTo(0L);
        assertThat(aggregate(AVG, 1L, 2L, "x")).isEqualTo(1.5);
        assertThat(aggregate(AVG, "x")).isNull();
        assertThat(aggregate(SUM, Double.MAX_VALUE, Double.MAX_VALUE)).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void minAndMaxOrderBooleansNumbersStrings() {
        assertThat(aggregate(MIN, "a", 3L, true, false)).isEqualTo(false);
        assertThat(aggregate(MAX, "a", 3L, true)).isEqualTo("a");
        assertThat(aggregate(MAX, 2L, 1.5)).isEqualTo(2.0); // a Double was seen: the Long max reads as Double
        assertThat(aggregate(MAX, 2L, 1L)).isEqualTo(2L);
        assertThat(aggregate(MAX, (1L << 53) + 1, 0x1p53)).isEqualTo((double) ((1L << 53) + 1)); // compared exactly
        assertThat(aggregate(MIN, (1L << 53) + 1, 0x1p53)).isEqualTo(0x1p53);
        assertThat(aggregate(MIN, 0.0, -0.0)).isEqualTo(-0.0);
        assertThat(aggregate(MAX, "B", "a", "ab")).isEqualTo("ab");
    }

    @Test
    void firstAndLastBreakTimeTiesByIdThenValue() {
        Ir last = Aggregators.create(LAST).newIr();
        last.add("no id", 5, null);
        last.add("id b", 5, "b");
        last.add("id a", 5, "a");
        last.add("older", 4, "z");
        assertThat(last.result()).isEqualTo("id b");
        Ir first = Aggregators.create(FIRST).newIr();
        first.add("y", 5, null);
        first.add("x", 5, null);
        first.add("z", 5, "a");
        assertThat(first.result()).isEqualTo("x");
    }

    @Test
    void lastKIsNewestFirstAndKeepsDuplicates() {
        Ir ir = Aggregators.create(LAST_K, 3, 0).newIr();
        ir.add("c1", 10, null);
        ir.add("old", 1, null);
        ir.add("c2", 20, "e");
        ir.add("c1", 10, null);
        ir.add("older", 0, null);
        assertThat(ir.result()).isEqualTo(List.of("c2", "c1", "c1"));
    }

    @Test
    void approxDistinctCountsTypedValues() {
        // 1L, 1.0, 0.0 (= -0.0), "true" (= true), ""
        assertThat(aggregate(APPROX_DISTINCT, 1L, 1.0, 0.0, -0.0, true, "true", "", "")).isEqualTo(5L);
    }

    @Test
    void topKCountsCanonicalStrings() {
        Aggregator top2 = Aggregators.create(TOP_K, 2, 0);
        assertThat(aggregate(top2, 1L, "1", 2.5, "b", "b", true, "a", "a"))
                .isEqualTo(List.of(new ValueCount("1", 2), new ValueCount("a", 2)));
    }

    @Test
    void approxPercentileIgnoresNonNumbers() {
        assertThat(aggregate(Aggregators.create(APPROX_PERCENTILE, 0, 0.5), "x", 3L, true, 1.5)).isEqualTo(1.5);
        assertThat(aggregate(Aggregators.create(APPROX_PERCENTILE, 0, 0.5), "x")).isNull();
    }

    @Test
    void countCountsEverything() {
        assertThat(aggregate(COUNT, "x", 1L, 2.0, true)).isEqualTo(4L);
    }

    @Test
    void selfMergeDoublesTheEvents() {
        for (Aggregation kind : List.of(COUNT, SUM, TOP_K, APPROX_PERCENTILE, APPROX_DISTINCT)) {
            Ir ir = Aggregators.create(kind, 3, 0.5).newIr();
            ir.add(2L, 0, null);
            ir.merge(ir);
            Object expected = switch (kind) {
                case COUNT -> 2L;
                case SUM -> 4L;
                case TOP_K -> List.of(new ValueCount("2", 2));
                case APPROX_PERCENTILE -> 2.0;
                default -> 1L;
            };
            assertThat(ir.result()).as(kind.yamlName()).isEqualTo(expected);
        }
    }
}
