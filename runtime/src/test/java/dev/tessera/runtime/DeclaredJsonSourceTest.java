package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JSON source that declares its fields, on the real broker: events whose values have the declared
 * types are aggregated (a whole-number amount counts as a double, so the sum is a double whatever
 * producers wrote), and each event with a value of another kind is dead-lettered as
 * {@code schema_mismatch} while the events around it count; values equal a brute-force oracle, also
 * after the window slider's pass (ADR 016) brought the read caches forward.
 */
class DeclaredJsonSourceTest {
    static final String DEFINITIONS = CaughtUpRuntime.paymentsDefinitions("declared.payments", """
            fields: { payment_id: string, event_time: long, account_id: string, amount: double, status: string }
            """, """
              - { name: amount_sum, agg: sum, of: amount, windows: [1d] }
              - { name: declined,   agg: count, where: "status == 'DECLINED'", windows: [1d] }
            """);

    @TempDir
    Path tmp;

    @Test
    void wrongKindsAreDeadLetteredAndTheRestMatchesTheOracle() throws Exception {
        Random rnd = new Random(5);
        long now = System.currentTimeMillis();
        Map<String, Double> sums = new HashMap<>();
        Map<String, Long> declined = new HashMap<>();
        long mismatches = 0;
        List<String> records = new java.util.ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String account = "a" + rnd.nextInt(5);
            String status = rnd.nextInt(4) == 0 ? "DECLINED" : "APPROVED";
            String amount;
            int kind = rnd.nextInt(10);
            boolean bad = kind == 0;
            if (kind == 0) {
                amount = "\"" + rnd.nextInt(100) + "\""; // a number sent as a string
            } else if (kind < 5) {
                amount = Integer.toString(rnd.nextInt(100)); // a whole number: widened to double
            } else {
                amount = String.format(Locale.ROOT, "%d.%02d", rnd.nextInt(100), rnd.nextInt(100));
            }
            String json = "{\"payment_id\": \"p" + i + "\", \"event_time\": " + (now - 600_000 + i)
                    + ", \"account_id\": \"" + account + "\", \"amount\": " + amount + ", \"status\": \""
                    + status + "\"}";
            records.add(json);
            if (bad) {
                mismatches++;
            } else {
                sums.merge(account, Double.parseDouble(amount), Double::sum);
                declined.merge(account, status.equals("DECLINED") ? 1L : 0L, Long::sum);
            }
        }
        long deadLettered = mismatches;
        CaughtUpRuntime.check(tmp, DEFINITIONS, "declared.payments", records, rt -> {
            assertThat(rt.counters("payments").get("schema_mismatch")).isEqualTo(deadLettered).isPositive();
            assertThat(rt.counters("payments").get("accepted")).isEqualTo(400 - deadLettered);
            // read at now, then the window slider's pass two hours on (ADR 016), then reads at both times
            for (long at : new long[] {now, -1, now + 7_200_000L, now}) {
                if (at == -1) {
                    assertThat(rt.slideReadWindows(now + 7_200_000L)).as("entities with a read cache")
                            .isEqualTo(sums.size());
                    continue;
                }
                for (String account : sums.keySet()) {
                    Map<String, Object> v = rt.reader().read("account_payments", List.of(account), at).asMap();
                    assertThat(v.get("amount_sum_1d")).as(account).isInstanceOf(Double.class);
                    assertThat((Double) v.get("amount_sum_1d")).as(account).isCloseTo(sums.get(account),
                            org.assertj.core.data.Offset.offset(1e-9));
                    assertThat(v.get("declined_1d")).as(account).isEqualTo(declined.get(account));
                }
            }
        });
    }
}
