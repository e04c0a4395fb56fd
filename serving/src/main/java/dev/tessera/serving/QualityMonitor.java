package dev.tessera.serving;

import dev.tessera.api.AlertThresholds;
import dev.tessera.api.Definitions;
import dev.tessera.api.Expectation;
import dev.tessera.api.Expectation.Rule;
import dev.tessera.api.Source;
import dev.tessera.core.quality.DriftTracker;
import dev.tessera.core.quality.ValueExpectation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches freshness, lag, reject rate, quality rules and drift, and raises alerts (SPEC §8).
 *
 * <p>Every {@code interval} (default 10 s) it takes a sample of the cumulative counts (events by
 * outcome per source, values and violations per rule) and judges the <em>alert window</em> (default
 * 5 min): the difference between now and the oldest sample in the window. So a burst of violations
 * fires an alert at the next evaluation and resolves once it has left the window.
 * <ul>
 *   <li>{@code freshness}: now minus the newest applied event time above the source's
 *       {@code alerts.freshness} (a source that never had an event is not judged);</li>
 *   <li>{@code lag}: records not consumed yet above {@code alerts.lag};</li>
 *   <li>{@code reject_rate}: dead-lettered events over events read in the window above
 *       {@code alerts.reject_rate}, once the window has {@value #MIN_VALUES} events;</li>
 *   <li>{@code quality_rule}: a {@code min}, {@code max}, {@code allowed} or {@code not_null} rule
 *       broken by any value in the window; {@code max_null_rate} exceeded over at least
 *       {@value #MIN_VALUES} values;</li>
 *   <li>{@code drift}: a served feature's PSI above its {@code max_psi};</li>
 *   <li>{@code absent_field}: a field the features read ({@code of}, {@code where}) that none of at
 *       least {@value dev.tessera.runtime.FieldPresence#JUDGED_AFTER} events since the node started
 *       carried: a misspelt name or a renamed field, whose features stay 0 or null (counted where the
 *       stream runtime runs);</li>
 *   <li>{@code experiment_rollback}: a guardrail rolled a variant of an experiment back to control
 *       (it stays so across restarts, until the experiment changes).</li>
 * </ul>
 * An alert is logged (WARN when it fires, INFO when it resolves) and sent to every
 * {@link AlertNotifier}; it is sent once when it fires and once when it resolves, not at every
 * evaluation. {@link #report()} is what {@code /v1/quality} and {@code /v1/alerts} answer.
 */
public final class QualityMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QualityMonitor.class);
    static final int MIN_VALUES = 20;
    /** Every kind of alert this monitor raises; each has a runbook, {@code docs/runbooks/<kind>.md}. */
    public static final List<String> ALERTS = List.of("freshness", "lag", "reject_rate", "quality_rule", "drift", "absent_field",
            "experiment_rollback");

    /** A condition judged elsewhere that fires an alert while it holds (an experiment's rollback, from {@link Scoring}). */
    public record Condition(String id, String alert, String subject, String message) {
    }

    private volatile java.util.function.Supplier<List<Condition>> conditions = List::of;

    /** Also raises an alert for each condition {@code source} gives at an evaluation, resolved once it gives it no more. */
    public void watch(java.util.function.Supplier<List<Condition>> source) {
        this.conditions = source;
    }
    private static final int KEEP_RESOLVED = 50;

    /**
     * @param interval    how often to evaluate
     * @param window      the alert window
     * @param runbookBase prefix of runbook links ({@code docs/runbooks/} by default: the repository's runbooks)
     */
    public record Settings(Duration interval, Duration window, String runbookBase) {
        public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(10), Duration.ofMinutes(5), "docs/runbooks/");
    }

    /**
     * A rule's verdict over the window; {@code last}: the newest value that broke this rule when the
     * verdict was reached (null when none did), the one the message names.
     */
    public record RuleStatus(ValueExpectation check, Rule rule, long checked, long violations, double nullRate,
                             String status, String message, ValueExpectation.Violation last) {
        public String target() {
            return check.kind().equals("source") ? "source " + check.owner() + ", field " + check.name()
                    : "feature " + check.owner() + "." + check.name();
        }
    }

    /** A served feature's drift verdict. */
    public record DriftStatus(ServedQuality.Served served, DriftTracker.Drift drift) {
    }

    /** The last evaluation. */
    public record Report(long at, List<RuleStatus> rules, List<DriftStatus> drift, List<Alert> firing, List<Alert> resolved) {
    }

    private record Sample(long at, Map<ValueExpectation, ValueExpectation.Snapshot> rules, Map<String, Map<String, Long>> counters) {
    }

    private final Definitions defs;
    private final SourceSignals sources;
    private final ServedQuality served;
    private final Settings settings;
    private final List<AlertNotifier> notifiers;
    private final LongSupplier clock;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private final Map<String, Alert> firing = new LinkedHashMap<>();
    private final Deque<Alert> resolved = new ArrayDeque<>();
    private final ScheduledExecutorService timer;
    private volatile Report report;

    public QualityMonitor(Definitions defs, SourceSignals sources, ServedQuality served, Settings settings,
                          List<AlertNotifier> notifiers, LongSupplier clock) {
        this.defs = defs;
        this.sources = sources;
        this.served = served;
        this.settings = settings;
        this.notifiers = List.copyOf(notifiers);
        this.clock = clock;
        long now = clock.getAsLong();
        Map<ValueExpectation, ValueExpectation.Snapshot> zero = new IdentityHashMap<>();
        for (ValueExpectation v : allRules()) {
            zero.put(v, ValueExpectation.Snapshot.EMPTY);
        }
        Map<String, Map<String, Long>> noCounts = new HashMap<>();
        for (String s : sources.sources()) {
            noCounts.put(s, Map.of());
        }
        samples.add(new Sample(now, zero, noCounts)); // counts since start are in the first window
        this.report = new Report(now, List.of(), List.of(), List.of(), List.of());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tessera-quality-monitor");
            t.setDaemon(true);
            return t;
        });
    }

    /** Evaluates now and then every interval, on its own thread. */
    public QualityMonitor start() {
        long every = settings.interval().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                evaluate();
            } catch (RuntimeException e) {
                LOG.error("quality evaluation failed: {}", e.toString(), e);
            }
        }, 0, every, TimeUnit.MILLISECONDS);
        return this;
    }

    public Report report() {
        return report;
    }

    public Settings settings() {
        return settings;
    }

    private List<ValueExpectation> allRules() {
        List<ValueExpectation> all = new ArrayList<>(sources.rules());
        if (served != null) {
            all.addAll(served.rules());
        }
        return all;
    }

    /** One evaluation: sample, judge the window, fire and resolve alerts. Public for tests. */
    public synchronized Report evaluate() {
        long now = clock.getAsLong();
        Sample latest = sample(now);
        samples.addLast(latest);
        long from = now - settings.window().toMillis();
        while (samples.size() > 2 && secondSample().at() <= from) {
            samples.removeFirst(); // keep the newest sample at or before the window's start as the baseline
        }
        Sample base = samples.peekFirst();
        Map<String, Alert> active = new LinkedHashMap<>();
        for (String s : sources.sources()) {
            judgeSource(s, defs.sources().get(s), latest, base, now, active);
            absentFields(s, now, active);
        }
        List<RuleStatus> rules = new ArrayList<>();
        for (ValueExpectation check : allRules()) { // definition order: sources' rules, then features'
            ValueExpectation.Snapshot window = latest.rules().get(check)
                    .minus(base.rules().getOrDefault(check, ValueExpectation.Snapshot.EMPTY));
            for (Rule rule : check.expectation().rules()) {
                if (rule == Rule.MAX_PSI) {
                    continue;
                }
                RuleStatus st = judgeRule(check, rule, window);
                rules.add(st);
                if (st.status().equals("violated")) {
                    String target = check.owner() + "." + check.name();
                    active.put("quality_rule/" + target + "/" + rule.yamlName(), alert("quality_rule/" + target + "/" + rule.yamlName(),
                            "quality_rule", (check.kind().equals("source") ? "source " : "feature ") + target, st.message(),
                            rule == Rule.MAX_NULL_RATE ? st.nullRate() : st.violations(),
                            rule == Rule.MAX_NULL_RATE ? check.expectation().maxNullRate() : 0, now));
                }
            }
        }
        List<DriftStatus> drift = new ArrayList<>();
        if (served != null) {
            for (ServedQuality.Served s : served.served()) {
                DriftTracker.Drift d = s.drift().evaluate(now, s.maxPsi());
                drift.add(new DriftStatus(s, d));
                if (d.status() == DriftTracker.Status.DRIFTED) {
                    String msg = "feature " + s.qualifiedName() + " drifted: PSI " + fmt(d.psi()) + " over " + d.samples()
                            + " served values against " + d.reference() + " (" + d.referenceSamples() + " values), above its max_psi "
                            + fmt(s.maxPsi()) + "; compare the distributions in the console's Quality tab";
                    active.put("drift/" + s.qualifiedName(), alert("drift/" + s.qualifiedName(), "drift",
                            "feature " + s.qualifiedName(), msg, d.psi(), s.maxPsi(), now));
                }
            }
        }
        for (Condition c : conditions.get()) {
            active.put(c.id(), alert(c.id(), c.alert(), c.subject(), c.message(), 1, 0, now));
        }
        transition(active, now);
        Report r = new Report(now, List.copyOf(rules), List.copyOf(drift), List.copyOf(firing.values()), List.copyOf(resolved));
        report = r;
        return r;
    }

    /** A field none of the source's events since start carried, once enough of them were seen to say so. */
    private void absentFields(String source, long now, Map<String, Alert> active) {
        for (dev.tessera.runtime.SourceDiagnostics.Field f : sources.fields(source)) {
            if (f.events() >= dev.tessera.runtime.FieldPresence.JUDGED_AFTER && f.present() == 0) {
                String id = "absent_field/" + source + "." + f.field();
                active.put(id, alert(id, "absent_field", "source " + source + "." + f.field(), "field '" + f.field() + "' of source "
                        + source + " was absent or null in all " + f.events() + " events counted since the node started, so "
                        + String.join(", ", f.readBy()) + (f.readBy().size() == 1 ? " stays" : " stay") + " 0 or null: check the"
                        + " name against the events (tessera tail --source " + source + ")", f.events(), 0, now));
            }
        }
    }

    private Sample secondSample() {
        java.util.Iterator<Sample> it = samples.iterator();
        it.next();
        return it.next();
    }

    private Sample sample(long now) {
        sources.refresh();
        Map<ValueExpectation, ValueExpectation.Snapshot> rules = new IdentityHashMap<>();
        for (ValueExpectation v : allRules()) {
            rules.put(v, v.snapshot());
        }
        Map<String, Map<String, Long>> counters = new HashMap<>();
        for (String s : sources.sources()) {
            counters.put(s, sources.counters(s));
        }
        return new Sample(now, rules, counters);
    }

    private void judgeSource(String name, Source source, Sample latest, Sample base, long now, Map<String, Alert> active) {
        AlertThresholds t = source == null ? AlertThresholds.DEFAULTS : source.alerts();
        long newest = sources.newestEventTime(name);
        if (newest != Long.MIN_VALUE && newest != Long.MAX_VALUE) {
            long behind = now - newest;
            if (behind > t.freshness().millis()) {
                active.put("freshness/" + name, alert("freshness/" + name, "freshness", "source " + name,
                        "source " + name + " is " + human(behind) + " behind: its newest applied event is from "
                                + Instant.ofEpochMilli(newest) + ", above the freshness threshold of " + t.freshness()
                                + "; check that producers still write to its topic and that consumer lag is not growing",
                        behind / 1000.0, t.freshness().millis() / 1000.0, now));
            }
        }
        long lag = sources.lag(name);
        if (lag > t.lag()) {
            active.put("lag/" + name, alert("lag/" + name, "lag", "source " + name, "source " + name + " has " + lag
                    + " records not consumed yet, above the lag threshold of " + t.lag()
                    + "; the runtime is falling behind its topic", lag, t.lag(), now));
        }
        Map<String, Long> now1 = latest.counters().getOrDefault(name, Map.of());
        Map<String, Long> then = base.counters().getOrDefault(name, Map.of());
        long in = delta(now1, then, "in");
        long rejected = 0;
        Map<String, Long> byReason = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : now1.entrySet()) {
            String k = e.getKey();
            if (Set.of("in", "accepted", "duplicate", "non_finite_value").contains(k)) {
                continue;
            }
            long d = e.getValue() - then.getOrDefault(k, 0L);
            if (d > 0) {
                rejected += d;
                byReason.put(k, d);
            }
        }
        if (in >= MIN_VALUES && (double) rejected / in > t.rejectRate()) {
            double rate = (double) rejected / in;
            active.put("reject_rate/" + name, alert("reject_rate/" + name, "reject_rate", "source " + name,
                    "source " + name + " rejected " + rejected + " of " + in + " events (" + pct(rate) + ") in the last "
                            + human(settings.window().toMillis()) + ", above the reject_rate threshold of " + pct(t.rejectRate())
                            + "; by reason: " + byReason + "; the dead-letter topic " + (source == null ? name : source.topic())
                            + ".dlq has the records", rate, t.rejectRate(), now));
        }
    }

    private static long delta(Map<String, Long> now, Map<String, Long> then, String key) {
        return now.getOrDefault(key, 0L) - then.getOrDefault(key, 0L);
    }

    private RuleStatus judgeRule(ValueExpectation check, Rule rule, ValueExpectation.Snapshot w) {
        String where = check.kind().equals("source") ? "source " + check.owner() + ", field " + check.name()
                : "feature " + check.owner() + "." + check.name();
        Expectation x = check.expectation();
        long violations = w.violations(rule);
        double nullRate = w.nullRate();
        String window = human(settings.window().toMillis());
        ValueExpectation.Violation last = w.last() != null && w.last().rule() == rule ? w.last() : null;
        if (w.checked() == 0) {
            return new RuleStatus(check, rule, 0, 0, Double.NaN, "no_data", where + ": no values in the last " + window, last);
        }
        boolean violated;
        String message;
        if (rule == Rule.MAX_NULL_RATE) {
            violated = w.checked() >= MIN_VALUES && nullRate > x.maxNullRate();
            message = where + ": " + pct(nullRate) + " of " + w.checked() + " values in the last " + window + " were null, "
                    + (violated ? "above max_null_rate " + pct(x.maxNullRate())
                    : nullRate > x.maxNullRate() ? "above max_null_rate " + pct(x.maxNullRate()) + " but not judged below "
                            + MIN_VALUES + " values"
                    : "within max_null_rate " + pct(x.maxNullRate()));
        } else {
            violated = violations > 0;
            message = where + ": " + violations + " of " + w.checked() + " values in the last " + window + " broke "
                    + rule.yamlName() + " (" + x.describe(rule) + ")"
                    + (violated && last != null ? "; last: " + last.value() + " at " + Instant.ofEpochMilli(last.at()) : "");
        }
        if (violated) {
            message += check.kind().equals("source") ? "; the producers of source " + check.owner() + " send values the definitions do not expect"
                    : "; check the feature's inputs and definition";
        }
        return new RuleStatus(check, rule, w.checked(), violations, nullRate, violated ? "violated" : "ok", message, last);
    }

    private Alert alert(String id, String kind, String subject, String message, double value, double threshold, long now) {
        return new Alert(id, kind, subject, message, value, threshold, now, settings.runbookBase() + kind + ".md", 0);
    }

    private void transition(Map<String, Alert> active, long now) {
        for (Map.Entry<String, Alert> e : active.entrySet()) {
            Alert before = firing.get(e.getKey());
            if (before == null) {
                Alert a = e.getValue();
                firing.put(a.id(), a);
                LOG.warn("ALERT {} firing: {} (runbook: {})", a.id(), a.message(), a.runbook());
                notify(a);
            } else {
                firing.put(before.id(), before.updated(e.getValue()));
            }
        }
        for (String id : List.copyOf(firing.keySet())) {
            if (!active.containsKey(id)) {
                Alert a = firing.remove(id).resolved(now);
                resolved.addFirst(a);
                while (resolved.size() > KEEP_RESOLVED) {
                    resolved.removeLast();
                }
                LOG.info("ALERT {} resolved after {}", a.id(), human(now - a.since()));
                notify(a);
            }
        }
    }

    private void notify(Alert a) {
        for (AlertNotifier n : notifiers) {
            try {
                n.send(a);
            } catch (RuntimeException e) {
                LOG.warn("could not send alert {} to {}: {}", a.id(), n, e.toString());
            }
        }
    }

    static String human(long millis) {
        long s = Math.max(0, millis) / 1000;
        if (s < 60) {
            return String.format(java.util.Locale.ROOT, "%.1f s", Math.max(0, millis) / 1000.0);
        }
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return s / 60 + " min" + (s % 60 == 0 ? "" : " " + s % 60 + " s");
        }
        return s / 3600 + " h " + (s % 3600) / 60 + " min";
    }

    private static String pct(double share) {
        return String.format(java.util.Locale.ROOT, "%.2f%%", share * 100);
    }

    private static String fmt(double d) {
        return String.format(java.util.Locale.ROOT, "%.3f", d);
    }

    /**
     * Registers {@code tessera_quality_values_total{kind, owner, name}} (values checked),
     * {@code tessera_quality_violations_total{kind, owner, name, rule}},
     * {@code tessera_feature_psi{feature}} (NaN without a verdict) and
     * {@code tessera_alerts_firing{alert}}.
     */
    public QualityMonitor bind(io.micrometer.core.instrument.MeterRegistry registry) {
        for (ValueExpectation v : allRules()) {
            io.micrometer.core.instrument.FunctionCounter.builder("tessera.quality.values", v, c -> c.snapshot().checked())
                    .description("Values checked by quality rules").tag("kind", v.kind()).tag("owner", v.owner()).tag("name", v.name())
                    .register(registry);
            for (Rule rule : v.expectation().rules()) {
                if (rule == Rule.MAX_PSI) {
                    continue;
                }
                io.micrometer.core.instrument.FunctionCounter.builder("tessera.quality.violations", v, c -> c.snapshot().violations(rule))
                        .description("Values that broke a quality rule (for max_null_rate and not_null: the nulls)")
                        .tag("kind", v.kind()).tag("owner", v.owner()).tag("name", v.name()).tag("rule", rule.yamlName())
                        .register(registry);
            }
        }
        if (served != null) {
            for (ServedQuality.Served s : served.served()) {
                io.micrometer.core.instrument.Gauge.builder("tessera.feature.psi", this, m -> m.psiOf(s))
                        .description("Population stability index of the served feature against its drift reference")
                        .tag("feature", s.qualifiedName()).register(registry);
            }
        }
        for (String kind : ALERTS) {
            io.micrometer.core.instrument.Gauge.builder("tessera.alerts.firing", this,
                            m -> m.report().firing().stream().filter(a -> a.alert().equals(kind)).count())
                    .description("Alerts firing, by kind").tag("alert", kind).register(registry);
        }
        return this;
    }

    private double psiOf(ServedQuality.Served s) {
        for (DriftStatus d : report.drift()) {
            if (d.served() == s) {
                return d.drift().psi();
            }
        }
        return Double.NaN;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        for (AlertNotifier n : notifiers) {
            n.close();
        }
    }
}
