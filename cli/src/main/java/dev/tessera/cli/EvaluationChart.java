package dev.tessera.cli;

import dev.tessera.offline.evaluate.ExperimentEvaluation;
import java.util.Locale;

/**
 * {@code tessera evaluate --chart}: a self-contained SVG with, per variant, its calibration curve
 * (mean score against observed rate per score bin, on the diagonal when calibrated) and its AUC with
 * the 95% interval.
 */
final class EvaluationChart {
    private static final String[] COLORS = {"#2563eb", "#dc2626", "#059669", "#9333ea", "#d97706"};

    private EvaluationChart() {
    }

    static String svg(ExperimentEvaluation.Report r) {
        int w = 900;
        int h = Math.max(380, 80 + r.variants().size() * 64 + 50);
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(h)
                .append("\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(text(20, 24, "Experiment " + esc(r.experiment()) + ": calibration and AUC per variant", "15", "bold"));
        // calibration plot: 40..340 x, 50..330 y
        int x0 = 50;
        int y0 = 330;
        int size = 280;
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ccc\"/>%n",
                x0, y0 - size, size, size));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\" stroke-dasharray=\"4 4\"/>%n",
                x0, y0, x0 + size, y0 - size));
        s.append(text(x0, y0 + 18, "mean score per bin →", "11", "normal"));
        s.append(text(x0 - 40, y0 - size - 8, "observed positive rate", "11", "normal"));
        for (int i = 0; i <= 4; i++) {
            double v = i / 4.0;
            s.append(text(x0 - 28, (int) (y0 - v * size) + 4, String.format(Locale.ROOT, "%.2f", v), "10", "normal"));
            s.append(text((int) (x0 + v * size) - 10, y0 + 32, String.format(Locale.ROOT, "%.2f", v), "10", "normal"));
        }
        int k = 0;
        for (ExperimentEvaluation.Result v : r.variants()) {
            String color = COLORS[k % COLORS.length];
            StringBuilder path = new StringBuilder();
            for (ExperimentEvaluation.Bin b : v.calibration()) {
                if (b.rows() == 0) {
                    continue;
                }
                double px = x0 + b.meanScore() * size;
                double py = y0 - b.observedRate() * size;
                path.append(path.length() == 0 ? "M" : "L").append(String.format(Locale.ROOT, "%.1f %.1f ", px, py));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", px, py, color));
            }
            s.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\"/>\n");
            k++;
        }
        // AUC bars: 420..800
        int bx = 430;
        s.append(text(bx, 60, "ROC AUC (95% bootstrap interval)", "12", "bold"));
        k = 0;
        for (ExperimentEvaluation.Result v : r.variants()) {
            String color = COLORS[k % COLORS.length];
            int y = 80 + k * 64;
            double auc = Double.isNaN(v.auc()) ? 0 : v.auc();
            int len = (int) Math.round(auc * 300);
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" fill=\"%s\" opacity=\"0.8\"/>%n", bx, y, len, color));
            if (!Double.isNaN(v.aucLow())) {
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\" stroke-width=\"2\"/>%n",
                        bx + v.aucLow() * 300, y + 9, bx + v.aucHigh() * 300, y + 9));
            }
            s.append(text(bx, y + 32, String.format(Locale.ROOT, "%s (v%d): AUC %s, log loss %s", esc(v.variant()), v.version(),
                    Double.isNaN(v.auc()) ? "-" : String.format(Locale.ROOT, "%.3f", v.auc()),
                    Double.isNaN(v.logLoss()) ? "-" : String.format(Locale.ROOT, "%.4f", v.logLoss())), "11", "normal"));
            s.append(text(bx, y + 46, String.format(Locale.ROOT, "%,d predictions, %,d positive", v.predictions(), v.positives()),
                    "11", "normal"));
            k++;
        }
        // the bars' axis: AUC 0 to 1, the chance line at 0.5
        int axisY = 80 + k * 64;
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>%n", bx, axisY, bx + 300, axisY));
        for (int i = 0; i <= 4; i++) {
            int tx = bx + i * 75;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>%n", tx, axisY, tx, axisY + 5));
            s.append(text(tx - 10, axisY + 18, String.format(Locale.ROOT, "%.2f", i / 4.0), "10", "normal"));
        }
        for (int i = 0; i < k; i++) { // the chance line through each bar, not through its caption
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\" stroke-dasharray=\"3 3\"/>%n",
                    bx + 150, 80 + i * 64 - 4, bx + 150, 80 + i * 64 + 22));
        }
        s.append(text(bx, axisY + 34, "AUC (dashed: 0.50, chance)", "11", "normal"));
        s.append("</svg>\n");
        return s.toString();
    }

    private static String text(int x, int y, String t, String size, String weight) {
        return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%s\" font-weight=\"%s\">%s</text>%n", x, y, size, weight, t);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
