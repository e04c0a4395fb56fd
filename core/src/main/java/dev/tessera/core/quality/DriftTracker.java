package dev.tessera.core.quality;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.datasketches.kll.KllDoublesSketch;

/**
 * Drift of one served feature: the population stability index (PSI) of the values served in the
 * current window against a reference distribution (SPEC §8).
 *
 * <h2>The reference</h2>
 * Either fixed (the feature's column of a training-set file: the population the model was trained
 * on), or the previous window of served values ({@code windowMillis}, default an hour): each time a
 * window ends, its values become the reference for the next one. Without a reference yet, or with
 * fewer than {@link #MIN_SAMPLES} values on either side, there is no verdict.
 *
 * <h2>PSI</h2>
 * {@code PSI = Σ_i (a_i − e_i) · ln(a_i / e_i)} over bins, where {@code e_i} and {@code a_i} are the
 * reference's and the current window's shares of values in bin {@code i}; a share of 0 is taken as
 * {@link #EPSILON} so an empty bin costs a large but finite amount. Numbers are binned at the
 * reference's deciles (fewer bins when deciles coincide, as for small counts); text and booleans by
 * the reference's {@value #MAX_CATEGORIES} most frequent values plus one bin for every other value.
 * Nulls are not binned: their share is the {@code max_null_rate} rule's concern. Lists are not
 * tracked. The usual reading: below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a
 * significant one.
 *
 * <p>Numbers are summarized with a DataSketches KLL sketch (k = 200: normalized rank error about
 * 1.3%), so memory per feature is a few kilobytes whatever the traffic. Thread-safe (synchronized;
 * serving observes a sample of reads, so contention is low).
 */
public final class DriftTracker {
    public static final int MIN_SAMPLES = 100;
    public static final double EPSILON = 1e-4;
    static final int MAX_CATEGORIES = 20;
    private static final int K = 200;

    private final long windowMillis;
    private final String fixedLabel;
    private Population reference;
    private String referenceLabel;
    private Population current = new Population();
    private long windowStart;

    private DriftTracker(long windowMillis, long now, Population reference, String fixedLabel) {
        this.windowMillis = windowMillis;
        this.windowStart = now;
        this.reference = reference;
        this.fixedLabel = fixedLabel;
        this.referenceLabel = fixedLabel;
    }

    /** Reference: the previous window of {@code windowMillis}; the first window starts at {@code now}. */
    public static DriftTracker againstEarlierWindow(long windowMillis, long now) {
        return new DriftTracker(windowMillis, now, null, null);
    }

    /** Reference: {@code values} (nulls and lists skipped), named {@code label} in verdicts. */
    public static DriftTracker againstReference(List<?> values, String label, long windowMillis, long now) {
        Population p = new Population();
        values.forEach(p::add);
        return new DriftTracker(windowMillis, now, p, label);
    }

    /** PSI of {@code current} against {@code reference}, binned as a tracker bins (NaN when either is empty). */
    public static double psi(double[] reference, double[] current) {
        Population ref = new Population();
        Population cur = new Population();
        for (double d : reference) {
            ref.add(d);
        }
        for (double d : current) {
            cur.add(d);
        }
        if (ref.count() == 0 || cur.count() == 0) {
            return Double.NaN;
        }
        double psi = 0;
        for (Bin b : ref.binsAgainst(cur)) {
            double e = Math.max(b.expected(), EPSILON);
            double a = Math.max(b.actual(), EPSILON);
            psi += (a - e) * Math.log(a / e);
        }
        return psi;
    }

    public synchronized void observe(Object value, long now) {
        roll(now);
        current.add(value);
    }

    /** The verdict now, against {@code maxPsi} (null: no threshold, no "drifted" status). */
    public synchronized Drift evaluate(long now, Double maxPsi) {
        roll(now);
        long n = current.count();
        if (reference == null) {
            return new Drift(Double.NaN, n, 0, "collecting the reference window", Status.INSUFFICIENT_DATA, List.of());
        }
        if (n < MIN_SAMPLES || reference.count() < MIN_SAMPLES) {
            return new Drift(Double.NaN, n, reference.count(), referenceLabel, Status.INSUFFICIENT_DATA, List.of());
        }
        List<Bin> bins = reference.binsAgainst(current);
        double psi = 0;
        for (Bin b : bins) {
            double e = Math.max(b.expected(), EPSILON);
            double a = Math.max(b.actual(), EPSILON);
            psi += (a - e) * Math.log(a / e);
        }
        Status status = maxPsi != null && psi > maxPsi ? Status.DRIFTED : Status.OK;
        return new Drift(psi, n, reference.count(), referenceLabel, status, bins);
    }

