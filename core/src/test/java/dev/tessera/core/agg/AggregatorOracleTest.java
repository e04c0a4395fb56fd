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

import dev.tessera.core.agg.NaiveAggregator.Ev;
import java.math.BigDecimal;
import java.util.List;
import java.util.Random;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.apache.datasketches.hll.HllSketch;
import org.junit.jupiter.api.Test;

/**
 * Every aggregator against {@link NaiveAggregator}: random events, split into parts added in random
 * order, IRs passed through encode/decode and copies, merged in random order (see {@link IrPipeline}).
 * Exact aggregations must match exactly; double sums and averages within the compensated-summation
 * bound; sketches within the library's published error bounds. Each property is checked on
 * {@value #TRIES} seeded tries ({@link Tries}).
 */
class AggregatorOracleTest {
    private static final int TRIES = 1000;

    private static List<Ev> events(Random rnd, boolean edgeCaseTry) {
        return edgeCaseTry ? EventGenerators.eventsEdgeCase(rnd, TRIES) : EventGenerators.events(rnd, TRIES, 60, false);
    }

    /** Doubles bounded by 1e300 so that no partial sum overflows (IEEE overflow is not order-independent). */
    private static List<Ev> summable(Random rnd, boolean edgeCaseTry) {
        return edgeCaseTry ? EventGenerators.eventsEdgeCase(rnd, TRIES) : EventGenerators.events(rnd, TRIES, 60, true);
    }

    /** Short lists as above, and long lists over a skewed domain that push the sketches past their exact modes. */
    private static List<Ev> sketchEvents(Random rnd, boolean edgeCaseTry) {
        return edgeCaseTry ? EventGenerators.eventsEdgeCase(rnd, TRIES) : EventGenerators.shortOrWideEvents(rnd, TRIES, 60);
    }

    private static int ks(Random rnd, boolean edgeCaseTry) {
        return edgeCaseTry ? Distributions.pick(rnd, AggregatorGenerators.K_EDGE_CASES) : AggregatorGenerators.ks(rnd);
    }

    private static double ps(Random rnd, boolean edgeCaseTry) {
        return edgeCaseTry ? Distributions.pick(rnd, AggregatorGenerators.P_EDGE_CASES) : AggregatorGenerators.ps(rnd);
    }

    /** The seed of the {@link IrPipeline}'s own Random. */
    private static long seed(Random rnd, boolean edgeCaseTry) {
        return edgeCaseTry ? Distributions.pick(rnd, Distributions.LONGS.edgeCases) : Distributions.LONGS.next(rnd);
    }

    private static Object run(Aggregator agg, List<Ev> events, long seed) {
        Ir ir = IrPipeline.build(agg, events, new Random(seed));
        Object result = ir.result();
        if (ir.isEmpty()) {
            assertThat(result).isEqualTo(agg.emptyResult());
        }
        return result;
    }

    @Test
    void count() {
        Tries.run(11_000_000, TRIES, (rnd, edgeCaseTry) -> {
            List<Ev> events = events(rnd, edgeCaseTry);
            long seed = seed(rnd, edgeCaseTry);
            assertThat(run(Aggregators.create(COUNT), events, seed)).isEqualTo((long) events.size());
        });
    }

    @Test
    void sum() {
        Tries.Labels input = new Tries.Labels("sum input");
        Tries.run(12_000_000, TRIES, (rnd, edgeCaseTry) -> {
            List<Ev> events = summable(rnd, edgeCaseTry);
            long seed = seed(rnd, edgeCaseTry);
            Object actual = run(Aggregators.create(SUM), events, seed);
            Object expected = NaiveAggregator.sum(events);
            input.collect(NaiveAggregator.anyDouble(events) ? "with doubles"
                    : expected instanceof Double ? "integers past the long range" : "integers");
            if (!NaiveAggregator.anyDouble(events)) {
                assertThat(actual).isEqualTo(expected); // integer sums are exact, even past the long range
            } else {
                assertThat(actual).isInstanceOf(Double.class);
                assertWithinSumBound((Double) actual, NaiveAggregator.exactSum(events), absSum(events), 1);
            }
        });
        input.assertEachOccurred("with doubles", "integers past the long range", "integers");
    }

    @Test
    void avg() {
        Tries.run(13_000_000, TRIES, (rnd, edgeCaseTry) -> {
            List<Ev> events = summable(rnd, edgeCaseTry);
            long seed = seed(rnd, edgeCaseTry);
            Double actual = (Double) run(Aggregators.create(AVG), events, seed);
            Double expected = NaiveAggregator.avg(events);
            if (expected == null || !NaiveAggregator.anyDouble(events)) {
                assertThat(actual).isEqualTo(expected); // the correctly rounded exact quotient
            } else {
                int n = NaiveAggregator.numbers(events).size();
                assertWithinSumBound(actual, NaiveAggregator.exactSum(events), absSum(events), n);
            }
        });
    }

