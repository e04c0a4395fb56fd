package dev.tessera.core.agg;

import static dev.tessera.core.agg.Distributions.VALUE_EDGE_CASE_RATIO;
import static dev.tessera.core.agg.Distributions.concat;
import static dev.tessera.core.agg.Distributions.edgeCase;
import static dev.tessera.core.agg.Distributions.firstAndLast;
import static dev.tessera.core.agg.Distributions.pick;
import static dev.tessera.core.agg.Distributions.weighted;

import dev.tessera.api.Aggregation;
import dev.tessera.core.agg.Distributions.Decimals;
import dev.tessera.core.agg.Distributions.Integers;
import java.util.List;
import java.util.Random;

/**
 * Every aggregation with random parameters: k biased to small values, p anywhere in (0, 1). Plain
 * functions of a seeded {@link Random} (docs/adr/001), edge cases mixed in as described in
 * {@link Distributions}.
 */
final class AggregatorGenerators {
    private static final List<Aggregation> KINDS = List.of(Aggregation.values());

    private static final Integers SMALL_KS = Integers.between(1, 5);
    private static final Integers ANY_KS = Integers.between(1, 100);
    static final List<Integer> K_EDGE_CASES = concat(SMALL_KS.edgeCases, ANY_KS.edgeCases).stream()
            .map(Long::intValue).toList();

    private static final List<Double> COMMON_PS = List.of(0.01, 0.25, 0.5, 0.9, 0.95, 0.99);
    private static final Decimals ANY_PS = new Decimals(0.001, 0.999, 6);
    static final List<Double> P_EDGE_CASES = concat(firstAndLast(COMMON_PS), ANY_PS.edgeCases);

    /** Edge cases of {@link #aggregators}: every combination of a kind, a k and a p edge case. */
    private static final int AGGREGATOR_EDGE_CASES = 2 * K_EDGE_CASES.size() * P_EDGE_CASES.size();

    private AggregatorGenerators() {
    }

    /** 1..5 three times in four, else 1..100. */
    static int ks(Random rnd) {
        if (edgeCase(rnd, VALUE_EDGE_CASE_RATIO)) {
            return pick(rnd, K_EDGE_CASES);
        }
        return (int) (weighted(rnd, 3, 1) == 0 ? SMALL_KS.next(rnd) : ANY_KS.next(rnd));
    }

    /** A common percentile or any p in [0.001, 0.999] with 6 decimals, each half the time. */
    static double ps(Random rnd) {
        if (edgeCase(rnd, VALUE_EDGE_CASE_RATIO)) {
            return pick(rnd, P_EDGE_CASES);
        }
        return rnd.nextBoolean() ? Distributions.of(rnd, COMMON_PS) : ANY_PS.next(rnd);
    }

    /** Any aggregation, with k and p as {@link #ks} and {@link #ps}; {@code genSize} is the property's tries. */
    static Aggregator aggregators(Random rnd, int genSize) {
        if (edgeCase(rnd, Distributions.edgeCaseRatio(genSize, AGGREGATOR_EDGE_CASES))) {
            return aggregatorsEdgeCase(rnd);
        }
        Aggregation kind = Distributions.of(rnd, KINDS);
        int k = ks(rnd);
        double p = ps(rnd);
        return Aggregators.create(kind, k, p);
    }

    /** An edge case of {@link #aggregators}: the first or the last kind, with a k and a p edge case. */
    static Aggregator aggregatorsEdgeCase(Random rnd) {
        return Aggregators.create(pick(rnd, firstAndLast(KINDS)), pick(rnd, K_EDGE_CASES), pick(rnd, P_EDGE_CASES));
    }
}
