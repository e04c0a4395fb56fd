package dev.tessera.core.agg;

import static dev.tessera.core.agg.Distributions.VALUE_EDGE_CASE_RATIO;
import static dev.tessera.core.agg.Distributions.concat;
import static dev.tessera.core.agg.Distributions.edgeCase;
import static dev.tessera.core.agg.Distributions.firstAndLast;
import static dev.tessera.core.agg.Distributions.pick;
import static dev.tessera.core.agg.Distributions.weighted;

import dev.tessera.core.agg.Distributions.Chars;
import dev.tessera.core.agg.Distributions.Decimals;
import dev.tessera.core.agg.Distributions.Integers;
import dev.tessera.core.agg.NaiveAggregator.Ev;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Random event lists for the property tests: very large and negative longs, doubles of every
 * magnitude (random bit patterns, including subnormals), values that tie across types (1 and 1.0,
 * 0.0 and -0.0, 2^53), duplicated values, strings, booleans, many events in the same millisecond and
 * with the same or no id.
 *
 * <p>Plain functions of a seeded {@link Random} (docs/adr/001). Each generator mixes in its edge
 * cases as described in {@link Distributions}; the {@code …EdgeCase} functions return one of the
 * edge cases of a whole parameter, for the tries {@link Tries} marks as edge-case tries.
 */
final class EventGenerators {
    /** What kinds of values one list holds: integer-only and double-only lists take other code paths. */
    enum Mix { LONGS, DOUBLES, NUMBERS, STRINGS, ANYTHING, MANY_DISTINCT }

    /**
     * Edge-case ratio of events and event lists: their edge cases (every combination of a value, a
     * time and an id edge case; the empty list and every one-event list of those) number about
     * genSize, which makes the ratio min(max(genSize / count, 5), 20) equal to 5.
     */
    static final int EVENT_EDGE_CASE_RATIO = 5;

    private static final Integers SMALL_LONGS = Integers.between(-5, 5);
    private static final Integers ANY_LONGS = Distributions.LONGS;
    private static final List<Long> SPECIAL_LONGS = List.of(Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1,
            Long.MIN_VALUE + 1, 1L << 53, (1L << 53) + 1, -(1L << 53) - 1);
    static final List<Long> LONG_EDGE_CASES = concat(SMALL_LONGS.edgeCases, ANY_LONGS.edgeCases, firstAndLast(SPECIAL_LONGS));

    private static final List<Double> SPECIAL_DOUBLES = List.of(0.0, -0.0, 1.0, -1.0, 0.1, 0.5, -2.5, 3.0, 1e-300,
            Double.MIN_VALUE, 0x1p53, 0x1p63, -0x1p63, 1e16);
    private static final Decimals MILLION = new Decimals(-1e6, 1e6, 4);
    /** Edge cases of random bit patterns: those of any long, as doubles, that are finite. */
    private static final List<Double> BITS_EDGE_CASES = ANY_LONGS.edgeCases.stream().map(Double::longBitsToDouble)
            .filter(Double::isFinite).toList();
    static final List<Double> DOUBLE_EDGE_CASES = concat(firstAndLast(SPECIAL_DOUBLES), MILLION.edgeCases, BITS_EDGE_CASES);

    private static final List<String> SPECIAL_STRINGS = List.of("", "a", "b", "ab", "B", "é", "\uD83D\uDE00", "true", "1", "1.0");
    private static final Chars WORD_CHARS = new Chars('a', 'z', '\u00e0', '\u00ff', '\u4e00', '\u4e0f');
    static final List<String> STRING_EDGE_CASES = concat(firstAndLast(SPECIAL_STRINGS), WORD_CHARS.stringEdgeCases(0, 6));

    private static final List<Boolean> BOOLEANS = List.of(true, false);
    private static final Chars DISTINCT_CHARS = new Chars('a', 'z', '\u4e00', '\u9fff');
    private static final List<Object> NUMBER_EDGE_CASES = concat(LONG_EDGE_CASES, DOUBLE_EDGE_CASES);
    private static final List<Object> DISTINCT_EDGE_CASES = concat(ANY_LONGS.edgeCases, DISTINCT_CHARS.stringEdgeCases(8, 8));
    private static final List<Object> ANYTHING_EDGE_CASES = concat(LONG_EDGE_CASES, DOUBLE_EDGE_CASES, STRING_EDGE_CASES,
            firstAndLast(BOOLEANS));

    private static final Integers EARLY = Integers.between(0, 3);
    private static final Integers RECENT = Integers.between(1_700_000_000_000L, 1_700_000_000_050L);
    static final List<Long> TIME_EDGE_CASES = concat(EARLY.edgeCases, RECENT.edgeCases, ANY_LONGS.edgeCases);

