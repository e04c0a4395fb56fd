package dev.tessera.generator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Disorder is injected at the configured rates, and the reported counts are exactly what a consumer
 * finds in the output ({@link OutputReader} recounts them from the bytes alone).
 */
class DisorderTest {
    private static final DisorderRates RATES = new DisorderRates(0.01, 0.04, 0.02, 0.03, 0.01);
    private static GeneratorConfig config;
    private static Collected out;

    @BeforeAll
    static void generate() {
        config = GeneratorConfig.builder().seed(11).accounts(3_000).eventsPerSecond(20).events(60_000)
                .disorder(RATES).build();
        out = Collected.run(config);
    }

    @Test
    void reportedCountsEqualARecountOfTheOutput() {
        OutputReader reader = new OutputReader(config);
        for (GeneratedRecord r : out.records) {
            reader.read(r.source(), r.value());
        }
        assertThat(reader.counts).isEqualTo(out.stats.disorder());
        assertThat(out.stats.totalRecords()).isEqualTo(out.records.size()).isEqualTo(60_000);
    }

    @Test
    void eachRecordIsMarkedWithTheDisorderAConsumerFinds() {
        OutputReader reader = new OutputReader(config);
        for (GeneratedRecord r : out.records) {
            assertThat(reader.read(r.source(), r.value())).as(r.text()).isEqualTo(r.disorder());
        }
    }

    @Test
    void ratesAreWithinStatisticalBoundsOfTheConfiguredOnes() {
        long duplicates = out.stats.disorder(Disorder.DUPLICATE);
        long worldEvents = out.records.size() - duplicates; // every other record is one event of the world
        for (Disorder kind : Disorder.values()) {
            double p = RATES.rate(kind);
            double expected = worldEvents * p;
            double sigma = Math.sqrt(worldEvents * p * (1 - p));
            // 5 sigma, plus a few events at the very start that have no newest time yet
            assertThat((double) out.stats.disorder(kind)).as(kind.code())
                    .isBetween(expected - 5 * sigma - 8, expected + 5 * sigma);
        }
    }

    @Test
    void everySourceGetsDisorder() {
        for (CommerceSource s : new CommerceSource[] {CommerceSource.PAYMENTS, CommerceSource.LOGINS}) {
            for (Disorder kind : Disorder.values()) {
                assertThat(out.stats.disorder(s, kind)).as(s + " " + kind).isPositive();
            }
        }
    }

    @Test
    void malformedRecordsAreBrokenTheWayTheirKindSays() {
        Map<Disorder, Integer> checked = new EnumMap<>(Disorder.class);
        for (GeneratedRecord r : out.records) {
            if (r.disorder() == null || !r.disorder().malformed()) {
                continue;
            }
            ObjectNode o = OutputReader.parse(r.value());
            switch (r.disorder()) {
                case BROKEN_JSON -> assertThat(o).as(r.text()).isNull();
                case MISSING_KEY -> {
                    assertThat(o).isNotNull();
                    assertThat(r.source().entityKeyFields()).noneMatch(o::has);
                    assertThat(o.has(r.source().idField())).isTrue();
                }
                case WRONG_TYPE -> assertThat(o.get("event_time").asText()).matches("\\d\\d/\\d\\d/\\d{4} \\d\\d:\\d\\d:\\d\\d");
                default -> throw new AssertionError(r.disorder());
            }
            checked.merge(r.disorder(), 1, Integer::sum);
        }
        assertThat(checked).containsOnlyKeys(Disorder.BROKEN_JSON, Disorder.MISSING_KEY, Disorder.WRONG_TYPE);
    }

    @Test
    void disorderHasTheMagnitudesTheRuntimeTellsApart() {
        Map<CommerceSource, Long> newest = new EnumMap<>(CommerceSource.class);
        Map<String, String> firstCopy = new java.util.HashMap<>();
        long clock = Long.MIN_VALUE;
        for (GeneratedRecord r : out.records) {
            SourceTiming t = config.timing().get(r.source());
            Long n = newest.get(r.source());
            if (r.disorder() == null) {
                newest.put(r.source(), r.eventTime());
                clock = Math.max(clock, r.eventTime());
                firstCopy.put(r.source() + idOf(r), r.text());
            } else if (r.disorder() == Disorder.LATE) {
                assertThat(n - r.eventTime()).as("behind the newest time").isBetween(
                        t.latenessMillis() + 1_000, t.latenessMillis() + 3_601_000);
            } else if (r.disorder() == Disorder.OUT_OF_ORDER) {
                assertThat(n - r.eventTime()).isBetween(1L, t.latenessMillis() / 2);
            } else if (r.disorder() == Disorder.FUTURE) {
                assertThat(r.eventTime() - clock).as("ahead of the clock").isGreaterThan(t.maxClockSkewMillis() + 3_600_000);
            } else if (r.disorder() == Disorder.DUPLICATE) {
                assertThat(r.text()).as("a retry sends the same bytes").isEqualTo(firstCopy.get(r.source() + idOf(r)));
            }
        }
    }

    private static String idOf(GeneratedRecord r) {
        return OutputReader.parse(r.value()).get(r.source().idField()).asText();
    }

    @Test
    void aCleanConfigurationHasNoDisorder() {
        Collected clean = Collected.run(config.toBuilder().disorder(DisorderRates.NONE).events(5_000).build());
        assertThat(clean.records).allMatch(r -> r.disorder() == null);
        OutputReader reader = new OutputReader(config);
        assertThat(clean.records).allMatch(r -> reader.read(r.source(), r.value()) == null);
    }
}