    /**
     * The compensated-summation bound (see SumAccumulator): |computed − S| ≤ 2u|S| + O(n²u²)Σ|x|.
     * We allow 1e-9·|S| (the SPEC's relative tolerance) plus 1e-20·Σ|x| for results where
     * cancellation makes |S| tiny: with n ≤ 200 values n²u² is below 1e-27, so 1e-20 is a wide
     * margin, yet far below the n·u·Σ|x| ≈ 1e-14·Σ|x| error a plain sum can make, so it still tells
     * compensated from naive summation. MIN_VALUE covers results in the subnormal range.
     */
    private static void assertWithinSumBound(double actual, BigDecimal exactSum, BigDecimal absSum, int divisor) {
        BigDecimal exact = exactSum.divide(BigDecimal.valueOf(divisor), java.math.MathContext.DECIMAL128);
        BigDecimal tolerance = exact.abs().multiply(new BigDecimal("1e-9"))
                .add(absSum.divide(BigDecimal.valueOf(divisor), java.math.MathContext.DECIMAL128).multiply(new BigDecimal("1e-20")))
                .add(BigDecimal.valueOf(Double.MIN_VALUE));
        assertThat(Double.isFinite(actual)).as("finite: %s", actual).isTrue();
        assertThat(new BigDecimal(actual).subtract(exact).abs())
                .as("|%s - %s| within %s", actual, exact, tolerance).isLessThanOrEqualTo(tolerance);
    }

