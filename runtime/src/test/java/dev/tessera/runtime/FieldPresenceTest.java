package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How many events carried each field the features read, on the real broker, against a naive count of
 * what was produced: absent and JSON null both count as missing, malformed records are not counted,
 * and a misspelt field ({@code merchnat_id}) is present in none, with the features that read it.
 */
class FieldPresenceTest {
    static final String DEFINITIONS = CaughtUpRuntime.paymentsDefinitions("presence.payments", "", """
              - { name: payment_count, agg: count, windows: [1d] }
              - { name: amount_sum, agg: sum, of: amount, windows: [1d] }
              - { name: declined, agg: count, where: "status == 'DECLINED' and amount > 0", windows: [1d] }
              - { name: merchants, agg: approx_distinct, of: merchnat_id, windows: [1d] }
            """);

    @TempDir
    Path tmp;

    @Test
    void presenceEqualsANaiveCountOfTheProducedEvents() throws Exception {
        Random rnd = new Random(11);
        long now = System.currentTimeMillis();
        long wellFormed = 0;
        long withAmount = 0;
        long withStatus = 0;
        List<String> records = new java.util.ArrayList<>();
        for (int i = 0; i < 600; i++) {
            String json;
            if (rnd.nextInt(30) == 0) {
                json = "{\"payment_id\": \"p" + i + "\", \"amount\": 3"; // truncated: malformed, not counted
            } else {
                wellFormed++;
                String amount = switch (rnd.nextInt(5)) {
                    case 0 -> "";
                    case 1 -> ", \"amount\": null";
                    default -> ", \"amount\": " + rnd.nextInt(100);
                };
                withAmount += amount.isEmpty() || amount.endsWith("null") ? 0 : 1;
                boolean status = rnd.nextInt(4) != 0;
                withStatus += status ? 1 : 0;
                json = "{\"payment_id\": \"p" + i + "\", \"event_time\": " + (now - 60_000 + i) + ", \"account_id\": \"a"
                        + rnd.nextInt(7) + "\"" + amount + (status ? ", \"status\": \"DECLINED\"" : "")
                        + ", \"merchant_id\": \"m" + rnd.nextInt(3) + "\"}";
            }
            records.add(json);
        }
        long events = wellFormed;
        long amounts = withAmount;
        long statuses = withStatus;
        CaughtUpRuntime.check(tmp, DEFINITIONS, "presence.payments", records, rt -> {
            Map<String, SourceDiagnostics.Field> byField = rt.diagnostics("payments").fields().stream()
                    .collect(Collectors.toMap(SourceDiagnostics.Field::field, Function.identity()));
            assertThat(byField.keySet()).containsExactlyInAnyOrder("amount", "status", "merchnat_id");
            for (SourceDiagnostics.Field f : byField.values()) {
                assertThat(f.events()).as(f.field()).isEqualTo(events);
            }
            assertThat(byField.get("amount").present()).isEqualTo(amounts).isLessThan(events);
            assertThat(byField.get("amount").readBy()).containsExactly("account_payments.amount_sum (of)",
                    "account_payments.declined (where)");
            assertThat(byField.get("status").present()).isEqualTo(statuses).isLessThan(events);
            assertThat(byField.get("merchnat_id").present()).isZero();
            assertThat(byField.get("merchnat_id").readBy()).isEqualTo(List.of("account_payments.merchants (of)"));
        });
    }
}
