package dev.tessera.core.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * PSI against an exact computation: the reference's exact deciles as bin edges and exact shares, as
 * a textbook would compute it. The tracker bins with a KLL sketch, so the figures agree within the
 * sketch's rank error.
 */
class DriftTrackerTest {
    private static final long HOUR = 3_600_000;

    @Test
    void numericPsiMatchesTheExactComputation() {
        Random rnd = new Random(11);
        List<Object> reference = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            reference.add(rnd.nextGaussian() * 10 + 100);
        }
        for (double shift : new double[] {0, 2, 5, 10}) {
            DriftTracker t = DriftTracker.againstReference(reference, "training set", HOUR, 0);
            List<Double> current = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                double v = rnd.nextGaussian() * 10 + 100 + shift;
                current.add(v);
                t.observe(v, 10);
            }
            DriftTracker.Drift d = t.evaluate(10, 0.2);
            double exact = exactNumericPsi(reference.stream().mapToDouble(o -> (Double) o).toArray(),
                    current.stream().mapToDouble(Double::doubleValue).toArray());
            assertThat(d.psi()).as("shift " + shift).isCloseTo(exact, within(0.01 + exact * 0.1));
            assertThat(d.status()).isEqualTo(exact > 0.25 ? DriftTracker.Status.DRIFTED
                    : exact < 0.15 ? DriftTracker.Status.OK : d.status());
            assertThat(d.bins()).hasSize(10);
            assertThat(d.bins().stream().mapToDouble(DriftTracker.Bin::expected).sum()).isCloseTo(1, within(1e-9));
            assertThat(d.bins().stream().mapToDouble(DriftTracker.Bin::actual).sum()).isCloseTo(1, within(1e-9));
        }
    }

    @Test
    void categoricalPsiMatchesTheExactComputation() {
        Random rnd = new Random(3);
        String[] countries = {"US", "DE", "FR", "GB", "BR"};
        double[] before = {0.5, 0.2, 0.1, 0.1, 0.1};
        double[] after = {0.3, 0.2, 0.1, 0.1, 0.3};
        List<Object> reference = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            reference.add(pick(rnd, countries, before));
        }
        DriftTracker t = DriftTracker.againstReference(reference, "training set", HOUR, 0);
        List<Object> current = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            Object c = pick(rnd, countries, after);
            current.add(c);
            t.observe(c, 1);
        }
        double exact = exactCategoricalPsi(reference, current);
        DriftTracker.Drift d = t.evaluate(1, null);
        assertThat(d.psi()).isCloseTo(exact, within(1e-9));
        assertThat(d.status()).isEqualTo(DriftTracker.Status.OK); // no threshold: never "drifted"
        assertThat(d.psi()).isGreaterThan(0.2);
    }

    @Test
    void theEarlierWindowBecomesTheReference() {
        DriftTracker t = DriftTracker.againstEarlierWindow(HOUR, 0);
        for (int i = 0; i < 500; i++) {
            t.observe((long) (i % 10), 1000 + i);
        }
        assertThat(t.evaluate(2000, 0.1).status()).isEqualTo(DriftTracker.Status.INSUFFICIENT_DATA);
        for (int i = 0; i < 500; i++) { // second window: the same values
            t.observe((long) (i % 10), HOUR + i);
        }
        DriftTracker.Drift same = t.evaluate(HOUR + 1000, 0.1);
        assertThat(same.status()).isEqualTo(DriftTracker.Status.OK);
        assertThat(same.psi()).isLessThan(0.01);
        assertThat(same.referenceSamples()).isEqualTo(500);
        for (int i = 0; i < 500; i++) { // third window: every value 5 higher
            t.observe((long) (i % 10 + 5), 2 * HOUR + i);
        }
        assertThat(t.evaluate(2 * HOUR + 1000, 0.1).status()).isEqualTo(DriftTracker.Status.DRIFTED);
        assertThat(t.evaluate(5 * HOUR, 0.1).status()).as("a silent gap drops the reference")
                .isEqualTo(DriftTracker.Status.INSUFFICIENT_DATA);
    }

    private static Object pick(Random rnd, String[] values, double[] p) {
        double u = rnd.nextDouble();
        for (int i = 0; i < values.length; i++) {
            u -= p[i];
            if (u < 0) {
                return values[i];
            }
        }
        return values[values.length - 1];
    }

    /** Textbook PSI: bins at the reference's exact deciles (x <= edge), exact shares, zero shares as 1e-4. */
    static double exactNumericPsi(double[] ref, double[] cur) {
        double[] sorted = ref.clone();
        Arrays.sort(sorted);
        double[] edges = new double[9];
        for (int i = 0; i < 9; i++) {
            edges[i] = sorted[(int) Math.ceil((i + 1) / 10.0 * sorted.length) - 1];
        }
        double[] e = shares(ref, edges);
        double[] a = shares(cur, edges);
        double psi = 0;
        for (int i = 0; i < e.length; i++) {
            double ei = Math.max(e[i], 1e-4);
            double ai = Math.max(a[i], 1e-4);
            psi += (ai - ei) * Math.log(ai / ei);
        }
        return psi;
    }

    private static double[] shares(double[] values, double[] edges) {
        double[] s = new double[edges.length + 1];
        for (double v : values) {
            int b = 0;
            while (b < edges.length && v > edges[b]) {
                b++;
            }
            s[b] += 1.0 / values.length;
        }
        return s;
    }

    static double exactCategoricalPsi(List<Object> ref, List<Object> cur) {
        Map<Object, Double> e = new HashMap<>();
        Map<Object, Double> a = new HashMap<>();
        ref.forEach(v -> e.merge(v, 1.0 / ref.size(), Double::sum));
        cur.forEach(v -> a.merge(v, 1.0 / cur.size(), Double::sum));
        double psi = 0;
        for (Object k : e.keySet()) {
            double ei = Math.max(e.get(k), 1e-4);
            double ai = Math.max(a.getOrDefault(k, 0.0), 1e-4);
            psi += (ai - ei) * Math.log(ai / ei);
        }
        return psi; // every current value is a reference category here, so the (other) bin is empty on both sides
    }
}