    private static BigDecimal absSum(List<Ev> events) {
        return NaiveAggregator.numbers(events).stream()
                .map(v -> v instanceof Long l ? new BigDecimal(l) : new BigDecimal((Double) v))
                .map(BigDecimal::abs).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    @Test
    void min() {
        Tries.run(14_000_000, TRIES, (rnd, edgeCaseTry) -> {
            List<Ev> events = events(rnd, edgeCaseTry);
            long seed = seed(rnd, edgeCaseTry);
            assertThat(run(Aggregators.create(MIN), events, seed)).isEqualTo(NaiveAggregator.extreme(events, false));
        });
    }

    @Test
    void max() {
        Tries.run(15_000_000, TRIES, (rnd, edgeCaseTry) -> {
            List<Ev> events = events(rnd, edgeCaseTry);
            long seed = seed(rnd, edgeCaseTry);
            assertThat(run(Aggregators.create(MAX), events, seed)).isEqualTo(NaiveAggregator.extreme(events, true));
        });
    }

    @Test
    void first() {
        Tries.run(16_000_000, TRIES, (rnd, edgeCaseTry) -> {
            List<Ev> events = events(rnd, edgeCaseTry);
            long seed = seed(rnd, edgeCaseTry);
            assertThat(run(Aggregators.create(FIRST), events, seed)).isEqualTo(NaiveAggregator.firstOrLast(events, false));
        });
    }

    @Test
    void last() {
        Tries.run(17_000_000, TRIES, (rnd, edgeCaseTry) -> {
            List<Ev> events = events(rnd, edgeCaseTry);
            long seed = seed(rnd, edgeCaseTry);
            assertThat(run(Aggregators.create(LAST), events, seed)).isEqualTo(NaiveAggregator.firstOrLast(events, true));
        });
    }

    @Test
    void lastK() {
        Tries.run(18_000_000, TRIES, (rnd, edgeCaseTry) -> {
            List<Ev> events = events(rnd, edgeCaseTry);
            int k = ks(rnd, edgeCaseTry);
            long seed = seed(rnd, edgeCaseTry);
            assertThat(run(Aggregators.create(LAST_K, k, 0), events, seed)).isEqualTo(NaiveAggregator.lastK(events, k));
        });
    }

    /**
     * Exact up to {@link DistinctIr#EXACT_LIMIT} distinct values; beyond, within 3 standard errors
     * of the published HLL relative error for merged sketches (0.574% at lgK 15).
     */
    @Test
    void approxDistinct() {
        Tries.Labels mode = new Tries.Labels("approx_distinct mode");
        Tries.run(19_000_000, TRIES, (rnd, edgeCaseTry) -> {
            List<Ev> events = sketchEvents(rnd, edgeCaseTry);
            long seed = seed(rnd, edgeCaseTry);
            Ir ir = IrPipeline.build(Aggregators.create(APPROX_DISTINCT), events, new Random(seed));
            long expected = NaiveAggregator.distinct(events);
            long actual = (Long) ir.result();
            mode.collect(expected <= DistinctIr.EXACT_LIMIT ? "exact" : "hll");
            if (expected <= DistinctIr.EXACT_LIMIT) {
                assertThat(actual).isEqualTo(expected);
                assertThat(((DistinctIr) ir).isEstimating()).isFalse();
            } else {
                double threeSigma = HllSketch.getRelErr(true, true, DistinctIr.LG_K, 3);
                assertThat((double) Math.abs(actual - expected)).isLessThanOrEqualTo(threeSigma * expected);
            }
        });
        mode.assertEachOccurred("exact", "hll");
    }

    /**
     * The returned value is one of the numbers, and its normalized rank interval
     * [count(x &lt; v)/n, count(x ≤ v)/n] is within the sketch's rank error of p (0 while the sketch
     * is exact, i.e. at most 300 numbers; 1e-12 absorbs the library's floating-point rank arithmetic).
     */
    @Test
    void approxPercentile() {
        Tries.Labels sketch = new Tries.Labels("approx_percentile numbers");
        Tries.run(20_000_000, TRIES, (rnd, edgeCaseTry) -> {
            List<Ev> events = sketchEvents(rnd, edgeCaseTry);
            double p = ps(rnd, edgeCaseTry);
            long seed = seed(rnd, edgeCaseTry);
            Ir ir = IrPipeline.build(Aggregators.create(APPROX_PERCENTILE, 0, p), events, new Random(seed));
            List<Double> numbers = NaiveAggregator.numbers(events).stream().map(v -> ((Number) v).doubleValue()).toList();
            Double v = (Double) ir.result();
            sketch.collect(numbers.isEmpty() ? "none" : numbers.size() <= PercentileIr.K ? "exact sketch" : "compacted sketch");
            if (numbers.isEmpty()) {
                assertThat(v).isNull();
                return;
            }
            assertThat(numbers).contains(v);
            double n = numbers.size();
            double below = numbers.stream().filter(x -> x < v).count() / n;
            double atOrBelow = numbers.stream().filter(x -> x <= v).count() / n;
            double eps = ((PercentileIr) ir).rankError() + 1e-12;
            assertThat(below).as("rank of values below %s", v).isLessThanOrEqualTo(p + eps);
            assertThat(atOrBelow).as("rank of values at or below %s", v).isGreaterThanOrEqualTo(p - eps);
        });
        sketch.assertEachOccurred("none", "exact sketch", "compacted sketch");
    }

    /**
     * Exact while the number of distinct values is at most 0.75·maxMapSize; beyond, every count is
     * an overestimate by at most the sketch's maximum error, that error is within the a-priori
     * bound ε·N, and no value missing from the result can be a heavier hitter than those returned.
     */
    @Test
    void topK() {
        Tries.Labels sketch = new Tries.Labels("top_k sketch");
        Tries.run(21_000_000, TRIES, (rnd, edgeCaseTry) -> {
            List<Ev> events = sketchEvents(rnd, edgeCaseTry);
            int k = ks(rnd, edgeCaseTry);
            long seed = seed(rnd, edgeCaseTry);
            Ir ir = IrPipeline.build(Aggregators.create(TOP_K, k, 0), events, new Random(seed));
            @SuppressWarnings("unchecked")
            List<ValueCount> actual = (List<ValueCount>) ir.result();
            List<ValueCount> all = NaiveAggregator.frequencies(events);
            int maxMapSize = TopKIr.maxMapSize(k);
            sketch.collect(all.size() <= 0.75 * maxMapSize ? "exact" : "purged");
            if (all.size() <= 0.75 * maxMapSize) {
                assertThat(actual).isEqualTo(all.subList(0, Math.min(k, all.size())));
                return;
            }
            long maxError = ((TopKIr) ir).maximumError();
            assertThat((double) maxError).isLessThanOrEqualTo(ItemsSketch.getEpsilon(maxMapSize) * events.size());
            assertThat(actual).hasSizeLessThanOrEqualTo(k).isSortedAccordingTo(
                    java.util.Comparator.comparingLong(ValueCount::count).reversed().thenComparing(ValueCount::value));
            java.util.Map<String, Long> truth = new java.util.HashMap<>();
            all.forEach(r -> truth.put(r.value(), r.count()));
            for (ValueCount row : actual) {
                long t = truth.getOrDefault(row.value(), 0L);
                assertThat(row.count()).as("count of %s", row.value()).isBetween(t, t + maxError);
            }
            long floor = actual.size() == k ? Math.max(actual.get(k - 1).count(), maxError) : maxError;
            java.util.Set<String> returned = new java.util.HashSet<>();
            actual.forEach(r -> returned.add(r.value()));
            for (ValueCount r : all) {
                if (!returned.contains(r.value())) {
                    assertThat(r.count()).as("true count of unreported %s", r.value()).isLessThanOrEqualTo(floor);
                }
            }
        });
        sketch.assertEachOccurred("exact", "purged");
    }
}
