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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.apache.datasketches.hll.HllSketch;

/**
 * Every aggregator against {@link NaiveAggregator}: random events, split into parts added in random
 * order, IRs passed through encode/decode and copies, merged in random order (see {@link IrPipeline}).
 * Exact aggregations must match exactly; double sums and averages within the compensated-summation
 * bound; sketches within the library's published error bounds.
 */
class AggregatorOracleTest {
    private static final int TRIES = 1000;

    @Provide
    Arbitrary<List<Ev>> events() {
        return EventArbitraries.events(60, false);
    }

    /** Doubles bounded by 1e300 so that no partial sum overflows (IEEE overflow is not order-independent). */
    @Provide
    Arbitrary<List<Ev>> summable() {
        return EventArbitraries.events(60, true);
    }

    /** Short lists as above, and long lists over a skewed domain that push the sketches past their exact modes. */
    @Provide
    Arbitrary<List<Ev>> sketchEvents() {
        return Arbitraries.oneOf(EventArbitraries.events(60, false), EventArbitraries.wideEvents());
    }

    @Provide
    Arbitrary<Integer> ks() {
        return AggregatorArbitraries.ks();
    }

    @Provide
    Arbitrary<Double> ps() {
        return AggregatorArbitraries.ps();
    }

    private static Object run(Aggregator agg, List<Ev> events, long seed) {
        Ir ir = IrPipeline.build(agg, events, new Random(seed));
        Object result = ir.result();
        if (ir.isEmpty()) {
            assertThat(result).isEqualTo(agg.emptyResult());
        }
        return result;
    }

    @Property(tries = TRIES)
    void count(@ForAll("events") List<Ev> events, @ForAll long seed) {
        assertThat(run(Aggregators.create(COUNT), events, seed)).isEqualTo((long) events.size());
    }

    @Property(tries = TRIES)
    void sum(@ForAll("summable") List<Ev> events, @ForAll long seed) {
        Object actual = run(Aggregators.create(SUM), events, seed);
        Object expected = NaiveAggregator.sum(events);
        Statistics.label("input").collect(NaiveAggregator.anyDouble(events) ? "with doubles"
                : expected instanceof Double ? "integers past the long range" : "integers");
        if (!NaiveAggregator.anyDouble(events)) {
            assertThat(actual).isEqualTo(expected); // integer sums are exact, even past the long range
        } else {
            assertThat(actual).isInstanceOf(Double.class);
            assertWithinSumBound((Double) actual, NaiveAggregator.exactSum(events), absSum(events), 1);
        }
    }

    @Property(tries = TRIES)
    void avg(@ForAll("summable") List<Ev> events, @ForAll long seed) {
        Double actual = (Double) run(Aggregators.create(AVG), events, seed);
        Double expected = NaiveAggregator.avg(events);
        if (expected == null || !NaiveAggregator.anyDouble(events)) {
            assertThat(actual).isEqualTo(expected); // the correctly rounded exact quotient
        } else {
            int n = NaiveAggregator.numbers(events).size();
            assertWithinSumBound(actual, NaiveAggregator.exactSum(events), absSum(events), n);
        }
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

    @Property(tries = TRIES)
    void min(@ForAll("events") List<Ev> events, @ForAll long seed) {
        assertThat(run(Aggregators.create(MIN), events, seed)).isEqualTo(NaiveAggregator.extreme(events, false));
    }

    @Property(tries = TRIES)
    void max(@ForAll("events") List<Ev> events, @ForAll long seed) {
        assertThat(run(Aggregators.create(MAX), events, seed)).isEqualTo(NaiveAggregator.extreme(events, true));
    }

    @Property(tries = TRIES)
    void first(@ForAll("events") List<Ev> events, @ForAll long seed) {
        assertThat(run(Aggregators.create(FIRST), events, seed)).isEqualTo(NaiveAggregator.firstOrLast(events, false));
    }

    @Property(tries = TRIES)
    void last(@ForAll("events") List<Ev> events, @ForAll long seed) {
        assertThat(run(Aggregators.create(LAST), events, seed)).isEqualTo(NaiveAggregator.firstOrLast(events, true));
    }

    @Property(tries = TRIES)
    void lastK(@ForAll("events") List<Ev> events, @ForAll("ks") int k, @ForAll long seed) {
        assertThat(run(Aggregators.create(LAST_K, k, 0), events, seed)).isEqualTo(NaiveAggregator.lastK(events, k));
    }

    /**
     * Exact up to {@link DistinctIr#EXACT_LIMIT} distinct values; beyond, within 3 standard errors
     * of the published HLL relative error for merged sketches (0.574% at lgK 15).
     */
    @Property(tries = TRIES)
    void approxDistinct(@ForAll("sketchEvents") List<Ev> events, @ForAll long seed) {
        Ir ir = IrPipeline.build(Aggregators.create(APPROX_DISTINCT), events, new Random(seed));
        long expected = NaiveAggregator.distinct(events);
        long actual = (Long) ir.result();
        Statistics.label("mode").collect(expected <= DistinctIr.EXACT_LIMIT ? "exact" : "hll");
        if (expected <= DistinctIr.EXACT_LIMIT) {
            assertThat(actual).isEqualTo(expected);
            assertThat(((DistinctIr) ir).isEstimating()).isFalse();
        } else {
            double threeSigma = HllSketch.getRelErr(true, true, DistinctIr.LG_K, 3);
            assertThat((double) Math.abs(actual - expected)).isLessThanOrEqualTo(threeSigma * expected);
        }
    }

    /**
     * The returned value is one of the numbers, and its normalized rank interval
     * [count(x &lt; v)/n, count(x ≤ v)/n] is within the sketch's rank error of p (0 while the sketch
     * is exact, i.e. at most 300 numbers; 1e-12 absorbs the library's floating-point rank arithmetic).
     */
    @Property(tries = TRIES)
    void approxPercentile(@ForAll("sketchEvents") List<Ev> events, @ForAll("ps") double p, @ForAll long seed) {
        Ir ir = IrPipeline.build(Aggregators.create(APPROX_PERCENTILE, 0, p), events, new Random(seed));
        List<Double> numbers = NaiveAggregator.numbers(events).stream().map(v -> ((Number) v).doubleValue()).toList();
        Double v = (Double) ir.result();
        Statistics.label("numbers").collect(numbers.isEmpty() ? "none" : numbers.size() <= PercentileIr.K ? "exact sketch" : "compacted sketch");
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
    }

    /**
     * Exact while the number of distinct values is at most 0.75·maxMapSize; beyond, every count is
     * an overestimate by at most the sketch's maximum error, that error is within the a-priori
     * bound ε·N, and no value missing from the result can be a heavier hitter than those returned.
     */
    @Property(tries = TRIES)
    void topK(@ForAll("sketchEvents") List<Ev> events, @ForAll("ks") int k, @ForAll long seed) {
        Ir ir = IrPipeline.build(Aggregators.create(TOP_K, k, 0), events, new Random(seed));
        @SuppressWarnings("unchecked")
        List<ValueCount> actual = (List<ValueCount>) ir.result();
        List<ValueCount> all = NaiveAggregator.frequencies(events);
        int maxMapSize = TopKIr.maxMapSize(k);
        Statistics.label("sketch").collect(all.size() <= 0.75 * maxMapSize ? "exact" : "purged");
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
    }
}
