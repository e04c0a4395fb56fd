package dev.tessera.core.quality;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Expectation;
import dev.tessera.api.Expectation.Rule;
import dev.tessera.api.Location;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Counts per rule equal a naive count over the same random values. */
class ValueExpectationTest {
    @Test
    void countsEqualANaiveCount() {
        Expectation x = new Expectation(0.0, 100.0, false, 0.1, List.of(), null, Location.UNKNOWN);
        ValueExpectation check = new ValueExpectation("source", "payments", "amount", x);
        Random rnd = new Random(7);
        long nulls = 0;
        long below = 0;
        long above = 0;
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            Object v = switch (rnd.nextInt(8)) {
                case 0 -> null;
                case 1 -> Double.NaN;
                case 2 -> "abc";
                case 3 -> (long) (rnd.nextInt(300) - 100);
                default -> rnd.nextDouble() * 300 - 100;
            };
            values.add(v);
        }
        for (Object v : values) {
            check.observe(v, 1_000);
            if (v == null || v instanceof Double d && d.isNaN()) {
                nulls++;
            } else if (!(v instanceof Number)) {
                below++; // not comparable: counts against min
            } else if (((Number) v).doubleValue() < 0) {
                below++;
            } else if (((Number) v).doubleValue() > 100) {
                above++;
            }
        }
        ValueExpectation.Snapshot s = check.snapshot();
        assertThat(s.checked()).isEqualTo(values.size());
        assertThat(s.violations(Rule.MIN)).isEqualTo(below);
        assertThat(s.violations(Rule.MAX)).isEqualTo(above);
        assertThat(s.violations(Rule.MAX_NULL_RATE)).isEqualTo(nulls);
        assertThat(s.nullRate()).isEqualTo((double) nulls / values.size());
        assertThat(s.last()).isNotNull();
    }

    /** A max_null_rate rule alone remembers when its last null came, so "last violation" is not empty while it counts nulls. */
    @Test
    void aMaxNullRateRuleRemembersItsLastNull() {
        Expectation x = new Expectation(null, null, false, 0.01, List.of(), null, Location.UNKNOWN);
        ValueExpectation check = new ValueExpectation("source", "payments", "account_id", x);
        check.observe("a", 1);
        assertThat(check.snapshot().last()).isNull();
        check.observe(null, 7);
        check.observe("b", 8);
        assertThat(check.snapshot().last()).isEqualTo(new ValueExpectation.Violation(Rule.MAX_NULL_RATE, "null", 7));
    }

    @Test
    void allowedComparesTextAndNotNullFlagsNulls() {
        Expectation x = new Expectation(null, null, true, null, List.of("APPROVED", "DECLINED", "3"), null, Location.UNKNOWN);
        ValueExpectation check = new ValueExpectation("source", "payments", "status", x);
        for (Object v : new Object[] {"APPROVED", "DECLINED", "approved", 3L, 3.0, 3.5, null, Double.POSITIVE_INFINITY, "PENDING"}) {
            check.observe(v, 5);
        }
        ValueExpectation.Snapshot s = check.snapshot();
        assertThat(s.checked()).isEqualTo(9);
        assertThat(s.violations(Rule.ALLOWED)).isEqualTo(3); // approved, 3.5, PENDING
        assertThat(s.violations(Rule.NOT_NULL)).isEqualTo(2);
        assertThat(s.last()).isEqualTo(new ValueExpectation.Violation(Rule.ALLOWED, "PENDING", 5));
        ValueExpectation.Snapshot later = check.snapshot();
        check.observe("X", 6);
        assertThat(check.snapshot().minus(later).violations(Rule.ALLOWED)).isEqualTo(1);
        assertThat(check.snapshot().minus(later).checked()).isEqualTo(1);
    }

    @Test
    void listsAreNeverNullNorOutOfRange() {
        Expectation x = new Expectation(null, null, true, null, List.of(), 0.2, Location.UNKNOWN);
        ValueExpectation check = new ValueExpectation("feature", "account_payments", "recent_cards_1d", x);
        check.observe(List.of(), 1);
        check.observe(List.of("a"), 1);
        assertThat(check.snapshot().violations(Rule.NOT_NULL)).isZero();
        assertThat(check.snapshot().checked()).isEqualTo(2);
    }
}
