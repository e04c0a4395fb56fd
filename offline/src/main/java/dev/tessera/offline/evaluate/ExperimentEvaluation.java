package dev.tessera.offline.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.offline.archive.ArchivedEvent;
import dev.tessera.offline.archive.EventScan;
import dev.tessera.offline.training.BinaryMetrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Per-variant evaluation of an experiment from logged predictions and labels that arrived later
 * (SPEC §7, issue [Inference]): {@code tessera evaluate}.
 *
 * <h2>The join</h2>
 * A prediction scored at time {@code t} for an entity is positive when a label event of that entity
 * (by default a chargeback, keyed by {@code account_id}) has an event time in {@code (t, t + window]}.
 * Predictions younger than the window (their label may still come) are left out and counted.
 * Shadow versions are variants of their own ({@code shadow_v3}), scored on the same requests.
 *
 * <h2>Figures</h2>
 * Per variant: predictions, positives, ROC AUC and log loss ({@link BinaryMetrics}) with 95%
 * percentile-bootstrap intervals (resampling predictions with replacement, {@value #BOOTSTRAP}
 * rounds, seeded, so a run repeats), and calibration in ten bins of equal width of the score: rows,
 * mean score, observed positive rate.
 */
public final class ExperimentEvaluation {
    public static final int BOOTSTRAP = 200;
    public static final int CALIBRATION_BINS = 10;

    /** One logged prediction. */
    record Prediction(long time, String entityKey, String variant, int version, double score) {
    }

    /** A calibration bin: scores in [{@code from}, {@code to}). */
    public record Bin(double from, double to, long rows, double meanScore, double observedRate) {
    }

    /** One variant's figures. */
    public record Result(String variant, int version, long predictions, long positives, double auc, double aucLow, double aucHigh,
                         double logLoss, double logLossLow, double logLossHigh, List<Bin> calibration) {
    }

    /** The whole report. */
    /** @param oldestTooRecent the time of the oldest prediction too recent to judge; {@code Long.MAX_VALUE} when none is */
    /** @param otherNames the other experiments the predictions name (what a mistyped name was meant to be) */
    /**
     * @param withoutKey   predictions of the experiment whose entity lacks the label key (not judged)
     * @param entityFields the entity fields of those predictions (what the key could be instead)
     * @param labelEvents  label events read, and {@code labelsWithKey} of them carrying the key
     */
    public record Report(String experiment, long windowMillis, long evaluated, long tooRecent, long otherExperiments,
                         List<Result> variants, long oldestTooRecent, java.util.Set<String> otherNames, long withoutKey,
                         java.util.Set<String> entityFields, long labelEvents, long labelsWithKey) {
    }

    private ExperimentEvaluation() {
    }

    /**
     * Evaluates {@code experiment} from the predictions in {@code predictions} and the label events in
     * {@code labels}.
     *
     * @param entityKeyField the entity key that joins them ({@code account_id}): a field of the
     *                       prediction's {@code entity} and of each label event
     * @param now            predictions after {@code now − windowMillis} are too recent to judge
     */
    public static Report evaluate(String experiment, EventScan predictions, EventScan labels, String entityKeyField,
                                  long windowMillis, long now) throws IOException {
        ObjectMapper json = new ObjectMapper();
        long[] labelCounts = {0, 0}; // label events, with the key
        Map<String, long[]> labelTimes = labelTimes(labels, entityKeyField, json, labelCounts);
        long[] withoutKey = {0};
        java.util.Set<String> entityFields = new java.util.TreeSet<>();
        Map<String, List<Prediction>> byVariant = new TreeMap<>((a, b) -> order(a).compareTo(order(b)));
        long[] counts = {0, 0, 0, Long.MAX_VALUE}; // evaluated, too recent, other experiments, oldest too recent
        java.util.Set<String> otherNames = new java.util.TreeSet<>();
        predictions.forEach(Long.MIN_VALUE, Long.MAX_VALUE, e -> {
            JsonNode p = parse(json, e);
            if (p == null) {
                return;
            }
            if (!experiment.equals(p.path("experiment").asText(null))) {
                counts[2]++;
                String other = p.path("experiment").asText(null);
                if (other != null && otherNames.size() < 100) {
                    otherNames.add(other);
                }
                return;
            }
            long t = p.path("time").asLong(e.eventTime());
            if (t > now - windowMillis) {
                counts[1]++;
                counts[3] = Math.min(counts[3], t);
                return;
            }
            String key = p.path("entity").path(entityKeyField).asText(null);
            if (key == null) {
                withoutKey[0]++;
                p.path("entity").fieldNames().forEachRemaining(entityFields::add);
                return;
            }
            counts[0]++;
            String variant = p.path("variant").asText();
            byVariant.computeIfAbsent(variant, v -> new ArrayList<>())
                    .add(new Prediction(t, key, variant, p.path("version").asInt(), p.path("score").asDouble()));
        });
        List<Result> results = new ArrayList<>();
        for (Map.Entry<String, List<Prediction>> v : byVariant.entrySet()) {
            List<Prediction> ps = v.getValue();
            double[] scores = new double[ps.size()];
            boolean[] labeled = new boolean[ps.size()];
            for (int i = 0; i < ps.size(); i++) {
                Prediction p = ps.get(i);
                scores[i] = p.score();
                labeled[i] = hasLabel(labelTimes.get(p.entityKey()), p.time(), p.time() + windowMillis);
            }
            results.add(result(v.getKey(), ps.get(0).version(), scores, labeled));
        }
        return new Report(experiment, windowMillis, counts[0], counts[1], counts[2], results, counts[3], otherNames, withoutKey[0],
                entityFields, labelCounts[0], labelCounts[1]);
    }

    /** Control first, then treatments by name, then shadows. */
    private static String order(String variant) {
        return (variant.equals("control") ? "0" : variant.startsWith("shadow_") ? "2" : "1") + variant;
    }

    private static Map<String, long[]> labelTimes(EventScan labels, String keyField, ObjectMapper json, long[] counts)
            throws IOException {
        Map<String, List<Long>> times = new HashMap<>();
        labels.forEach(Long.MIN_VALUE, Long.MAX_VALUE, e -> {
            JsonNode l = parse(json, e);
            String key = l == null ? null : l.path(keyField).asText(null);
            counts[0]++;
            if (key != null) {
                counts[1]++;
                times.computeIfAbsent(key, k -> new ArrayList<>()).add(e.eventTime());
            }
        });
        Map<String, long[]> out = new HashMap<>();
        times.forEach((k, v) -> {
            long[] a = v.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(a);
            out.put(k, a);
        });
        return out;
    }

    /** Whether a sorted time falls in (from, to]. */
    static boolean hasLabel(long[] sorted, long from, long to) {
        if (sorted == null) {
            return false;
        }
        int i = Arrays.binarySearch(sorted, from + 1);
        int first = i >= 0 ? i : -i - 1;
        while (first > 0 && sorted[first - 1] > from) { // binarySearch finds any of equal values: step back to the first
            first--;
        }
        return first < sorted.length && sorted[first] <= to;
    }

    private static JsonNode parse(ObjectMapper json, ArchivedEvent e) {
        try {
            return json.readTree(e.raw());
        } catch (IOException ex) {
            return null;
        }
    }

    static Result result(String variant, int version, double[] scores, boolean[] labels) {
        long positives = 0;
        for (boolean l : labels) {
            positives += l ? 1 : 0;
        }
        double auc = BinaryMetrics.auc(scores, labels);
        double logLoss = BinaryMetrics.logLoss(scores, labels);
        double[] aucs = new double[BOOTSTRAP];
        double[] losses = new double[BOOTSTRAP];
        Random rnd = new Random(42);
        int n = scores.length;
        double[] s = new double[n];
        boolean[] y = new boolean[n];
        for (int b = 0; b < BOOTSTRAP; b++) {
            for (int i = 0; i < n; i++) {
                int k = rnd.nextInt(n);
                s[i] = scores[k];
                y[i] = labels[k];
            }
            aucs[b] = BinaryMetrics.auc(s, y);
            losses[b] = BinaryMetrics.logLoss(s, y);
        }
        return new Result(variant, version, n, positives, auc, percentile(aucs, 0.025), percentile(aucs, 0.975), logLoss,
                percentile(losses, 0.025), percentile(losses, 0.975), calibration(scores, labels));
    }

    /** The q-quantile of the finite values (NaN when none): a bootstrap sample with one class has no AUC. */
    static double percentile(double[] values, double q) {
        double[] finite = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (finite.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.floor(q * (finite.length - 1));
        return finite[i];
    }

    static List<Bin> calibration(double[] scores, boolean[] labels) {
        long[] rows = new long[CALIBRATION_BINS];
        double[] sum = new double[CALIBRATION_BINS];
        long[] pos = new long[CALIBRATION_BINS];
        for (int i = 0; i < scores.length; i++) {
            int b = Math.min(CALIBRATION_BINS - 1, Math.max(0, (int) Math.floor(scores[i] * CALIBRATION_BINS)));
            rows[b]++;
            sum[b] += scores[i];
            pos[b] += labels[i] ? 1 : 0;
        }
        List<Bin> bins = new ArrayList<>();
        for (int b = 0; b < CALIBRATION_BINS; b++) {
            bins.add(new Bin((double) b / CALIBRATION_BINS, (double) (b + 1) / CALIBRATION_BINS, rows[b],
                    rows[b] == 0 ? Double.NaN : sum[b] / rows[b], rows[b] == 0 ? Double.NaN : (double) pos[b] / rows[b]));
        }
        return bins;
    }
}
