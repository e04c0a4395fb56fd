package dev.tessera.core.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.tessera.api.Aggregation;
import dev.tessera.core.agg.ValueCount;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Compares a value Tessera computed with the {@link NaiveOracle}'s, with the tolerance each
 * aggregation states (SPEC §2): exact aggregations exactly, double sums and averages to 1e-9
 * relative, approx_distinct exact up to 100 and within 2% above, approx_percentile within 1% rank
 * error, top_k exactly while the number of distinct values is small (as in every test stream).
 */
public final class OracleAssertions {
    private OracleAssertions() {}

    public static void assertMatches(Aggregation agg, double p, int k, String where, Object actual, Object expected) {
        switch (agg) {
            case SUM, AVG -> {
                if (expected instanceof Double e) {
                    assertThat(actual).as(where).isInstanceOf(Double.class);
                    double a = (Double) actual;
                    assertThat(Math.abs(a - e)).as(where + ": " + a + " vs " + e)
                            .isLessThanOrEqualTo(1e-9 * Math.max(1.0, Math.abs(e)));
                } else {
                    assertThat(actual).as(where).isEqualTo(expected);
                }
            }
            case APPROX_DISTINCT -> {
                long exact = (Long) expected;
                long est = (Long) actual;
                if (exact <= 100) {
                    assertThat(est).as(where + " (small cardinality is exact)").isEqualTo(exact);
                } else {
                    assertThat(Math.abs(est - exact)).as(where).isLessThanOrEqualTo((long) Math.ceil(exact * 0.02));
                }
            }
            case APPROX_PERCENTILE -> {
                @SuppressWarnings("unchecked") List<Double> sorted = (List<Double>) expected;
                if (sorted.isEmpty()) {
                    assertThat(actual).as(where).isNull();
                    return;
                }
                double v = (Double) actual;
                long below = sorted.stream().filter(x -> x < v).count();
                long atOrBelow = sorted.stream().filter(x -> x <= v).count();
                double n = sorted.size();
                double eps = 0.01;
                assertThat(below / n).as(where + " rank of " + v).isLessThanOrEqualTo(p + eps);
                assertThat(atOrBelow / n).as(where + " rank of " + v).isGreaterThanOrEqualTo(p - eps);
            }
            case TOP_K -> {
                @SuppressWarnings("unchecked") TreeMap<String, Long> counts = (TreeMap<String, Long>) expected;
                List<Map.Entry<String, Long>> ranked = new ArrayList<>(counts.entrySet());
                ranked.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
                List<ValueCount> want = ranked.stream().limit(k).map(e -> new ValueCount(e.getKey(), e.getValue())).toList();
                assertThat(actual).as(where).isEqualTo(want);
            }
            default -> {
                if (!Objects.equals(actual, expected)) {
                    fail(where + ": got " + actual + " but the oracle says " + expected);
                }
            }
        }
    }

}
