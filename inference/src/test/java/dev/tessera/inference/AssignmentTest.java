package dev.tessera.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Experiment assignment: stable per unit, split as configured (within the binomial bounds), raising
 * a share only adds units, a rollback returns them all to control, and a new salt reshuffles.
 */
class AssignmentTest {
    private static final int UNITS = 200_000;

    @Test
    void aUnitAlwaysGetsTheSameVariant() {
        double[] shares = {0.3, 0.2};
        for (int u = 0; u < 10_000; u++) {
            String unit = "acct_" + u;
            int first = Assignment.variant(Assignment.bucket("salt-1", unit), shares);
            for (int again = 0; again < 3; again++) {
                assertThat(Assignment.variant(Assignment.bucket("salt-1", unit), shares)).isEqualTo(first);
            }
        }
    }

    @Test
    void theSplitMatchesTheSharesWithinFourSigma() {
        double[] shares = {0.25, 0.1, 0.05};
        int[] counts = new int[shares.length + 1];
        for (int u = 0; u < UNITS; u++) {
            int v = Assignment.variant(Assignment.bucket("split", "unit-" + u), shares);
            counts[v + 1]++;
        }
        double control = 1 - 0.25 - 0.1 - 0.05;
        assertWithin(counts[0], control);
        for (int i = 0; i < shares.length; i++) {
            assertWithin(counts[i + 1], shares[i]);
        }
    }

    private static void assertWithin(int count, double p) {
        double mean = UNITS * p;
        double sigma = Math.sqrt(UNITS * p * (1 - p));
        assertThat((double) count).as("expected %.0f ± 4σ (σ = %.1f)", mean, sigma).isBetween(mean - 4 * sigma, mean + 4 * sigma);
    }

    @Test
    void raisingAShareOnlyAddsUnitsAndARollbackReturnsThemToControl() {
        Map<String, Integer> before = new HashMap<>();
        double[] low = {0.10, 0.20};
        double[] high = {0.30, 0.20};
        double[] rolledBack = {0.0, 0.20};
        int moved = 0;
        for (int u = 0; u < 50_000; u++) {
            String unit = "u" + u;
            int b = Assignment.bucket("rollout", unit);
            int v1 = Assignment.variant(b, low);
            int v2 = Assignment.variant(b, high);
            if (v1 != v2) {
                moved++;
                assertThat(v1).as("only control units move").isEqualTo(-1);
                assertThat(v2).as("into the raised treatment").isEqualTo(0);
            }
            int v3 = Assignment.variant(b, rolledBack);
            if (v2 == 0) {
                assertThat(v3).as("a rolled-back treatment's units go to control").isEqualTo(-1);
            } else {
                assertThat(v3).isEqualTo(v2);
            }
            before.put(unit, v1);
        }
        assertThat(moved).as("about 20% of units moved").isBetween(9_000, 11_000);
    }

    @Test
    void aNewSaltReshufflesUnits() {
        double[] half = {0.5};
        int same = 0;
        for (int u = 0; u < 20_000; u++) {
            String unit = "u" + u;
            if (Assignment.variant(Assignment.bucket("a", unit), half) == Assignment.variant(Assignment.bucket("b", unit), half)) {
                same++;
            }
        }
        assertThat(same).as("independent halves agree about half the time").isBetween(9_500, 10_500);
    }

    @Test
    void bucketsCoverTheRange() {
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int u = 0; u < 100_000; u++) {
            int b = Assignment.bucket("s", Integer.toString(u));
            min = Math.min(min, b);
            max = Math.max(max, b);
        }
        assertThat(min).isZero();
        assertThat(max).isEqualTo(Assignment.BUCKETS - 1);
    }
}