    private static final List<String> COMMON_IDS = List.of("a", "b", "c");
    private static final Chars ALPHA = new Chars('A', 'Z', 'a', 'z');
    private static final List<String> NON_NULL_ID_EDGE_CASES = concat(firstAndLast(COMMON_IDS), ALPHA.stringEdgeCases(0, 3));
    static final List<String> ID_EDGE_CASES = concat(Arrays.asList((String) null), NON_NULL_ID_EDGE_CASES);

    private static final Integers FEW = Integers.between(0, 3);
    private static final Integers SOME = Integers.between(0, 40);
    private static final Decimals THOUSAND = new Decimals(-1e3, 1e3, 3);
    private static final List<Object> WIDE_EDGE_CASES = concat(FEW.edgeCases, SOME.edgeCases, ANY_LONGS.edgeCases,
            THOUSAND.edgeCases, ALPHA.stringEdgeCases(6, 6));

    private EventGenerators() {
    }

    static long longs(Random rnd) {
        if (edgeCase(rnd, VALUE_EDGE_CASE_RATIO)) {
            return pick(rnd, LONG_EDGE_CASES);
        }
        switch (weighted(rnd, 4, 3, 1)) {
            case 0:
                return SMALL_LONGS.next(rnd);
            case 1:
                return ANY_LONGS.next(rnd);
            default:
                return Distributions.of(rnd, SPECIAL_LONGS);
        }
    }

    /** Finite doubles; with {@code bounded}, |x| ≤ 1e300 so that sums of a few hundred cannot overflow. */
    static double doubles(Random rnd, boolean bounded) {
        if (edgeCase(rnd, VALUE_EDGE_CASE_RATIO)) {
            return pick(rnd, DOUBLE_EDGE_CASES);
        }
        switch (weighted(rnd, 3, 3, 2)) {
            case 0:
                return Distributions.of(rnd, SPECIAL_DOUBLES);
            case 1:
                return MILLION.next(rnd);
            default:
                return bits(rnd, bounded ? 1e300 : Double.MAX_VALUE);
        }
    }

    /** A random bit pattern (a biased long) that is a finite double within ±limit; redrawn until it is. */
    private static double bits(Random rnd, double limit) {
        if (edgeCase(rnd, VALUE_EDGE_CASE_RATIO)) {
            return pick(rnd, BITS_EDGE_CASES);
        }
        while (true) {
            double d = Double.longBitsToDouble(ANY_LONGS.nextBiased(rnd));
            if (Double.isFinite(d) && Math.abs(d) <= limit) {
                return d;
            }
        }
    }

    static String strings(Random rnd) {
        if (edgeCase(rnd, VALUE_EDGE_CASE_RATIO)) {
            return pick(rnd, STRING_EDGE_CASES);
        }
        return weighted(rnd, 3, 1) == 0 ? Distributions.of(rnd, SPECIAL_STRINGS) : WORD_CHARS.string(rnd, 0, 6);
    }

    static Object values(Random rnd, Mix mix, boolean boundedDoubles) {
        switch (mix) {
            case LONGS:
                return longs(rnd);
            case DOUBLES:
                return doubles(rnd, boundedDoubles);
            case NUMBERS:
                if (edgeCase(rnd, VALUE_EDGE_CASE_RATIO)) {
                    return pick(rnd, NUMBER_EDGE_CASES);
                }
                return rnd.nextBoolean() ? (Object) longs(rnd) : (Object) doubles(rnd, boundedDoubles);
            case STRINGS:
                return strings(rnd);
            case MANY_DISTINCT:
                if (edgeCase(rnd, VALUE_EDGE_CASE_RATIO)) {
                    return pick(rnd, DISTINCT_EDGE_CASES);
                }
                return rnd.nextBoolean() ? (Object) ANY_LONGS.next(rnd) : (Object) DISTINCT_CHARS.string(rnd, 8, 8);
            default:
                if (edgeCase(rnd, VALUE_EDGE_CASE_RATIO)) {
                    return pick(rnd, ANYTHING_EDGE_CASES);
                }
                switch (weighted(rnd, 3, 3, 3, 1)) {
                    case 0:
                        return longs(rnd);
                    case 1:
                        return doubles(rnd, boundedDoubles);
                    case 2:
                        return strings(rnd);
                    default:
                        return Distributions.of(rnd, BOOLEANS);
                }
        }
    }

    private static List<?> valueEdgeCases(Mix mix) {
        switch (mix) {
            case LONGS:
                return LONG_EDGE_CASES;
            case DOUBLES:
                return DOUBLE_EDGE_CASES;
            case NUMBERS:
                return NUMBER_EDGE_CASES;
            case STRINGS:
                return STRING_EDGE_CASES;
            case MANY_DISTINCT:
                return DISTINCT_EDGE_CASES;
            default:
                return ANYTHING_EDGE_CASES;
        }
    }

    static long times(Random rnd) {
        if (edgeCase(rnd, VALUE_EDGE_CASE_RATIO)) {
            return pick(rnd, TIME_EDGE_CASES);
        }
        switch (weighted(rnd, 4, 2, 1)) {
            case 0:
                return EARLY.next(rnd);
            case 1:
                return RECENT.next(rnd);
            default:
                return ANY_LONGS.next(rnd);
        }
    }

