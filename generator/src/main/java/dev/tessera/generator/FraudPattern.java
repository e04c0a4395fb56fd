package dev.tessera.generator;

/** The fraud the world plays out; each leaves its signature in the example features (generator/README.md). */
public enum FraudPattern {
    /**
     * One new account on one device tries many stolen cards with tiny payments within minutes;
     * most are declined. Signature: {@code account_payments.declined_count_1h} and
     * {@code distinct_cards_1d} spike.
     */
    CARD_TESTING("card_testing"),
    /**
     * A bot device tries leaked passwords on many accounts; most logins fail. Signature:
     * {@code device_logins.distinct_accounts_1h} and {@code failed_login_count_1h} spike.
     */
    CREDENTIAL_STUFFING("credential_stuffing"),
    /**
     * A ring's mule accounts share a few devices and spend the cards that passed card testing.
     * Signature: {@code card_payments.distinct_accounts_1d} and {@code device_logins.distinct_accounts_1d}.
     */
    MULE_RING("mule_ring"),
    /**
     * A stolen account logs in from a new device and country, then spends on its stored cards.
     * Signature: {@code account_logins.distinct_devices_1d} rises, {@code last_login_country}
     * changes, {@code account_payments.amount_sum_1h} jumps.
     */
    ACCOUNT_TAKEOVER("account_takeover");

    private final String code;

    FraudPattern(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    @Override
    public String toString() {
        return code;
    }
}
