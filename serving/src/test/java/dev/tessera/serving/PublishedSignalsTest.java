package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Expectation;
import dev.tessera.core.quality.ValueExpectation;
import dev.tessera.core.quality.ValueExpectation.Snapshot;
import dev.tessera.runtime.StoreFeatureReader;
import dev.tessera.runtime.WriterCounts;
import dev.tessera.store.InMemoryTileStore;
import dev.tessera.store.WriteSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stateless node's view of the counts the Flink job's subtasks publish: random rounds of writers
 * that count, restart from zero (a new incarnation) or stay quiet, each publishing what it counted,
 * against a naive oracle that adds every increment any writer ever counted. Then the alert monitor
 * on top of it: a reject rate and a rule broken only in what a writer published fire their alerts.
 */
class PublishedSignalsTest {
    @TempDir
    Path dir;

    /** One writer subtask: its incarnation and what it counted since it started. */
    private static final class Writer {
        long incarnation;
        long in;
        long malformed;
        long checked;
        long belowMin;
        ValueExpectation.Violation last;

        WriterCounts counts() {
            return new WriterCounts(incarnation, Map.of("in", in, "malformed", malformed),
                    Map.of("amount", new Snapshot(checked, 0, belowMin, 0, 0, last)));
        }
    }

    @Test
    void totalsAddEveryIncreaseAcrossRestartsAsTheOracleDoes() throws Exception {
        Definitions defs = defs();
        InMemoryTileStore store = new InMemoryTileStore();
        AtomicLong clock = new AtomicLong(1_700_000_000_000L);
        PublishedSignals signals = new PublishedSignals(defs, new StoreFeatureReader(defs, store), clock::get);
        assertThat(signals.sources()).containsExactly("payments");
        assertThat(signals.counters("payments")).containsEntry("in", 0L).containsEntry("accepted", 0L);
        ValueExpectation amount = signals.rules().get(0);
        assertThat(amount.name()).isEqualTo("amount");

        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            Map<String, Writer> writers = new HashMap<>();
            long oracleIn = signals.counters("payments").get("in");
            long oracleMalformed = signals.counters("payments").get("malformed");
            Snapshot before = amount.snapshot();
            long oracleChecked = before.checked();
            long oracleBelowMin = before.belowMin();
            ValueExpectation.Violation oracleLast = before.last();
            for (int round = 0; round < 50; round++) {
                for (int w = 0; w < 3; w++) {
                    String id = "fan-out-" + w + "-" + seed;
                    Writer writer = writers.computeIfAbsent(id, k -> new Writer());
                    int what = random.nextInt(10);
                    if (what == 0 && writer.in > 0) { // restart: counts from zero in a new incarnation
                        Writer fresh = new Writer();
                        fresh.incarnation = random.nextLong();
                        writers.put(id, fresh);
                        writer = fresh;
                    }
                    if (what < 7) {
                        long n = random.nextInt(100);
                        long bad = random.nextInt(3);
                        long belowMin = random.nextInt(2);
                        writer.in += n + bad;
                        writer.malformed += bad;
                        writer.checked += n;
                        writer.belowMin += belowMin;
                        oracleIn += n + bad;
                        oracleMalformed += bad;
                        oracleChecked += n;
                        oracleBelowMin += belowMin;
                        if (belowMin > 0) {
                            writer.last = new ValueExpectation.Violation(Expectation.Rule.MIN, "-" + round, clock.get());
                            oracleLast = writer.last;
                        }
                    }
                    if (what < 8) {
                        WriteSet ws = new WriteSet();
                        WriterCounts.put(ws, "payments", id, writer.counts());
                        store.write(ws);
                    }
                    clock.addAndGet(7);
                }
                clock.addAndGet(PublishedSignals.MAX_AGE_MILLIS);
                Map<String, Long> c = signals.counters("payments"); // refreshes: the last read is older than the max age
                assertThat(c.get("in")).as("seed %d round %d", seed, round).isEqualTo(oracleIn);
                assertThat(c.get("malformed")).isEqualTo(oracleMalformed);
                Snapshot s = amount.snapshot();
                assertThat(s.checked()).isEqualTo(oracleChecked);
                assertThat(s.belowMin()).isEqualTo(oracleBelowMin);
                assertThat(s.last()).isEqualTo(oracleLast);
                signals.refresh(); // nothing new: nothing added
                assertThat(signals.counters("payments").get("in")).isEqualTo(oracleIn);
                assertThat(amount.snapshot().checked()).isEqualTo(oracleChecked);
            }
        }
    }

    @Test
    void theMonitorAlertsOnWhatTheJobPublished() throws Exception {
        Definitions defs = defs();
        InMemoryTileStore store = new InMemoryTileStore();
        AtomicLong clock = new AtomicLong(1_700_000_000_000L);
        PublishedSignals signals = new PublishedSignals(defs, new StoreFeatureReader(defs, store), clock::get);
        QualityMonitor.Settings settings = new QualityMonitor.Settings(Duration.ofSeconds(10), Duration.ofMinutes(5), "docs/runbooks/");
        try (QualityMonitor m = new QualityMonitor(defs, signals, null, settings, List.of(), clock::get)) {
            publish(store, "aggregate-0", 1, Map.of("accepted", 100L), Map.of());
            publish(store, "fan-out-0", 1, Map.of("in", 100L), Map.of("amount", new Snapshot(100, 0, 0, 0, 0, null)));
            clock.addAndGet(10_000);
            assertThat(m.evaluate().firing()).extracting(Alert::id).doesNotContain("reject_rate/payments");

            // the next 100 events: 30 malformed (30 of the window's 200: 15% > 5%), 3 negative amounts against min: 0
            ValueExpectation.Violation v = new ValueExpectation.Violation(Expectation.Rule.MIN, "-5", clock.get());
            publish(store, "aggregate-0", 1, Map.of("accepted", 170L), Map.of());
            publish(store, "fan-out-0", 1, Map.of("in", 200L, "malformed", 30L),
                    Map.of("amount", new Snapshot(170, 0, 3, 0, 0, v)));
            clock.addAndGet(10_000);
            QualityMonitor.Report r = m.evaluate();
            assertThat(r.firing()).extracting(Alert::id).contains("reject_rate/payments", "quality_rule/payments.amount/min");
            QualityMonitor.RuleStatus amount = r.rules().stream().filter(s -> s.check().name().equals("amount")).findFirst().orElseThrow();
            assertThat(amount.violations()).isEqualTo(3);
            assertThat(amount.check().snapshot().last()).isEqualTo(v);
        }
    }

    /**
     * The presence of the fields the features read, as the fan-out subtasks publish it: added across
     * writers and their restarts as the oracle adds every event any writer decoded, and a field none of
     * them carried fires {@code absent_field} once enough events were seen, as on a node running the runtime.
     */
    @Test
    void fieldPresenceAddsUpAcrossWritersAndAnAbsentFieldAlerts() throws Exception {
        Files.writeString(dir.resolve("defs.yaml"), QualityMonitorTest.DEFS + """
                  - { name: declined, agg: count, where: "stauts == 'DECLINED'", windows: [1h] }
                """);
        Definitions defs = DefinitionLoader.load(dir);
        InMemoryTileStore store = new InMemoryTileStore();
        AtomicLong clock = new AtomicLong(1_700_000_000_000L);
        PublishedSignals signals = new PublishedSignals(defs, new StoreFeatureReader(defs, store), clock::get);
        List<String> read = signals.fields("payments").stream().map(dev.tessera.runtime.SourceDiagnostics.Field::field).toList();
        assertThat(read).containsExactly("amount", "stauts");
        String carried = read.get(0);
        QualityMonitor.Settings settings = new QualityMonitor.Settings(Duration.ofSeconds(10), Duration.ofMinutes(5), "docs/runbooks/");
        Random random = new Random(7);
        long[] events = new long[2]; // per writer since its start
        long[] withField = new long[2];
        long[] incarnation = {1, 1};
        long oracleEvents = 0;
        long oracleCarried = 0;
        try (QualityMonitor m = new QualityMonitor(defs, signals, null, settings, List.of(), clock::get)) {
            while (oracleEvents < dev.tessera.runtime.FieldPresence.JUDGED_AFTER * 2) {
                int w = random.nextInt(2);
                if (random.nextInt(8) == 0 && events[w] > 0) { // restart: from zero, in a new incarnation
                    events[w] = 0;
                    withField[w] = 0;
                    incarnation[w]++;
                }
                long n = 1 + random.nextInt(900);
                long c = random.nextInt((int) n + 1);
                events[w] += n;
                withField[w] += c;
                oracleEvents += n;
                oracleCarried += c;
                Map<String, Long> present = new HashMap<>();
                for (String f : read) {
                    present.put(f, f.equals(carried) ? withField[w] : 0L);
                }
                WriteSet ws = new WriteSet();
                WriterCounts.put(ws, "payments", "fan-out-" + w, new WriterCounts(incarnation[w], Map.of("in", events[w]), Map.of(),
                        events[w], present));
                store.write(ws);
                clock.addAndGet(PublishedSignals.MAX_AGE_MILLIS);
                for (dev.tessera.runtime.SourceDiagnostics.Field f : signals.fields("payments")) {
                    assertThat(f.events()).isEqualTo(oracleEvents);
                    assertThat(f.present()).as(f.field()).isEqualTo(f.field().equals(carried) ? oracleCarried : 0);
                }
                List<String> firing = m.evaluate().firing().stream().map(Alert::id).toList();
                for (String f : read) {
                    boolean absent = !f.equals(carried) && oracleEvents >= dev.tessera.runtime.FieldPresence.JUDGED_AFTER;
                    assertThat(firing.contains("absent_field/payments." + f)).as("%s after %d events", f, oracleEvents).isEqualTo(absent);
                }
            }
        }
    }

    private static void publish(InMemoryTileStore store, String writer, long incarnation, Map<String, Long> outcomes,
                                Map<String, Snapshot> rules) {
        WriteSet ws = new WriteSet();
        WriterCounts.put(ws, "payments", writer, new WriterCounts(incarnation, outcomes, rules));
        store.write(ws);
    }

    private Definitions defs() throws Exception {
        Files.writeString(dir.resolve("defs.yaml"), QualityMonitorTest.DEFS);
        return DefinitionLoader.load(dir);
    }
}