    /** "a", "b", "c" or up to 3 letters; null (no id) in 35%. */
    static String ids(Random rnd) {
        if (edgeCase(rnd, VALUE_EDGE_CASE_RATIO)) {
            return pick(rnd, ID_EDGE_CASES);
        }
        if (weighted(rnd, 350, 650) == 0) {
            return null;
        }
        if (edgeCase(rnd, VALUE_EDGE_CASE_RATIO)) {
            return pick(rnd, NON_NULL_ID_EDGE_CASES);
        }
        return weighted(rnd, 3, 1) == 0 ? Distributions.of(rnd, COMMON_IDS) : ALPHA.string(rnd, 0, 3);
    }

    private static Ev event(Random rnd, Mix mix, boolean boundedDoubles) {
        if (edgeCase(rnd, EVENT_EDGE_CASE_RATIO)) {
            return edgeCaseEvent(rnd, valueEdgeCases(mix));
        }
        return new Ev(values(rnd, mix, boundedDoubles), times(rnd), ids(rnd));
    }

    private static Ev edgeCaseEvent(Random rnd, List<?> valueEdgeCases) {
        return new Ev(pick(rnd, valueEdgeCases), pick(rnd, TIME_EDGE_CASES), pick(rnd, ID_EDGE_CASES));
    }

    /**
     * A list of up to {@code maxSize} events of one {@link Mix} (three times as many for
     * MANY_DISTINCT), its size drawn as in {@link Distributions#size} with the property's tries
     * as {@code genSize}.
     */
    static List<Ev> events(Random rnd, int genSize, int maxSize, boolean boundedDoubles) {
        if (edgeCase(rnd, EVENT_EDGE_CASE_RATIO)) {
            return eventsEdgeCase(rnd, genSize);
        }
        Mix mix = pick(rnd, List.of(Mix.values()));
        if (edgeCase(rnd, EVENT_EDGE_CASE_RATIO)) {
            return listEdgeCase(rnd, genSize, mix);
        }
        int size = Distributions.size(rnd, 0, mix == Mix.MANY_DISTINCT ? maxSize * 3 : maxSize, genSize);
        return Distributions.list(rnd, size, () -> event(rnd, mix, boundedDoubles));
    }

    /** An edge case of {@link #events}: a list of the first or the last mix that is empty or holds one edge-case event. */
    static List<Ev> eventsEdgeCase(Random rnd, int genSize) {
        return listEdgeCase(rnd, genSize, pick(rnd, firstAndLast(List.of(Mix.values()))));
    }

    /** The empty list (1 of about genSize edge cases) or a one-event list of an edge-case event. */
    private static List<Ev> listEdgeCase(Random rnd, int genSize, Mix mix) {
        return rnd.nextInt(genSize) == 0 ? List.of() : List.of(edgeCaseEvent(rnd, valueEdgeCases(mix)));
    }

    /**
     * Longer lists (100 to 1,000 events, uniformly) over a skewed domain — a few very frequent
     * values, some moderately frequent, many unique — so that approx_distinct leaves its exact set,
     * top_k's sketch purges and approx_percentile's KLL sketch compacts in a good share of the
     * tries. No edge cases as a whole (none has at most one event).
     */
    static List<Ev> wideEvents(Random rnd) {
        int size = (int) Distributions.uniform(rnd, 100, 1000);
        return Distributions.list(rnd, size, () -> wideEvent(rnd));
    }

    private static Ev wideEvent(Random rnd) {
        if (edgeCase(rnd, EVENT_EDGE_CASE_RATIO)) {
            return edgeCaseEvent(rnd, WIDE_EDGE_CASES);
        }
        return new Ev(wideValue(rnd), times(rnd), ids(rnd));
    }

    private static Object wideValue(Random rnd) {
        if (edgeCase(rnd, VALUE_EDGE_CASE_RATIO)) {
            return pick(rnd, WIDE_EDGE_CASES);
        }
        switch (weighted(rnd, 3, 2, 3, 1, 1)) {
            case 0:
                return FEW.next(rnd);
            case 1:
                return SOME.next(rnd);
            case 2:
                return ANY_LONGS.next(rnd);
            case 3:
                return THOUSAND.next(rnd);
            default:
                return ALPHA.string(rnd, 6, 6);
        }
    }

    /**
     * Short lists as {@link #events}{@code (rnd, genSize, maxSize, false)} or long ones as {@link
     * #wideEvents}, each half the time; edge cases are those of the short lists.
     */
    static List<Ev> shortOrWideEvents(Random rnd, int genSize, int maxSize) {
        if (edgeCase(rnd, EVENT_EDGE_CASE_RATIO)) {
            return eventsEdgeCase(rnd, genSize);
        }
        return rnd.nextBoolean() ? events(rnd, genSize, maxSize, false) : wideEvents(rnd);
    }
}
