package dev.tessera.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.serving.MetricsHistory.Point;
import java.io.StringWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@link MetricsHistory} sampled by hand, with a hand-set clock and counters, against values worked
 * out on paper: rates are counter differences over the time between samples, the rejected count is
 * the sum of the reject outcomes, and the reject rate divides it by the events decided (accepted,
 * duplicate or rejected) in the interval.
 */
class MetricsHistoryTest {
    /** Counters, newest event time and lag per source, as a test sets them (the runtime's figures). */
    static final class Figures implements MetricsHistory.Probe {
        final Map<String, Map<String, Long>> counters = new LinkedHashMap<>();
        final Map<String, Long> newest = new HashMap<>();
        final Map<String, Long> lag = new HashMap<>();

        Figures(String... sources) {
            for (String s : sources) {
                counters.put(s, new LinkedHashMap<>());
                newest.put(s, Long.MIN_VALUE);
                lag.put(s, -1L);
            }
        }

        void set(String source, long newestEventTime, long lagRecords, Object... outcomeCounts) {
            Map<String, Long> c = counters.get(source);
            c.clear();
            for (int i = 0; i < outcomeCounts.length; i += 2) {
                c.put((String) outcomeCounts[i], ((Number) outcomeCounts[i + 1]).longValue());
            }
            newest.put(source, newestEventTime);
            lag.put(source, lagRecords);
        }

        @Override
        public List<String> sources() {
            return List.copyOf(counters.keySet());
        }

        @Override
        public Map<String, Long> counters(String source) {
            return Map.copyOf(counters.get(source));
        }

        @Override
        public long newestEventTime(String source) {
            return newest.get(source);
        }

        @Override
        public long lag(String source) {
            return lag.get(source);
        }
    }

    final AtomicLong clock = new AtomicLong();
    final Figures figures = new Figures("payments", "logins");

    MetricsHistory history(int capacity) {
        return MetricsHistory.manual(figures, clock::get, Duration.ofSeconds(5), capacity);
    }

    @Test
    void ratesAndTheRejectRateComeFromCounterDifferencesBetweenSamples() {
        MetricsHistory h = history(720);
        clock.set(1_000);
        h.sample(); // nothing yet: no event time, lag unknown, no rates (no previous sample)
        clock.set(6_000);
        // 100 in; 80 accepted, 5 duplicates, 10 late + 3 malformed rejected; 2 still being applied.
        // non_finite_value notes a value of an accepted event: not a rejection.
        figures.set("payments", 5_000, 12, "in", 100, "accepted", 80, "duplicate", 5, "late", 10, "malformed", 3,
                "non_finite_value", 7, "future", 0);
        h.sample();
        clock.set(8_000);
        // +50 in, +40 accepted, +0 duplicates, +2 late over 2 s
        figures.set("payments", 7_990, 0, "in", 150, "accepted", 120, "duplicate", 5, "late", 12, "malformed", 3,
                "non_finite_value", 7, "future", 0);
        h.sample();

        List<Point> p = h.points("payments");
        assertThat(p).hasSize(3);
        assertThat(p.get(0)).isEqualTo(new Point(1_000, null, null, null, null, null, null));

        Point second = p.get(1);
        assertThat(second.t()).isEqualTo(6_000);
        assertThat(second.freshnessS()).isEqualTo(1.0);                 // (6000 - 5000) ms
        assertThat(second.inPerS()).isEqualTo(20.0);                    // 100 / 5 s
        assertThat(second.acceptedPerS()).isEqualTo(16.0);              // 80 / 5 s
        assertThat(second.rejectedPerS()).isEqualTo(2.6);               // (10 + 3) / 5 s
        assertThat(second.rejectRate()).isCloseTo(13.0 / 98, within(1e-12)); // 13 / (80 + 5 + 13)
        assertThat(second.lag()).isEqualTo(12L);

        Point third = p.get(2);
        assertThat(third.freshnessS()).isCloseTo(0.01, within(1e-12));  // (8000 - 7990) ms
        assertThat(third.inPerS()).isEqualTo(25.0);                     // 50 / 2 s
        assertThat(third.acceptedPerS()).isEqualTo(20.0);               // 40 / 2 s
        assertThat(third.rejectedPerS()).isEqualTo(1.0);                // 2 / 2 s
        assertThat(third.rejectRate()).isCloseTo(2.0 / 42, within(1e-12)); // 2 / (40 + 0 + 2)
        assertThat(third.lag()).isEqualTo(0L);

        assertThat(h.points("logins")).extracting(Point::inPerS).containsExactly(null, 0.0, 0.0);
        assertThat(h.points("logins")).extracting(Point::rejectRate).as("no event decided: no share").containsOnlyNulls();
        assertThat(h.points("chargebacks")).as("a source the runtime does not consume").isEmpty();
    }

