package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.core.quality.ValueExpectation;
import dev.tessera.runtime.FeatureReader;
import dev.tessera.runtime.FeatureValues;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor's judgement on a hand-driven clock: each alert fires when its condition crosses the
 * threshold stated in the definitions, names its source or feature, is sent once when it fires and
 * once when it resolves (to a real HTTP webhook receiver), and resolves when the condition has left
 * the window. Inputs are set by hand ({@link Signals}) so every figure in the messages is known.
 */
class QualityMonitorTest {
    static final String DEFS = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: commerce.payments }
            timestamp: event_time
            expect:
              amount: { min: 0 }
              country: { max_null_rate: 0.1 }
            alerts: { freshness: 1m, lag: 1000, reject_rate: 0.05 }
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
              - { name: amount_sum, agg: sum, of: amount, windows: [1h], expect: { min: 0, max_psi: 0.2 } }
            """;

    @TempDir
    Path dir;

    /** Source signals set by the test. */
    static final class Signals implements SourceSignals {
        long newest = Long.MIN_VALUE;
        long lag = -1;
        final Map<String, Long> counters = new HashMap<>();
        final List<ValueExpectation> rules = new ArrayList<>();
        List<dev.tessera.runtime.SourceDiagnostics.Field> fields = List.of();

        @Override
        public List<String> sources() {
            return List.of("payments");
        }

        @Override
        public long newestEventTime(String source) {
            return newest;
        }

        @Override
        public long lag(String source) {
            return lag;
        }

        @Override
        public Map<String, Long> counters(String source) {
            return Map.copyOf(counters);
        }

        @Override
        public List<ValueExpectation> rules() {
            return rules;
        }

        @Override
        public List<dev.tessera.runtime.SourceDiagnostics.Field> fields(String source) {
            return fields;
        }
    }

    /** A reader serving one feature whose next value the test sets. */
    static final class OneFeature implements FeatureReader {
        volatile Object next;

        @Override
        public List<String> groups() {
            return List.of("account_payments");
        }

        @Override
        public List<String> servedNames(String group) {
            return List.of("amount_sum_1h");
        }

        @Override
        public List<String> entityKeyFields(String group) {
            return List.of("account_id");
        }

        @Override
        public FeatureValues read(String group, List<String> key, long now) {
            List<Object> v = new ArrayList<>();
            v.add(next);
            return new FeatureValues(group, key, true, now, List.of("amount_sum_1h"), v);
        }

        @Override
        public long newestEventTime(String group) {
            return Long.MIN_VALUE;
        }

        @Override
        public String sourceOf(String group) {
            return "payments";
        }
    }

    /** Too few values to judge a null rate: the message says so, instead of "within" a rate it is above. */
    /** A monitor over {@link #DEFS}, its sources' rules in {@code signals}, on {@code clock}, judging a 5-min window every 10 s. */
    private QualityMonitor monitor(Signals signals, AtomicLong clock) throws Exception {
        Files.writeString(dir.resolve("defs.yaml"), DEFS);
        Definitions defs = DefinitionLoader.load(dir);
        defs.sources().get("payments").expectations().forEach((field, x) ->
                signals.rules.add(new ValueExpectation("source", "payments", field, x)));
        ServedQuality served = new ServedQuality(defs, new OneFeature(), Map.of(), null, dev.tessera.api.TimeSpan.parse("10m"), 1_000_000,
                clock::get);
        return new QualityMonitor(defs, signals, served, SETTINGS, List.of(), clock::get);
    }

    static final QualityMonitor.Settings SETTINGS = new QualityMonitor.Settings(Duration.ofSeconds(10), Duration.ofMinutes(5),
            "docs/runbooks/");

    @Test
    void aNullRateOfTooFewValuesIsNotCalledWithin() throws Exception {
        AtomicLong clock = new AtomicLong(1_800_000_000_000L);
        Signals signals = new Signals();
        try (QualityMonitor m = monitor(signals, clock)) {
            ValueExpectation country = signals.rules.get(1);
            signals.newest = clock.get();
            for (int i = 0; i < 8; i++) {
                country.observe("DE", clock.get());
            }
            country.observe(null, clock.get());
            QualityMonitor.RuleStatus nulls = m.evaluate().rules().stream().filter(r -> r.check() == country).findFirst().orElseThrow();
            assertThat(nulls.status()).isEqualTo("ok");
            assertThat(nulls.message()).contains("11.11% of 9 values", "above max_null_rate 10.00% but not judged below "
                    + QualityMonitor.MIN_VALUES + " values").doesNotContain("within");
        }
    }

    /**
     * GET /v1/quality shows the last evaluation: its "last_violation" is the one that evaluation's
     * message names, not a newer value that broke the rule after it (the next evaluation shows that).
     */
    @Test
    void theLastViolationShownIsTheOneTheMessageNames() throws Exception {
        AtomicLong clock = new AtomicLong(1_800_000_000_000L);
        Signals signals = new Signals();
        QualityMonitor.Settings settings = SETTINGS;
        try (QualityMonitor m = monitor(signals, clock)) {
            ValueExpectation amount = signals.rules.get(0);
            signals.newest = clock.get();
            amount.observe(3.0, clock.get());
            amount.observe(-7.0, clock.get());
            QualityMonitor.Report first = m.evaluate();
            clock.addAndGet(2_000);
            amount.observe(-99.0, clock.get()); // after the evaluation

            JsonNode rule = amountMin(first, settings);
            assertThat(rule.get("message").asText()).contains("; last: -7 at ");
            assertThat(rule.get("last_violation").get("value").asText()).isEqualTo("-7");
            assertThat(rule.get("last_violation").get("at").longValue()).isEqualTo(clock.get() - 2_000);

            JsonNode next = amountMin(m.evaluate(), settings);
            assertThat(next.get("message").asText()).contains("; last: -99 at ");
            assertThat(next.get("last_violation").get("value").asText()).isEqualTo("-99");
        }
    }

    /**
     * A field none of 10,000 events carried fires absent_field, naming it and what reads it; one event
     * fewer, or one event with it, does not; it resolves once the field shows up.
     */
    @Test
    void aFieldNoEventCarriesFiresAbsentFieldAndResolvesWhenItShowsUp() throws Exception {
        AtomicLong clock = new AtomicLong(1_800_000_000_000L);
        Signals signals = new Signals();
        try (QualityMonitor m = monitor(signals, clock)) {
            signals.newest = clock.get();
            long n = dev.tessera.runtime.FieldPresence.JUDGED_AFTER;
            List<String> readBy = List.of("account_payments.declined (where)", "account_payments.last_status (of)");
            signals.fields = List.of(new dev.tessera.runtime.SourceDiagnostics.Field("stauts", readBy, n - 1, 0),
                    new dev.tessera.runtime.SourceDiagnostics.Field("amount", List.of("account_payments.amount_sum (of)"), n - 1, n - 1));
            assertThat(m.evaluate().firing()).as("one event short of judging").isEmpty();

            clock.addAndGet(10_000);
            signals.fields = List.of(new dev.tessera.runtime.SourceDiagnostics.Field("stauts", readBy, n, 0),
                    new dev.tessera.runtime.SourceDiagnostics.Field("amount", List.of("account_payments.amount_sum (of)"), n, 1));
            QualityMonitor.Report r = m.evaluate();
            assertThat(r.firing()).singleElement().satisfies(a -> {
                assertThat(a.id()).isEqualTo("absent_field/payments.stauts");
                assertThat(a.alert()).isEqualTo("absent_field");
                assertThat(a.subject()).isEqualTo("source payments.stauts");
                assertThat(a.message()).isEqualTo("field 'stauts' of source payments was absent or null in all " + n + " events counted"
                        + " since the node started, so account_payments.declined (where), account_payments.last_status (of) stay"
                        + " 0 or null:"
                        + " check the name against the events (tessera tail --source payments)");
                assertThat(a.runbook()).isEqualTo("docs/runbooks/absent_field.md");
            });

            clock.addAndGet(10_000);
            signals.fields = List.of(new dev.tessera.runtime.SourceDiagnostics.Field("stauts", readBy, n + 5, 1));
            r = m.evaluate();
            assertThat(r.firing()).isEmpty();
            assertThat(r.resolved()).extracting(Alert::id).contains("absent_field/payments.stauts");
        }
    }

    private static JsonNode amountMin(QualityMonitor.Report report, QualityMonitor.Settings settings) throws Exception {
        java.io.StringWriter text = new java.io.StringWriter();
        try (com.fasterxml.jackson.core.JsonGenerator out = new ObjectMapper().getFactory().createGenerator(text)) {
            QualityJson.quality(report, settings, out);
        }
        for (JsonNode r : new ObjectMapper().readTree(text.toString()).get("rules")) {
            if (r.get("field").asText().equals("amount") && r.get("rule").asText().equals("min")) {
                return r;
            }
        }
        throw new AssertionError("no amount/min rule in " + text);
    }

    @Test
    void alertsFireOnceNameTheirSubjectAndResolve() throws Exception {
        Files.writeString(dir.resolve("defs.yaml"), DEFS);
        Definitions defs = DefinitionLoader.load(dir);
        final long t0 = 1_800_000_000_000L;
        AtomicLong clock = new AtomicLong(t0);
        Signals signals = new Signals();
        defs.sources().get("payments").expectations().forEach((field, x) ->
                signals.rules.add(new ValueExpectation("source", "payments", field, x)));
        ValueExpectation amount = signals.rules.get(0);
        ValueExpectation country = signals.rules.get(1);
        OneFeature reader = new OneFeature();
        ServedQuality served = new ServedQuality(defs, reader, Map.of(), null, dev.tessera.api.TimeSpan.parse("10m"), 1_000_000,
                clock::get);
        FeatureReader monitored = served.monitor(reader);

        BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/hook", ex -> {
            received.add(new ObjectMapper().readTree(ex.getRequestBody()));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hook.start();
        QualityMonitor.Settings settings = new QualityMonitor.Settings(Duration.ofSeconds(10), Duration.ofMinutes(5), "docs/runbooks/");
        try (QualityMonitor m = new QualityMonitor(defs, signals, served, settings,
                List.of(AlertNotifier.webhook(URI.create("http://127.0.0.1:" + hook.getAddress().getPort() + "/hook"))), clock::get)) {
            // all well: fresh, no lag, no rejects, good values
            signals.newest = clock.get() - 5_000;
            signals.counters.put("in", 100L);
            signals.counters.put("accepted", 100L);
            for (int i = 0; i < 50; i++) {
                amount.observe(10.0, clock.get());
                country.observe("DE", clock.get());
            }
            assertThat(m.evaluate().firing()).isEmpty();

            // a freshness stall: 61 s behind a 1m threshold
            clock.addAndGet(10_000);
            signals.newest = clock.get() - 61_000;
            QualityMonitor.Report r = m.evaluate();
            assertThat(r.firing()).extracting(Alert::id).containsExactly("freshness/payments");
            Alert fresh = r.firing().get(0);
            assertThat(fresh.subject()).isEqualTo("source payments");
            assertThat(fresh.message()).contains("source payments is 61 s behind").contains("threshold of 1m");
            assertThat(fresh.value()).isEqualTo(61.0);
            assertThat(fresh.runbook()).isEqualTo("docs/runbooks/freshness.md");
            JsonNode sent = received.poll(10, TimeUnit.SECONDS);
            assertThat(sent.get("status").asText()).isEqualTo("firing");
            assertThat(sent.get("id").asText()).isEqualTo("freshness/payments");
            assertThat(sent.get("text").asText()).contains("freshness on source payments");
            clock.addAndGet(10_000);
            signals.newest = clock.get() - 75_000;
            assertThat(m.evaluate().firing().get(0).value()).isEqualTo(75.0); // updated, not sent again
            signals.newest = clock.get() - 1_000;
            r = m.evaluate();
            assertThat(r.firing()).isEmpty();
            assertThat(r.resolved()).extracting(Alert::id).containsExactly("freshness/payments");
            sent = received.poll(10, TimeUnit.SECONDS);
            assertThat(sent.get("status").asText()).isEqualTo("resolved");
            assertThat(received.poll(200, TimeUnit.MILLISECONDS)).as("one message per transition").isNull();

            // rejects: 12 of the 200 events read since the window began (6% > 5%), and lag
            clock.addAndGet(10_000);
            signals.counters.put("in", 200L);
            signals.counters.put("accepted", 186L);
            signals.counters.put("duplicate", 2L); // not a reject
            signals.counters.put("malformed", 8L);
            signals.counters.put("late", 4L);
            signals.lag = 1001;
            r = m.evaluate();
            assertThat(r.firing()).extracting(Alert::id).containsExactlyInAnyOrder("reject_rate/payments", "lag/payments");
            Alert rejects = r.firing().stream().filter(a -> a.alert().equals("reject_rate")).findFirst().orElseThrow();
            assertThat(rejects.message()).contains("rejected 12 of 200 events").contains("malformed=8").contains("late=4")
                    .contains("commerce.payments.dlq");
            assertThat(rejects.value()).isEqualTo(0.06, org.assertj.core.data.Offset.offset(1e-12));
            signals.lag = 10;

            // a rule violation: a negative amount, and countries missing above 10%
            clock.addAndGet(10_000);
            amount.observe(-5.0, clock.get());
            for (int i = 0; i < 10; i++) {
                country.observe(null, clock.get());
            }
            r = m.evaluate();
            assertThat(r.firing()).extracting(Alert::id).contains("quality_rule/payments.amount/min",
                    "quality_rule/payments.country/max_null_rate");
            Alert rule = r.firing().stream().filter(a -> a.id().equals("quality_rule/payments.amount/min")).findFirst().orElseThrow();
            assertThat(rule.subject()).isEqualTo("source payments.amount");
            assertThat(rule.message()).contains("source payments, field amount: 1 of 51 values").contains("broke min (>= 0)")
                    .contains("last: -5 at");
            assertThat(rule.runbook()).isEqualTo("docs/runbooks/quality_rule.md");
            QualityMonitor.RuleStatus nulls = r.rules().stream().filter(s -> s.check() == country).findFirst().orElseThrow();
            assertThat(nulls.nullRate()).isEqualTo(10.0 / 60);
            assertThat(nulls.status()).isEqualTo("violated");

            // five minutes on, the violations have left the window
            for (int i = 0; i < 31; i++) {
                clock.addAndGet(10_000);
                signals.newest = clock.get() - 1_000;
                r = m.evaluate();
            }
            assertThat(r.firing()).extracting(Alert::id).doesNotContain("quality_rule/payments.amount/min");
            assertThat(r.rules()).allSatisfy(s -> assertThat(s.status()).isEqualTo("no_data"));

            // drift (windows of 10 min from t0): a whole window of amounts around 100, then half of one around 300
            java.util.Random rnd = new java.util.Random(1);
            long start = t0 + 600_000;
            assertThat(clock.get()).isLessThan(start);
            clock.set(start);
            while (clock.get() < start + 600_000) {
                reader.next = 100 + rnd.nextGaussian() * 10;
                monitored.read("account_payments", List.of("a"), clock.get());
                clock.addAndGet(1_000);
            }
            while (clock.get() < start + 900_000) {
                reader.next = 300 + rnd.nextGaussian() * 10;
                monitored.read("account_payments", List.of("a"), clock.get());
                clock.addAndGet(1_000);
            }
            signals.newest = clock.get();
            r = m.evaluate();
            Alert drift = r.firing().stream().filter(a -> a.alert().equals("drift")).findFirst().orElseThrow();
            assertThat(drift.id()).isEqualTo("drift/account_payments.amount_sum_1h");
            assertThat(drift.subject()).isEqualTo("feature account_payments.amount_sum_1h");
            assertThat(drift.value()).isGreaterThan(1.0);
            assertThat(drift.message()).contains("drifted: PSI").contains("above its max_psi 0.200");
        } finally {
            hook.stop(0);
        }
    }
}
