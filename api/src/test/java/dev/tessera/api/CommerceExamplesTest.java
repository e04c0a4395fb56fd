package dev.tessera.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The examples shipped at the repository root must always load without a problem. */
class CommerceExamplesTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "commerce");

    @Test
    void examplesLoadWithoutProblems() {
        LoadResult result = DefinitionLoader.validate(EXAMPLES);

        assertThat(result.problems()).isEmpty();
        Definitions defs = result.definitions();
        assertThat(defs.entities()).containsOnlyKeys("account", "card", "device", "ip");
        assertThat(defs.sources()).containsOnlyKeys("payments", "logins", "signups", "chargebacks", "predictions");
        assertThat(defs.groups()).containsOnlyKeys("account_payments", "card_payments", "account_logins",
                "device_logins", "ip_signups");
        assertThat(defs.services()).containsOnlyKeys("account_risk_v1", "account_risk_v2");
        assertThat(defs.service("account_risk_v1").orElseThrow().features()).map(FeatureRef::qualifiedName)
                .containsExactly("account_payments.declined_count_1h", "account_payments.distinct_cards_1d",
                        "account_logins.login_count_1h", "account_logins.login_count_1d",
                        "account_logins.failed_login_count_10m", "account_logins.failed_login_count_1h",
                        "account_logins.failed_login_count_1d", "account_logins.distinct_devices_1d",
                        "account_logins.distinct_devices_30d", "account_logins.distinct_ips_1d",
                        "account_logins.distinct_ips_7d", "account_logins.last_login_country");
        Source payments = defs.source("payments").orElseThrow();
        assertThat(payments.format()).isEqualTo(SourceFormat.JSON);
        assertThat(payments.timestamp()).isEqualTo("event_time");
        assertThat(payments.id()).isEqualTo("payment_id");
        assertThat(payments.lateness()).isEqualTo(TimeSpan.parse("10m"));
    }
}
