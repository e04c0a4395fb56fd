package dev.tessera.core.agg;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The random distributions behind {@link EventGenerators} and {@link AggregatorGenerators}. They
 * reproduce how the generators these properties used before docs/adr/001 drew their values, so the
 * seeded loops exercise the same inputs at the same rates:
 * <ul>
 *   <li>Integers (and decimals, as integers of their last digit) are biased towards a center — 0,
 *       or the end of the range nearest 0: the range is cut into partitions that shrink
 *       geometrically towards the center, a partition is chosen uniformly, then a value in it. Over
 *       all longs, about 1 value in 10 has |x| ≤ 15 and about 1 in 12 has |x| &gt; 2.5e13.</li>
 *   <li>Sizes of containers are uniform when the range is at most max(√genSize, 10) wide;
 *       otherwise 90% of sizes are at most that cutoff, the rest above it, and a small share
 *       exactly the maximum. genSize was the number of tries of the property.</li>
 *   <li>Edge cases are mixed in wherever they were before: a generator returns one of its edge
 *       cases in 1 of {@link #edgeCaseRatio} calls — values, events, event lists and parameters
 *       alike; not characters within a string, the source of a filter or the mix of an event list
 *       — and {@link Tries} takes every parameter from its edge cases in 1 of {@link
 *       Tries#EDGE_CASE_TRY_ODDS} tries.</li>
 *   <li>3% of containers of two or more elements hold no duplicates.</li>
 * </ul>
 */
final class Distributions {
    /** Edge-case ratio of every value generator here: none has more than genSize / 20 edge cases. */
    static final int VALUE_EDGE_CASE_RATIO = 20;

    /** Any long, biased towards 0, with its edge cases. */
    static final Integers LONGS = Integers.between(Long.MIN_VALUE, Long.MAX_VALUE);

    private Distributions() {
    }

    /** 1 in min(max(genSize / edgeCases, 5), 20) generated values is an edge case. */
    static int edgeCaseRatio(int genSize, int edgeCases) {
        return Math.min(Math.max(genSize / edgeCases, 5), 20);
    }

    /** Whether this call returns an edge case, at the given ratio. */
    static boolean edgeCase(Random rnd, int ratio) {
        return rnd.nextInt(ratio) == 0;
    }

    static <T> T pick(Random rnd, List<T> values) {
        return values.get(rnd.nextInt(values.size()));
    }

    /** One of {@code values}, with their edge cases (the first and the last) mixed in. */
    static <T> T of(Random rnd, List<T> values) {
        return edgeCase(rnd, VALUE_EDGE_CASE_RATIO) ? pick(rnd, firstAndLast(values)) : pick(rnd, values);
    }

    static <T> List<T> firstAndLast(List<T> values) {
        return List.of(values.get(0), values.get(values.size() - 1));
    }

    /** An index chosen with the given relative weights. */
    static int weighted(Random rnd, int... weights) {
        int r = rnd.nextInt(Arrays.stream(weights).sum());
        for (int i = 0; i < weights.length; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        throw new IllegalStateException();
    }

    /** Uniform in [min, max], both included, for any longs. */
    static long uniform(Random rnd, long min, long max) {
        if (max < Long.MAX_VALUE) {
            return rnd.nextLong(min, max + 1);
        }
        return min == Long.MIN_VALUE ? rnd.nextLong() : rnd.nextLong(min - 1, max) + 1;
    }

    /** A container size in [min, max] (see the class comment). */
    static int size(Random rnd, int min, int max, int genSize) {
        int offset = (int) Math.max(Math.round(Math.sqrt(genSize)), 10);
        int cutoff = max - min <= offset ? max : Math.min(offset + min, max);
        if (cutoff >= max) {
            return (int) uniform(rnd, min, max);
        }
        double maxSizeProbability = Math.min(0.02, 1.0 / (genSize / 10.0));
        if (rnd.nextDouble() <= maxSizeProbability) {
            return max;
        }
        if (rnd.nextDouble() <= 0.1 + maxSizeProbability) {
            return (int) uniform(rnd, cutoff + 1, max);
        }
        return (int) uniform(rnd, min, cutoff);
    }

    /** {@code size} elements; in 3% of lists of two or more, no element twice (given up after 10,000 repeats). */
    static <T> List<T> list(Random rnd, int size, Supplier<T> element) {
        boolean distinct = size >= 2 && rnd.nextInt(100) <= 2;
        Set<T> seen = new HashSet<>();
        List<T> out = new ArrayList<>(size);
        int repeats = 0;
        while (out.size() < size) {
            T e = element.get();
            if (distinct && !seen.add(e)) {
                distinct = ++repeats <= 10_000;
                continue;
            }
            out.add(e);
        }
        return out;
    }

    @SafeVarargs
    static <T> List<T> concat(List<? extends T>... lists) {
        List<T> all = new ArrayList<>();
        for (List<? extends T> l : lists) {
            all.addAll(l);
        }
        return Collections.unmodifiableList(all);
    }

    /**
     * Integers in [min, max], biased towards the center (see the class comment), with edge cases
     * mixed in: by default −2, −1, 0, 1, 2, min, min + 1, max − 1 and max, those in range.
     */
    static final class Integers {
        final List<Long> edgeCases;
        private final long[] lows;
        private final long[] highs;

        private Integers(long min, long max, long center, List<Long> edgeCases) {
            this.edgeCases = edgeCases;
            List<BigInteger> points = partitionPoints(BigInteger.valueOf(min), BigInteger.valueOf(max), BigInteger.valueOf(center));
            Collections.sort(points);
            List<long[]> partitions = new ArrayList<>();
            long lower = min;
            for (BigInteger p : points) {
                long upper = p.longValueExact();
                if (upper <= lower) {
                    continue;
                }
                if (upper >= max) {
                    break;
                }
                partitions.add(new long[] {lower, upper - 1});
                lower = upper;
            }
            partitions.add(new long[] {lower, max});
            lows = partitions.stream().mapToLong(r -> r[0]).toArray();
            highs = partitions.stream().mapToLong(r -> r[1]).toArray();
        }

        static Integers between(long min, long max) {
            List<Long> edges = new ArrayList<>(new LinkedHashSet<>(List.of(-2L, -1L, 0L, 2L, 1L, min, min + 1, max, max - 1)));
            edges.removeIf(v -> v < min || v > max);
            return new Integers(min, max, center(min, max), List.copyOf(edges));
        }

        /** The unscaled values of decimals in [min, max] with {@code scale} digits after the point. */
        static Integers unscaled(BigDecimal min, BigDecimal max, int scale) {
            long lo = min.setScale(scale).unscaledValue().longValueExact();
            long hi = max.setScale(scale).unscaledValue().longValueExact();
            long one = BigDecimal.ONE.setScale(scale).unscaledValue().longValueExact();
            List<Long> edges = new ArrayList<>(List.of(0L, one, -one, 1L, -1L, lo, hi));
            edges.removeIf(v -> v < lo || v > hi);
            return new Integers(lo, hi, center(lo, hi), List.copyOf(edges));
        }

        private static long center(long min, long max) {
            return min <= 0 && 0 <= max ? 0 : min > 0 ? min : max;
        }

        /** A value, an edge case in 1 of {@link #VALUE_EDGE_CASE_RATIO}. */
        long next(Random rnd) {
            return edgeCase(rnd, VALUE_EDGE_CASE_RATIO) ? pick(rnd, edgeCases) : nextBiased(rnd);
        }

        /** A value from the biased distribution alone, without edge cases. */
        long nextBiased(Random rnd) {
            int i = rnd.nextInt(lows.length);
            return uniform(rnd, lows[i], highs[i]);
        }

        private static List<BigInteger> partitionPoints(BigInteger min, BigInteger max, BigInteger center) {
            List<BigInteger> points = new ArrayList<>();
            if (center.compareTo(max) >= 0) {
                points.addAll(towards(min, max, BigInteger.ONE.negate()));
            } else if (center.compareTo(min) <= 0) {
                points.addAll(towards(max, min, BigInteger.ONE));
            } else {
                points.addAll(towards(min, center, BigInteger.ONE.negate()));
                points.addAll(towards(max, center, BigInteger.ONE));
                if (!points.isEmpty()) {
                    points.add(center);
                }
            }
            return points;
        }

        /** Points from {@code from} towards {@code to}, each cutting the remaining distance by a ratio that falls with its size. */
        private static List<BigInteger> towards(BigInteger from, BigInteger to, BigInteger step) {
            List<BigInteger> points = new ArrayList<>();
            BigInteger point = from;
            while (true) {
                BigInteger range = to.subtract(point).abs();
                if (range.compareTo(BigInteger.valueOf(20)) <= 0) {
                    return points;
                }
                int decimals = range.bitLength() / 10 * 3;
                long ratio = Math.max((long) Math.pow(decimals / 5.0, 10), 3);
                BigInteger distance = range.divide(BigInteger.valueOf(ratio));
                if (distance.signum() == 0) {
                    return points;
                }
                point = to.add(step.multiply(distance));
                points.add(point);
            }
        }
    }

    /** Decimals in [min, max] with {@code scale} digits, as doubles: biased integers of the last digit, and their edge cases. */
    static final class Decimals {
        private final Integers unscaled;
        private final int scale;
        final List<Double> edgeCases;

        Decimals(double min, double max, int scale) {
            this.unscaled = Integers.unscaled(BigDecimal.valueOf(min), BigDecimal.valueOf(max), scale);
            this.scale = scale;
            this.edgeCases = unscaled.edgeCases.stream().map(this::toDouble).toList();
        }

        double next(Random rnd) {
            return toDouble(unscaled.next(rnd));
        }

        private double toDouble(long unscaledValue) {
            return BigDecimal.valueOf(unscaledValue, scale).doubleValue();
        }
    }

    /** Characters from one or more ranges, uniformly; their edge cases (for strings): the ends of each range. */
    static final class Chars {
        private final char[][] ranges;
        final List<Character> edgeCases;

        Chars(char... bounds) {
            ranges = new char[bounds.length / 2][];
            List<Character> edges = new ArrayList<>();
            for (int i = 0; i < ranges.length; i++) {
                ranges[i] = new char[] {bounds[2 * i], bounds[2 * i + 1]};
                edges.addAll(rangeEdges(ranges[i]));
            }
            edgeCases = List.copyOf(edges);
        }

        private static List<Character> rangeEdges(char[] range) {
            List<Character> edges = new ArrayList<>(List.of(range[0], range[1]));
            if (range[0] <= ' ' && ' ' <= range[1]) {
                edges.add(' ');
            }
            return edges;
        }

        int count() {
            int n = 0;
            for (char[] r : ranges) {
                n += r[1] - r[0] + 1;
            }
            return n;
        }

        /** Uniform over all characters of the ranges (no edge cases: strings mix in their own). */
        char next(Random rnd) {
            int i = (int) uniform(rnd, 0, count() - 1);
            for (char[] r : ranges) {
                if (i <= r[1] - r[0]) {
                    return (char) (r[0] + i);
                }
                i -= r[1] - r[0] + 1;
            }
            throw new IllegalStateException();
        }

        /**
         * Strings of {@code minLength..maxLength} of these characters, lengths uniform (no length
         * range here is wider than the size cutoff). Edge cases: the empty string, one-character
         * strings and, for a fixed length above 1, a character edge case repeated.
         */
        String string(Random rnd, int minLength, int maxLength) {
            if (edgeCase(rnd, VALUE_EDGE_CASE_RATIO)) {
                return pick(rnd, stringEdgeCases(minLength, maxLength));
            }
            int length = (int) uniform(rnd, minLength, maxLength);
            boolean distinct = length >= 2 && length <= count() && rnd.nextInt(100) <= 2;
            StringBuilder s = new StringBuilder(length);
            Set<Character> seen = new HashSet<>();
            int repeats = 0;
            while (s.length() < length) {
                char c = next(rnd);
                if (distinct && !seen.add(c)) {
                    distinct = ++repeats <= 10_000;
                    continue;
                }
                s.append(c);
            }
            return s.toString();
        }

        List<String> stringEdgeCases(int minLength, int maxLength) {
            List<String> edges = new ArrayList<>();
            if (minLength == 0) {
                edges.add("");
            }
            if (minLength <= 1 && maxLength >= 1) {
                edgeCases.forEach(c -> edges.add(String.valueOf(c)));
            }
            if (minLength == maxLength && minLength > 1) {
                edgeCases.forEach(c -> edges.add(String.valueOf(c).repeat(minLength)));
            }
            return edges;
        }
    }
}
