package dev.tessera.offline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** AUC against a count of all pairs (ties half), log loss against its definition, on random scores with many ties. */
class BinaryMetricsTest {
    @Test
    void aucIsTheShareOfCorrectlyOrderedPairs() {
        Random rnd = new Random(5);
        for (int round = 0; round < 50; round++) {
            int n = 1 + rnd.nextInt(300);
            double[] s = new double[n];
            boolean[] y = new boolean[n];
            for (int i = 0; i < n; i++) {
                s[i] = rnd.nextInt(round % 2 == 0 ? 5 : 1000) / 10.0; // few distinct values: many ties
                y[i] = rnd.nextDouble() < 0.2 + s[i] / 200;
            }
            double wins = 0;
            long pairs = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (y[i] && !y[j]) {
                        pairs++;
                        wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                    }
                }
            }
            double auc = BinaryMetrics.auc(s, y);
            if (pairs == 0) {
                assertThat(auc).isNaN();
            } else {
                assertThat(auc).isCloseTo(wins / pairs, within(1e-12));
            }
        }
    }

    @Test
    void logLossClipsCertainMistakes() {
        assertThat(BinaryMetrics.logLoss(new double[] {0.8, 0.1}, new boolean[] {true, false}))
                .isCloseTo(-(Math.log(0.8) + Math.log(0.9)) / 2, within(1e-15));
        assertThat(BinaryMetrics.logLoss(new double[] {0.0}, new boolean[] {true})).isCloseTo(-Math.log(1e-15), within(1e-9));
        assertThat(BinaryMetrics.logLoss(new double[0], new boolean[0])).isNaN();
        assertThat(BinaryMetrics.auc(new double[] {1, 2, 3}, new boolean[] {false, false, true})).isEqualTo(1.0);
    }
}