    @Test
    void aSampleWithoutTimeSinceTheLastOrAfterACounterWentBackHasNoRates() {
        MetricsHistory h = history(720);
        clock.set(1_000);
        figures.set("payments", 900, 0, "in", 10, "accepted", 10);
        h.sample();
        h.sample(); // same millisecond
        clock.set(2_000);
        figures.set("payments", 900, 0, "in", 4, "accepted", 4); // counters restarted lower
        h.sample();
        clock.set(3_000);
        figures.set("payments", 900, 0, "in", 6, "accepted", 6);
        h.sample();
        assertThat(h.points("payments")).extracting(Point::inPerS).containsExactly(null, null, null, 2.0);
        assertThat(h.points("payments")).extracting(Point::freshnessS).containsExactly(0.1, 0.1, 1.1, 2.1);
    }

    @Test
    void theRingKeepsTheNewestPointsWithTheirRatesWhenItWraps() {
        MetricsHistory h = history(3);
        for (int i = 1; i <= 5; i++) {
            clock.set(i * 1_000L);
            figures.set("payments", i * 1_000L - 500, i, "in", 10L * i * i, "accepted", 10L * i * i);
            h.sample();
        }
        List<Point> p = h.points("payments");
        assertThat(p).extracting(Point::t).containsExactly(3_000L, 4_000L, 5_000L);
        // in = 10 i²: differences 10 (2² - 1²) ... 50, 70, 90 for i = 3, 4, 5, over 1 s each
        assertThat(p).extracting(Point::inPerS).containsExactly(50.0, 70.0, 90.0);
        assertThat(p).extracting(Point::lag).containsExactly(3L, 4L, 5L);
        assertThat(p).extracting(Point::rejectRate).containsExactly(0.0, 0.0, 0.0);
    }

    @Test
    void theJsonHasEverySourceWithItsPointsOldestFirstAndNullsWhereThereIsNoValue() throws Exception {
        MetricsHistory h = history(720);
        clock.set(10_000);
        h.sample();
        clock.set(15_000);
        figures.set("payments", 14_000, 3, "in", 10, "accepted", 9, "late", 1);
        h.sample();
        StringWriter text = new StringWriter();
        try (JsonGenerator out = new ObjectMapper().getFactory().createGenerator(text)) {
            h.write(out);
        }
        JsonNode json = new ObjectMapper().readTree(text.toString());
        assertThat(Reply.fieldNames(json)).containsExactly("interval_ms", "capacity", "sources");
        assertThat(json.get("interval_ms").longValue()).isEqualTo(5_000);
        assertThat(json.get("capacity").intValue()).isEqualTo(720);
        assertThat(Reply.fieldNames(json.get("sources"))).containsExactly("payments", "logins");
        JsonNode points = json.get("sources").get("payments");
        assertThat(points).hasSize(2);
        assertThat(Reply.fieldNames(points.get(0)))
                .containsExactly("t", "freshness_s", "in_per_s", "accepted_per_s", "rejected_per_s", "reject_rate", "lag");
        assertThat(points.get(0).get("t").longValue()).isEqualTo(10_000);
        assertThat(points.get(0).get("freshness_s").isNull()).isTrue();
        assertThat(points.get(0).get("lag").isNull()).isTrue();
        assertThat(points.get(1).get("freshness_s").doubleValue()).isEqualTo(1.0);
        assertThat(points.get(1).get("in_per_s").doubleValue()).isEqualTo(2.0);
        assertThat(points.get(1).get("accepted_per_s").doubleValue()).isEqualTo(1.8);
        assertThat(points.get(1).get("rejected_per_s").doubleValue()).isEqualTo(0.2);
        assertThat(points.get(1).get("reject_rate").doubleValue()).isEqualTo(0.1);
        assertThat(points.get(1).get("lag").longValue()).isEqualTo(3);
    }

    @Test
    void aHistoryNeedsAPositiveIntervalAndRoomForTwoPoints() {
        assertThatThrownBy(() -> MetricsHistory.manual(figures, clock::get, Duration.ZERO, 720))
                .hasMessageContaining("at least 1 ms");
        assertThatThrownBy(() -> MetricsHistory.manual(figures, clock::get, Duration.ofSeconds(5), 1))
                .hasMessageContaining("at least 2 points");
    }
}
