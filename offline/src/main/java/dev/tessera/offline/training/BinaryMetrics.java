package dev.tessera.offline.training;

import java.util.Arrays;

/**
 * How well scores rank and fit binary labels: ROC AUC and log loss.
 *
 * <p>AUC is the Mann–Whitney statistic: the chance that a random positive scores above a random
 * negative, ties counting one half (average ranks), computed by sorting once, O(n log n). Log loss is
 * the mean of {@code -(y log p + (1-y) log(1-p))} with {@code p} clipped to [1e-15, 1 - 1e-15], as
 * scikit-learn does, so one confident mistake is large but finite.
 */
public final class BinaryMetrics {
    static final double EPS = 1e-15;

    private BinaryMetrics() {
    }

    /** ROC AUC of {@code scores} for {@code labels}; NaN when one class is absent. */
    public static double auc(double[] scores, boolean[] labels) {
        int n = scores.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        double rankSumPositives = 0;
        long positives = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double averageRank = (i + j) / 2.0 + 1; // ranks i+1 .. j+1 share their mean
            for (int k = i; k <= j; k++) {
                if (labels[order[k]]) {
                    rankSumPositives += averageRank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (rankSumPositives - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    /** Mean log loss of probabilities {@code p} for {@code labels}; NaN for no rows. */
    public static double logLoss(double[] p, boolean[] labels) {
        if (p.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            double q = Math.min(1 - EPS, Math.max(EPS, p[i]));
            sum -= labels[i] ? Math.log(q) : Math.log(1 - q);
        }
        return sum / p.length;
    }
}
