package dev.tessera.generator;

/**
 * Account takeover: a ring logs into an account whose password it has (from
 * {@link CredentialStuffing}, else phished) from a device the account never used, in another
 * country, sometimes after a few failed tries; then spends on the account's stored cards a few
 * minutes apart: electronics, gift cards, travel, around 400 USD each, in the account's own currency.
 *
 * <p>Signature: {@code account_logins.distinct_devices_1d} rises, {@code last_login_country} and
 * {@code account_payments.last_country} change, {@code amount_sum_1h} jumps.
 */
final class AccountTakeover implements Behaviour {
    @Override
    public double share(GeneratorConfig config) {
        return config.fraudShare() * 0.10;
    }

    @Override
    public double meanEvents() {
        return 6;
    }

    @Override
    public void play(Simulation w, long start) {
        Rng r = w.rng;
        Population pop = w.population;
        FraudRing ring = w.ring();
        int victim = ring.takeCompromised();
        if (victim < 0) {
            victim = pop.pickAny(r);
        }
        int home = pop.homeCountry(victim);
        String country = ring.country;
        if (country.equals(Geography.CUSTOMER_COUNTRIES[home])) {
            country = Geography.RING_COUNTRIES[(java.util.Arrays.asList(Geography.RING_COUNTRIES).indexOf(country) + 1)
                    % Geography.RING_COUNTRIES.length];
        }
        String device = w.fraudDevice();
        String ip = ring.ip(r);
        long time = start;
        int failures = r.between(0, 2);
        for (int i = 0; i < failures; i++) {
            w.login(time, victim, device, ip, false, country, FraudPattern.ACCOUNT_TAKEOVER);
            time += r.betweenLong(5_000, 30_000);
        }
        w.login(time, victim, device, ip, true, country, FraudPattern.ACCOUNT_TAKEOVER);
        time += r.betweenLong(30_000, 180_000);
        int purchases = r.between(2, 6);
        for (int i = 0; i < purchases; i++) {
            time += r.betweenLong(60_000, 300_000);
            int merchant = w.merchants.pickIn(r, Merchants.Category.ELECTRONICS, Merchants.Category.DIGITAL,
                    Merchants.Category.TRAVEL);
            long cents = Math.round(r.logNormal(400, 0.5) * Geography.PER_USD[home] * 100);
            w.pay(time, victim, pop.card(victim, r.nextInt(pop.cardCount(victim))), merchant, cents,
                    Geography.CURRENCY[home], r.chance(0.7), country, device, ip, FraudPattern.ACCOUNT_TAKEOVER);
        }
    }
}
