package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Expectation.Rule;
import dev.tessera.core.quality.ValueExpectation;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source's {@code expect:} rules on the real broker: the counts per rule equal a naive count of the
 * events produced, including a field no feature reads ({@code country}); malformed records are not
 * checked (there are no fields to check) and violating events are still applied.
 */
class SourceQualityTest {
    static final String DEFINITIONS = CaughtUpRuntime.paymentsDefinitions("quality.payments", """
            expect:
              amount: { min: 0, max: 1000 }
              status: { allowed: [APPROVED, DECLINED] }
              country: { max_null_rate: 0.1 }
            """, """
              - { name: payment_count, agg: count, windows: [1d] }
              - { name: amount_sum, agg: sum, of: amount, windows: [1d] }
            """);

    @TempDir
    Path tmp;

    @Test
    void countsPerRuleEqualANaiveCount() throws Exception {
        Random rnd = new Random(9);
        long now = System.currentTimeMillis();
        long below = 0;
        long above = 0;
        long notAllowed = 0;
        long nullCountry = 0;
        long wellFormed = 0;
        List<String> records = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String json;
            if (rnd.nextInt(25) == 0) {
                json = "{\"payment_id\": \"p" + i + "\", \"amount\": -1"; // truncated: malformed, never checked
            } else {
                wellFormed++;
                double amount = rnd.nextInt(10) == 0 ? -rnd.nextInt(50) - 1 : rnd.nextInt(10) == 0 ? 1000 + rnd.nextInt(9) + 1
                        : rnd.nextInt(1001);
                below += amount < 0 ? 1 : 0;
                above += amount > 1000 ? 1 : 0;
                String status = switch (rnd.nextInt(8)) {
                    case 0 -> "PENDING";
                    case 1 -> "declined";
                    case 2, 3 -> "DECLINED";
                    default -> "APPROVED";
                };
                notAllowed += status.equals("PENDING") || status.equals("declined") ? 1 : 0;
                boolean noCountry = rnd.nextInt(6) == 0;
                nullCountry += noCountry ? 1 : 0;
                json = "{\"payment_id\": \"p" + i + "\", \"event_time\": " + (now - 60_000 + i)
                        + ", \"account_id\": \"a" + rnd.nextInt(7) + "\", \"amount\": " + amount + ", \"status\": \""
                        + status + "\"" + (noCountry ? (rnd.nextBoolean() ? ", \"country\": null" : "") : ", \"country\": \"DE\"")
                        + "}";
            }
            records.add(json);
        }
        long events = wellFormed;
        long belowMin = below;
        long aboveMax = above;
        long unlisted = notAllowed;
        long nulls = nullCountry;
        CaughtUpRuntime.check(tmp, DEFINITIONS, "quality.payments", records, rt -> {
            Map<String, ValueExpectation> byField = rt.quality().stream()
                    .collect(Collectors.toMap(ValueExpectation::name, Function.identity()));
            assertThat(byField.keySet()).containsExactlyInAnyOrder("amount", "status", "country");
            ValueExpectation.Snapshot amount = byField.get("amount").snapshot();
            assertThat(amount.checked()).isEqualTo(events);
            assertThat(amount.violations(Rule.MIN)).isEqualTo(belowMin).isPositive();
            assertThat(amount.violations(Rule.MAX)).isEqualTo(aboveMax).isPositive();
            assertThat(byField.get("status").snapshot().violations(Rule.ALLOWED)).isEqualTo(unlisted).isPositive();
            ValueExpectation.Snapshot country = byField.get("country").snapshot();
            assertThat(country.violations(Rule.MAX_NULL_RATE)).isEqualTo(nulls).isPositive();
            assertThat(country.nullRate()).isEqualTo((double) nulls / events);
            assertThat(byField.get("amount").owner()).isEqualTo("payments");
            // violating events are applied all the same: rules observe, they never filter
            assertThat(rt.counters("payments").get("accepted")).isEqualTo(events);
        });
    }
}
