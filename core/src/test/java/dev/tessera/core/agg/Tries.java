package dev.tessera.core.agg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Runs a property as a loop over a fixed range of seeds (docs/adr/001): the try with seed {@code s}
 * builds its whole case from {@code new Random(s)}. Seed ranges of different properties do not
 * overlap, so a seed names its property too. A failure reports its seed; {@code
 * -Dtessera.seed=s} runs only that try (and no try of any other property).
 *
 * <p>One try in {@link #EDGE_CASE_TRY_ODDS} is an edge-case try: the property then takes every
 * parameter from that parameter's edge cases (the {@code …EdgeCase} generators).
 */
final class Tries {
    /**
     * Edge-case tries are 1 in (r + 1), with r = min(max(tries / edge-case combinations, 5), 20);
     * every property here has at least as many combinations of parameter edge cases as tries, so r = 5.
     */
    static final int EDGE_CASE_TRY_ODDS = 6;

    private static final String SEED_PROPERTY = "tessera.seed";

    /** One try of a property. */
    @FunctionalInterface
    interface Try {
        void check(Random rnd, boolean edgeCaseTry);
    }

    private Tries() {
    }

    /** Whether {@code -Dtessera.seed} selects a single try. */
    static boolean singleSeed() {
        return System.getProperty(SEED_PROPERTY) != null;
    }

    /** Runs {@code tries} tries with seeds {@code firstSeed, firstSeed + 1, …}, and prints how many ran. */
    static void run(long firstSeed, int tries, Try property) {
        String only = System.getProperty(SEED_PROPERTY);
        int ran = 0;
        int edgeCaseTries = 0;
        for (long seed = firstSeed; seed < firstSeed + tries; seed++) {
            if (only != null && Long.parseLong(only.trim()) != seed) {
                continue;
            }
            Random rnd = new Random(seed);
            boolean edgeCaseTry = rnd.nextInt(EDGE_CASE_TRY_ODDS) == 0;
            try {
                property.check(rnd, edgeCaseTry);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + seed + (edgeCaseTry ? " (edge-case try)" : "")
                        + " failed; re-run it alone with -D" + SEED_PROPERTY + "=" + seed + "\n" + e, e);
            }
            ran++;
            edgeCaseTries += edgeCaseTry ? 1 : 0;
        }
        System.out.printf("%s: seeds %d..%d, %d tries run, %d of them edge-case tries%n",
                caller(), firstSeed, firstSeed + tries - 1, ran, edgeCaseTries);
    }

    /** Counts of the classes a property puts its tries in, to report and to check that each class occurs. */
    static final class Labels {
        private final String name;
        private final Map<String, Integer> counts = new TreeMap<>();

        Labels(String name) {
            this.name = name;
        }

        void collect(String label) {
            counts.merge(label, 1, Integer::sum);
        }

        /** Prints the counts and, unless a single seed was run, checks that every expected class occurred. */
        void assertEachOccurred(String... labels) {
            System.out.printf("%s: %s%n", name, counts);
            if (singleSeed()) {
                return;
            }
            assertThat(counts.keySet()).as("%s classes reached over all seeds: %s", name, counts).contains(labels);
        }
    }

    private static String caller() {
        return StackWalker.getInstance().walk(frames -> frames.skip(2).findFirst()
                .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName())
                .orElse("?"));
    }
}
