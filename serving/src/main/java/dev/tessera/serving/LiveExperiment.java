package dev.tessera.serving;

import dev.tessera.core.quality.DriftTracker;
import dev.tessera.inference.Assignment;
import dev.tessera.inference.Experiment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Experiment} while it runs: assigns units to variants with the current shares, records
 * each request's outcome, latency and score per variant, and enforces the guardrails.
 *
 * <h2>Guardrails</h2>
 * Over the last {@code guardrails.window}, kept as one-second buckets per variant, once a treatment
 * and control each have {@code min_requests} requests: the treatment's error rate above
 * {@code max_error_rate}, its p99 latency (feature fetch included) above {@code max_p99_ms}, or the
 * PSI of its scores against control's above {@code max_score_psi} rolls it back: its share becomes
 * 0, so its units go to control, and the reason is recorded ({@link #status}) and logged. A rollback
 * lasts until the process restarts with the state file removed or the experiment changes (a new
 * salt or name): {@link ExperimentStates} keeps it across restarts. The score PSI compares samples:
 * at most {@value #MAX_SCORES_PER_BUCKET} scores per variant and second are kept (the first ones).
 *
 * <h2>Off the request path</h2>
 * A score takes the lock twice, for O(1) work: nothing ({@link #assign} reads the shares, replaced
 * whole on a rollback) and {@link #record}. Judging the window ({@link #enforce}, every second, and
 * {@link #status}) copies the window's bucket list under the lock, with the current second's bucket
 * (the only one still written), and merges histograms and computes PSIs outside it. Until session 15
 * that work ran under the lock: with 2,000 scores kept per variant and second and a 5-minute window,
 * 600,000 boxed scores per variant every second, during which every score waited.
 */
final class LiveExperiment {
    private static final Logger LOG = LoggerFactory.getLogger(LiveExperiment.class);
    private static final int MAX_SCORES_PER_BUCKET = 200;

    private final Experiment experiment;
    private final LongSupplier clock;
    /** The current shares; never changed in place, replaced on a rollback, so {@link #assign} needs no lock. */
    private volatile double[] shares;
    /** Guarded by {@code this}. */
    private final Rollback[] rollbacks;
    /** Index 0: control; 1..n: treatments in order. */
    private final Deque<Bucket>[] windows;
    private final ExperimentStates states;

    /** Why and when a treatment went back to control. */
    record Rollback(String reason, long at) {
    }

    /** One second of one variant. */
    private static final class Bucket {
        final long second;
        long requests;
        long errors;
        final Histogram latencyMicros = new Histogram(1, 60_000_000, 2);
        final double[] scores = new double[MAX_SCORES_PER_BUCKET];
        int scored;

        Bucket(long second) {
            this.second = second;
        }

        /** A copy of a bucket that is still being written, to read outside the lock. */
        Bucket copy() {
            Bucket c = new Bucket(second);
            c.requests = requests;
            c.errors = errors;
            c.latencyMicros.add(latencyMicros);
            System.arraycopy(scores, 0, c.scores, 0, scored);
            c.scored = scored;
            return c;
        }
    }

    @SuppressWarnings("unchecked")
    LiveExperiment(Experiment experiment, ExperimentStates states, LongSupplier clock) {
        this.experiment = experiment;
        this.clock = clock;
        this.states = states;
        int n = experiment.variants().size();
        double[] initial = new double[n];
        this.rollbacks = new Rollback[n];
        for (int i = 0; i < n; i++) {
            Experiment.Variant v = experiment.variants().get(i);
            Rollback saved = states.rollback(experiment, v.name());
            rollbacks[i] = saved;
            initial[i] = saved == null ? v.share() : 0;
        }
        this.shares = initial;
        this.windows = new Deque[n + 1];
        for (int i = 0; i <= n; i++) {
            windows[i] = new ArrayDeque<>();
        }
    }

    Experiment experiment() {
        return experiment;
    }

    /** The variant index for {@code unit}: -1 for control, else the treatment's index. */
    int assign(String unit) {
        return Assignment.variant(Assignment.bucket(experiment.salt(), unit), shares);
    }

    /** Records one request of variant {@code index} (-1: control): its latency, and its score (NaN: it failed). */
    synchronized void record(int index, long latencyNanos, double score) {
        Bucket b = bucket(index + 1, clock.getAsLong() / 1000);
        b.requests++;
        if (Double.isNaN(score)) {
            b.errors++;
        } else if (b.scored < MAX_SCORES_PER_BUCKET) {
            b.scores[b.scored++] = score;
        }
        b.latencyMicros.recordValue(Math.max(1, Math.min(60_000_000, latencyNanos / 1000)));
    }

    private Bucket bucket(int w, long second) {
        Deque<Bucket> d = windows[w];
        Bucket last = d.peekLast();
        if (last == null || last.second != second) {
            last = new Bucket(second);
            d.addLast(last);
        }
        long oldest = second - experiment.guardrails().window().millis() / 1000;
        while (!d.isEmpty() && d.peekFirst().second <= oldest) {
            d.removeFirst();
        }
        return last;
    }

    /** A variant's figures over the window. */
    record Stats(long requests, long errors, double p99Millis, double meanScore, double[] scores) {
        double errorRate() {
            return requests == 0 ? Double.NaN : (double) errors / requests;
        }
    }

    /**
     * What the window holds now, to judge outside the lock: per window (control first), its buckets,
     * the newest copied (requests still add to it; the older ones no request changes any more); and
     * the rollbacks so far.
     */
    private record Snapshot(Bucket[][] windows, Rollback[] rollbacks) {}

    private synchronized Snapshot snapshot() {
        Bucket[][] copy = new Bucket[windows.length][];
        for (int w = 0; w < windows.length; w++) {
            Bucket[] buckets = windows[w].toArray(new Bucket[0]);
            if (buckets.length > 0) {
                buckets[buckets.length - 1] = buckets[buckets.length - 1].copy();
            }
            copy[w] = buckets;
        }
        return new Snapshot(copy, rollbacks.clone());
    }

    private Stats stats(Bucket[] buckets, long now) {
        long oldest = now / 1000 - experiment.guardrails().window().millis() / 1000;
        long requests = 0;
        long errors = 0;
        int scored = 0;
        Histogram latency = new Histogram(1, 60_000_000, 2);
        for (Bucket b : buckets) {
            if (b.second > oldest) {
                requests += b.requests;
                errors += b.errors;
                latency.add(b.latencyMicros);
                scored += b.scored;
            }
        }
        double[] s = new double[scored];
        double sum = 0;
        int n = 0;
        for (Bucket b : buckets) {
            if (b.second > oldest) {
                System.arraycopy(b.scores, 0, s, n, b.scored);
                n += b.scored;
            }
        }
        for (double d : s) {
            sum += d;
        }
        double mean = s.length == 0 ? Double.NaN : sum / s.length;
        return new Stats(requests, errors, latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(99) / 1000.0,
                mean, s);
    }

    /** Judges every active treatment against the guardrails; rolls back those that break one. */
    void enforce() {
        long now = clock.getAsLong();
        Experiment.Guardrails g = experiment.guardrails();
        Snapshot snap = snapshot();
        Stats control = stats(snap.windows()[0], now);
        for (int i = 0; i < snap.rollbacks().length; i++) {
            if (snap.rollbacks()[i] != null) {
                continue;
            }
            Stats t = stats(snap.windows()[i + 1], now);
            if (t.requests() < g.minRequests()) {
                continue;
            }
            String reason = null;
            if (g.maxErrorRate() != null && t.errorRate() > g.maxErrorRate()) {
                reason = String.format(Locale.ROOT, "error rate %.2f%% (%d of %d requests) above max_error_rate %.2f%%",
                        100 * t.errorRate(), t.errors(), t.requests(), 100 * g.maxErrorRate());
            } else if (g.maxP99Millis() != null && t.p99Millis() > g.maxP99Millis()) {
                reason = String.format(Locale.ROOT, "p99 latency %.1f ms over %d requests above max_p99_ms %s",
                        t.p99Millis(), t.requests(), dev.tessera.api.Expectation.number(g.maxP99Millis()));
            } else if (g.maxScorePsi() != null && control.requests() >= g.minRequests()) {
                double psi = DriftTracker.psi(control.scores(), t.scores());
                if (psi > g.maxScorePsi()) {
                    reason = String.format(Locale.ROOT, "score distribution moved from control's: PSI %.3f above max_score_psi %s",
                            psi, dev.tessera.api.Expectation.number(g.maxScorePsi()));
                }
            }
            if (reason != null) {
                Experiment.Variant v = experiment.variants().get(i);
                Rollback rollback = new Rollback(reason, now);
                synchronized (this) {
                    rollbacks[i] = rollback;
                    double[] next = shares.clone();
                    next[i] = 0;
                    shares = next;
                }
                states.saveRollback(experiment, v.name(), rollback);
                LOG.warn("experiment {}: variant {} (version {}) rolled back to control: {}", experiment.name(), v.name(),
                        v.version(), reason);
            }
        }
    }

    /** Per variant (control first): configured and current share, rollback, window figures. */
    List<VariantStatus> status() {
        long now = clock.getAsLong();
        double[] current = shares;
        Snapshot snap = snapshot();
        List<VariantStatus> out = new ArrayList<>();
        double treated = 0;
        for (double s : current) {
            treated += s;
        }
        double configuredTreated = experiment.variants().stream().mapToDouble(Experiment.Variant::share).sum();
        Stats control = stats(snap.windows()[0], now);
        out.add(new VariantStatus(Experiment.CONTROL, experiment.control(), rest(configuredTreated), rest(treated), null, control, Double.NaN));
        for (int i = 0; i < current.length; i++) {
            Experiment.Variant v = experiment.variants().get(i);
            Stats t = stats(snap.windows()[i + 1], now);
            double psi = control.scores().length == 0 || t.scores().length == 0 ? Double.NaN
                    : DriftTracker.psi(control.scores(), t.scores());
            out.add(new VariantStatus(v.name(), v.version(), v.share(), current[i], snap.rollbacks()[i], t, psi));
        }
        return out;
    }

    /** What the variants leave to control, without the binary noise of 1 − 0.4 − 0.3 (0.30000000000000004): to a billionth. */
    static double rest(double treated) {
        return Math.round((1 - treated) * 1e9) / 1e9;
    }

    record VariantStatus(String name, int version, double configuredShare, double share, Rollback rollback, Stats stats,
                         double scorePsi) {
    }
}
