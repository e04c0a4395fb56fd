package dev.tessera.core.agg;

import dev.tessera.core.agg.NaiveAggregator.Ev;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;

/**
 * Random event lists for the property tests: very large and negative longs, doubles of every
 * magnitude (random bit patterns, including subnormals), values that tie across types (1 and 1.0,
 * 0.0 and -0.0, 2^53), duplicated values, strings, booleans, many events in the same millisecond and
 * with the same or no id.
 */
final class EventArbitraries {
    /** What kinds of values one list holds: integer-only and double-only lists take other code paths. */
    enum Mix { LONGS, DOUBLES, NUMBERS, STRINGS, ANYTHING, MANY_DISTINCT }

    private EventArbitraries() {
    }

    static Arbitrary<Long> longs() {
        return Arbitraries.frequencyOf(
                weighted(4, Arbitraries.longs().between(-5, 5)),
                weighted(3, Arbitraries.longs()),
                weighted(1, Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE + 1,
                        1L << 53, (1L << 53) + 1, -(1L << 53) - 1)));
    }

    /** Finite doubles; with {@code bounded}, |x| ≤ 1e300 so that sums of a few hundred cannot overflow. */
    static Arbitrary<Double> doubles(boolean bounded) {
        double limit = bounded ? 1e300 : Double.MAX_VALUE;
        return Arbitraries.frequencyOf(
                weighted(3, Arbitraries.of(0.0, -0.0, 1.0, -1.0, 0.1, 0.5, -2.5, 3.0, 1e-300, Double.MIN_VALUE,
                        0x1p53, 0x1p63, -0x1p63, 1e16)),
                weighted(3, Arbitraries.doubles().between(-1e6, 1e6).ofScale(4)),
                weighted(2, Arbitraries.longs().map(Double::longBitsToDouble)
                        .filter(d -> Double.isFinite(d) && Math.abs(d) <= limit)));
    }

    static Arbitrary<String> strings() {
        return Arbitraries.frequencyOf(
                weighted(3, Arbitraries.of("", "a", "b", "ab", "B", "é", "\uD83D\uDE00", "true", "1", "1.0")),
                weighted(1, Arbitraries.strings().withCharRange('a', 'z').withCharRange('\u00e0', '\u00ff')
                        .withCharRange('\u4e00', '\u4e0f').ofMaxLength(6)));
    }

    static Arbitrary<Object> values(Mix mix, boolean boundedDoubles) {
        Arbitrary<Object> longs = longs().map(x -> x);
        Arbitrary<Object> doubles = doubles(boundedDoubles).map(x -> x);
        Arbitrary<Object> strings = strings().map(x -> x);
        Arbitrary<Object> booleans = Arbitraries.of(true, false).map(x -> x);
        switch (mix) {
            case LONGS:
                return longs;
            case DOUBLES:
                return doubles;
            case NUMBERS:
                return Arbitraries.oneOf(longs, doubles);
            case STRINGS:
                return strings;
            case MANY_DISTINCT:
                return Arbitraries.oneOf(Arbitraries.longs().map(x -> x), Arbitraries.strings().withCharRange('a', 'z').withCharRange('\u4e00', '\u9fff').ofLength(8).map(x -> x));
            default:
                return Arbitraries.frequencyOf(weighted(3, longs), weighted(3, doubles), weighted(3, strings), weighted(1, booleans));
        }
    }

    static Arbitrary<Long> times() {
        return Arbitraries.frequencyOf(
                weighted(4, Arbitraries.longs().between(0, 3)),
                weighted(2, Arbitraries.longs().between(1_700_000_000_000L, 1_700_000_000_050L)),
                weighted(1, Arbitraries.longs()));
    }

    static Arbitrary<String> ids() {
        return Arbitraries.frequencyOf(
                weighted(3, Arbitraries.of("a", "b", "c")),
                weighted(1, Arbitraries.strings().alpha().ofMaxLength(3)))
                .injectNull(0.35);
    }

    static Arbitrary<List<Ev>> events(int maxSize, boolean boundedDoubles) {
        return Arbitraries.of(Mix.values()).flatMap(mix -> {
            Arbitrary<Ev> event = Combinators.combine(values(mix, boundedDoubles), times(), ids()).as(Ev::new);
            return event.list().ofMaxSize(mix == Mix.MANY_DISTINCT ? maxSize * 3 : maxSize);
        });
    }

    /**
     * Longer lists (up to 1,000 events) over a skewed domain — a few very frequent values, some
     * moderately frequent, many unique — so that approx_distinct leaves its exact set, top_k's
     * sketch purges and approx_percentile's KLL sketch compacts in a good share of the tries.
     */
    static Arbitrary<List<Ev>> wideEvents() {
        Arbitrary<Object> value = Arbitraries.frequencyOf(
                weighted(3, Arbitraries.longs().between(0, 3).map(x -> (Object) x)),
                weighted(2, Arbitraries.longs().between(0, 40).map(x -> (Object) x)),
                weighted(3, Arbitraries.longs().map(x -> (Object) x)),
                weighted(1, Arbitraries.doubles().between(-1e3, 1e3).ofScale(3).map(x -> (Object) x)),
                weighted(1, Arbitraries.strings().alpha().ofLength(6).map(x -> (Object) x)));
        Arbitrary<Ev> event = Combinators.combine(value, times(), ids()).as(Ev::new);
        return event.list().ofMinSize(100).ofMaxSize(1000).withSizeDistribution(RandomDistribution.uniform());
    }

    private static <T> Tuple2<Integer, Arbitrary<? extends T>> weighted(int weight, Arbitrary<T> a) {
        return Tuple.of(weight, a);
    }
}
