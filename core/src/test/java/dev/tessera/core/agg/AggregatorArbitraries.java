package dev.tessera.core.agg;

import dev.tessera.api.Aggregation;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** Every aggregation with random parameters: k biased to small values, p anywhere in (0, 1). */
final class AggregatorArbitraries {
    private AggregatorArbitraries() {
    }

    static Arbitrary<Integer> ks() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().between(1, 5)),
                Tuple.of(1, Arbitraries.integers().between(1, 100)));
    }

    static Arbitrary<Double> ps() {
        return Arbitraries.oneOf(Arbitraries.of(0.01, 0.25, 0.5, 0.9, 0.95, 0.99),
                Arbitraries.doubles().between(0.001, 0.999).ofScale(6));
    }

    static Arbitrary<Aggregator> aggregators() {
        return Combinators.combine(Arbitraries.of(Aggregation.values()), ks(), ps())
                .as((kind, k, p) -> Aggregators.create(kind, k, p));
    }
}
