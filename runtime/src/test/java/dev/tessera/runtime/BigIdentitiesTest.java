package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Integer ids and keys beyond 64 bits, on the real broker: two payments whose ids one double would
 * hold alike are two payments (they were dropped as duplicates), and two accounts whose keys would
 * round alike are two accounts; a true re-send still counts once.
 */
class BigIdentitiesTest {
    static final String DEFINITIONS = CaughtUpRuntime.paymentsDefinitions("big.payments", "", """
              - { name: payment_count, agg: count, windows: [1d] }
              - { name: amount_sum, agg: sum, of: amount, windows: [1d] }
            """);

    @TempDir
    Path tmp;

    @Test
    void idsAndKeysBeyond64BitsStayApart() throws Exception {
        long now = System.currentTimeMillis();
        List<String> records = new ArrayList<>();
        String[] ids = {"9223372036854775808", "9223372036854775809", "18446744073709551614", "18446744073709551615",
                "12345678901234567890123", "12345678901234567890124"};
        for (int i = 0; i < ids.length; i++) { // account 1: six payments, amounts 1, 2, 4, ...
            records.add("{\"payment_id\": " + ids[i] + ", \"event_time\": " + (now - 60_000 + i) + ", \"account_id\": 1, \"amount\": "
                    + (1 << i) + "}");
        }
        records.add(records.get(1)); // a true re-send: counts once
        // two accounts a double would merge, one payment each
        records.add("{\"payment_id\": \"x1\", \"event_time\": " + (now - 50_000) + ", \"account_id\": 98765432109876543210001, \"amount\": 100}");
        records.add("{\"payment_id\": \"x2\", \"event_time\": " + (now - 50_000) + ", \"account_id\": 98765432109876543210002, \"amount\": 200}");
        CaughtUpRuntime.check(tmp, DEFINITIONS, "big.payments", records, rt -> {
            Map<String, Object> one = rt.reader().read("account_payments", List.of("1"), now).asMap();
            assertThat(one.get("payment_count_1d")).isEqualTo(6L);
            assertThat(one.get("amount_sum_1d")).isEqualTo(63L);
            assertThat(rt.counters("payments").get("duplicate")).isEqualTo(1L);
            assertThat(rt.reader().read("account_payments", List.of("98765432109876543210001"), now).asMap().get("amount_sum_1d"))
                    .isEqualTo(100L);
            assertThat(rt.reader().read("account_payments", List.of("98765432109876543210002"), now).asMap().get("amount_sum_1d"))
                    .isEqualTo(200L);
        });
    }
}
