package dev.tessera.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code expect:} on sources and features and a source's {@code alerts:}: what loads, and every mistake with its line. */
class ExpectationsTest {
    private static final String HEAD = """
        kind: Entity
        name: account
        keys: [account_id]
        ---
        kind: Source
        name: payments
        kafka: { topic: commerce.payments }
        timestamp: event_time
        id: payment_id
        """;

    @TempDir
    Path dir;

    private LoadResult load(String source, String features) throws IOException {
        Files.writeString(dir.resolve("defs.yaml"), HEAD + source + """
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
            """ + features);
        return DefinitionLoader.validate(dir);
    }

    private static final String COUNT = "  - { name: payment_count, agg: count, windows: [1h] }\n";

    @Test
    void sourceAndFeatureRulesLoad() throws IOException {
        LoadResult r = load("""
            expect:
              amount: { min: 0, max: 50000, max_null_rate: 0.01 }
              status: { allowed: [APPROVED, DECLINED] }
              account_id: { not_null: true }
            alerts: { freshness: 2m, reject_rate: 0.1 }
            """, COUNT + "  - { name: amount_sum, agg: sum, of: amount, windows: [1h], expect: { min: 0, max_psi: 0.2 } }\n"
                + "  - { name: last_country, agg: last, of: country, expect: { max_null_rate: 0.5, allowed: [US, DE] } }\n");
        assertThat(r.problems()).isEmpty();
        Source s = r.definitions().sources().get("payments");
        assertThat(s.expectations().keySet()).containsExactly("amount", "status", "account_id");
        Expectation amount = s.expectations().get("amount");
        assertThat(amount.rules()).containsExactly(Expectation.Rule.MIN, Expectation.Rule.MAX, Expectation.Rule.MAX_NULL_RATE);
        assertThat(amount.min()).isEqualTo(0.0);
        assertThat(amount.max()).isEqualTo(50000.0);
        assertThat(amount.maxNullRate()).isEqualTo(0.01);
        assertThat(amount.describe(Expectation.Rule.MIN)).isEqualTo(">= 0");
        assertThat(amount.location().line()).isEqualTo(11);
        assertThat(s.expectations().get("status").allowed()).containsExactly("APPROVED", "DECLINED");
        assertThat(s.expectations().get("account_id").rules()).containsExactly(Expectation.Rule.NOT_NULL);
        assertThat(s.alerts().freshness()).isEqualTo(TimeSpan.parse("2m"));
        assertThat(s.alerts().rejectRate()).isEqualTo(0.1);
        assertThat(s.alerts().lag()).isEqualTo(AlertThresholds.DEFAULTS.lag());
        FeatureGroup g = r.definitions().groups().get("account_payments");
        assertThat(g.features().get(0).expect()).isNull();
        assertThat(g.features().get(1).expect().rules()).containsExactly(Expectation.Rule.MIN, Expectation.Rule.MAX_PSI);
        assertThat(g.features().get(2).expect().allowed()).containsExactly("US", "DE");
    }

    @Test
    void withoutBlocksTheDefaultsHold() throws IOException {
        LoadResult r = load("", COUNT);
        assertThat(r.problems()).isEmpty();
        Source s = r.definitions().sources().get("payments");
        assertThat(s.expectations()).isEmpty();
        assertThat(s.alerts()).isEqualTo(AlertThresholds.DEFAULTS);
    }

    @Test
    void mistakesAreReportedWithLineAndFix() throws IOException {
        assertProblem(load("expect: { amount: { min: 10, max: 1 } }\n", COUNT), 10, "min 10 is above max 1", "swap them");
        assertProblem(load("expect: { amount: { max_null_rate: 5 } }\n", COUNT), 10, "is not a share between 0 and 1",
                "max_null_rate: 0.05");
        assertProblem(load("expect: { amount: { minimum: 0 } }\n", COUNT), 10, "unknown field 'minimum'", "did you mean 'min'?");
        assertProblem(load("expect: { amount: { min: zero } }\n", COUNT), 10, "min of expect of field 'amount' in source payments"
                + " must be a number, got 'zero'", "min: 0");
        assertProblem(load("expect: { amount: { not_null: yes } }\n", COUNT), 10, "must be true or false", "not_null: true");
        assertProblem(load("expect: { status: { allowed: [] } }\n", COUNT), 10, "allowed of", "list the allowed values");
        assertProblem(load("expect: { amount: {} }\n", COUNT), 10, "sets no rule", "set at least one of min");
        assertProblem(load("expect: { amount: { not_null: true, max_null_rate: 0.1 } }\n", COUNT), 10,
                "sets both not_null and max_null_rate", "keep not_null");
        assertProblem(load("expect: { amount: { max_psi: 0.2 } }\n", COUNT), 10, "unknown field 'max_psi'", "fields here");
        assertProblem(load("expect: { amount-x: { min: 0 } }\n", COUNT), 10, "'amount-x' in expect of", "field names");
        assertProblem(load("alerts: { freshness: 5 }\n", COUNT), 10, "freshness of alerts of source payments", "5s");
        assertProblem(load("alerts: { reject_rate: 2 }\n", COUNT), 10, "reject_rate 2", "0.05");
        assertProblem(load("alerts: { lags: 10 }\n", COUNT), 10, "unknown field 'lags'", "did you mean 'lag'?");
        assertProblem(load("", "  - { name: recent, agg: last_k, k: 3, of: card, expect: { min: 0 } }\n"), 16,
                "serves a list", "not_null, max_null_rate or max_psi");
        assertProblem(load("", "  - { name: n, agg: count, expect: { not_null: true } }\n"), 16, "is never null", "min: 1");
        assertProblem(load("", "  - { name: n, agg: count, expect: { max_psi: -1 } }\n"), 16, "must be above 0", "0.2");
    }

    @Test
    void declaredFieldsAreCheckedAgainstTheRules() throws IOException {
        String fields = "fields: { event_time: long, payment_id: string, account_id: string, amount: double, status: string }\n";
        assertProblem(load(fields + "expect: { amont: { min: 0 } }\n", COUNT), 11, "field 'amont' (expect of source payments)"
                + " is not in the fields source payments declares", "did you mean 'amount'?");
        assertProblem(load(fields + "expect: { status: { min: 0 } }\n", COUNT), 11, "field 'status' (expect of source payments)"
                + " is string", "use allowed: [...] for a string field");
        assertThat(load(fields + "expect: { status: { allowed: [A] }, amount: { min: 0 } }\n", COUNT).problems()).isEmpty();
    }

    private static void assertProblem(LoadResult r, int line, String message, String hint) {
        List<Problem> ps = r.problems();
        assertThat(ps).as("problems").hasSize(1);
        Problem p = ps.get(0);
        assertThat(p.message()).contains(message);
        assertThat(p.hint()).contains(hint);
        assertThat(p.location().line()).as(p.toString()).isEqualTo(line);
    }
}