    /** Ends the current window when due: it becomes the reference unless the reference is fixed. */
    private void roll(long now) {
        if (now - windowStart < windowMillis) {
            return;
        }
        long windows = (now - windowStart) / windowMillis;
        if (fixedLabel == null) {
            boolean contiguous = windows == 1;
            if (contiguous && current.count() > 0) {
                reference = current;
                referenceLabel = "earlier window of " + windowMillis / 1000 + " s ending " + java.time.Instant.ofEpochMilli(
                        windowStart + windowMillis);
            } else if (!contiguous) {
                reference = null; // nothing was served for a whole window: the last one says nothing about now
            }
        }
        current = new Population();
        windowStart += windows * windowMillis;
    }

    public enum Status {
        OK("ok"), DRIFTED("drifted"), INSUFFICIENT_DATA("insufficient_data");

        private final String code;

        Status(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** One bin: its label, and the reference's (expected) and the current window's (actual) shares. */
    public record Bin(String label, double expected, double actual) {
    }

    /** A verdict: PSI (NaN without one), sample counts, what the reference is, status and bins. */
    public record Drift(double psi, long samples, long referenceSamples, String reference, Status status, List<Bin> bins) {
    }

    /** The values of one window (or of the fixed reference): numbers in a sketch, the rest counted by text. */
    private static final class Population {
        private final KllDoublesSketch numbers = KllDoublesSketch.newHeapInstance(K);
        private final Map<String, Long> categories = new HashMap<>();
        private long categorical;

        void add(Object value) {
            if (value == null || value instanceof List<?>) {
                return;
            }
            if (value instanceof Number n) {
                double d = n.doubleValue();
                if (Double.isFinite(d)) {
                    numbers.update(d);
                }
                return;
            }
            categorical++;
            String text = value.toString();
            if (categories.size() < 10_000 || categories.containsKey(text)) { // bounded: an id-like feature has no useful categories
                categories.merge(text, 1L, Long::sum);
            }
        }

        long count() {
            return numbers.getN() + categorical;
        }

        /** Bins of this (reference) population, with each share here and in {@code actual}. */
        List<Bin> binsAgainst(Population actual) {
            return numbers.getN() >= categorical ? numericBins(actual) : categoricalBins(actual);
        }

        private List<Bin> numericBins(Population actual) {
            double[] ranks = new double[9];
            for (int i = 0; i < 9; i++) {
                ranks[i] = (i + 1) / 10.0;
            }
            double[] deciles = numbers.getQuantiles(ranks);
            double[] edges = java.util.Arrays.stream(deciles).distinct().sorted().toArray();
            List<Bin> bins = new ArrayList<>();
            if (actual.numbers.isEmpty()) {
                return bins;
            }
            double[] e = edges.length == 0 ? new double[] {1.0} : numbers.getCDF(edges);
            double[] a = edges.length == 0 ? new double[] {1.0} : actual.numbers.getCDF(edges);
            double prevE = 0;
            double prevA = 0;
            for (int i = 0; i < e.length; i++) {
                String label = i < edges.length ? "<= " + fmt(edges[i]) : "> " + fmt(edges[edges.length - 1]);
                bins.add(new Bin(label, e[i] - prevE, a[i] - prevA));
                prevE = e[i];
                prevA = a[i];
            }
            return bins;
        }

        private List<Bin> categoricalBins(Population actual) {
            List<Map.Entry<String, Long>> top = new ArrayList<>(categories.entrySet());
            top.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()));
            if (top.size() > MAX_CATEGORIES) {
                top = top.subList(0, MAX_CATEGORIES);
            }
            List<Bin> bins = new ArrayList<>();
            double restE = 1;
            double restA = 1;
            double totalA = Math.max(1, actual.categorical);
            for (Map.Entry<String, Long> c : top) {
                double e = (double) c.getValue() / categorical;
                double a = actual.categories.getOrDefault(c.getKey(), 0L) / totalA;
                bins.add(new Bin(c.getKey(), e, a));
                restE -= e;
                restA -= a;
            }
            bins.add(new Bin("(other)", Math.max(0, restE), Math.max(0, restA)));
            return bins;
        }

        private static String fmt(double d) {
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : String.format(java.util.Locale.ROOT, "%.4g", d);
        }
    }
}
