package dev.tessera.generator;

/**
 * Card testing: a ring's mule account (often signed up minutes before) logs in from a ring device
 * and tries 10 to 40 stolen cards with tiny payments (0.01 to 5.00 USD) at one or two digital-goods
 * merchants, a few seconds apart, some cards twice. About 88% are declined; the cards that pass go
 * to the ring's stash for {@link MuleRing} cash-out.
 *
 * <p>Signature: {@code account_payments.declined_count_1h} of 10 to 60 and
 * {@code distinct_cards_1d} of 10 to 40 for one account, within minutes.
 */
final class CardTesting implements Behaviour {
    private static final long[] TEST_CENTS = {100, 50, 200, 99, 1, 500, 150, 101};

    @Override
    public double share(GeneratorConfig config) {
        return config.fraudShare() * 0.40;
    }

    @Override
    public double meanEvents() {
        return 33;
    }

    @Override
    public void play(Simulation w, long start) {
        Rng r = w.rng;
        FraudRing ring = w.ring();
        String device = ring.device(r);
        String ip = ring.ip(r);
        long time = start;
        int mule;
        if (ring.muleCount() < 3 || r.chance(0.5)) {
            mule = w.newMule(time, ring, device, ip, FraudPattern.CARD_TESTING);
            time += r.betweenLong(30_000, 300_000);
        } else {
            mule = ring.mule(r);
        }
        w.login(time, mule, device, ip, true, ring.country, FraudPattern.CARD_TESTING);
        time += r.betweenLong(10_000, 60_000);
        int n = r.between(10, 40);
        String[] cards = new String[n];
        for (int i = 0; i < n; i++) {
            cards[i] = w.stolenCard();
        }
        int attempts = n + r.nextInt(n / 2 + 1);
        int main = w.merchants.pickIn(r, Merchants.Category.DIGITAL, Merchants.Category.SUBSCRIPTION);
        int other = w.merchants.pickIn(r, Merchants.Category.DIGITAL, Merchants.Category.SUBSCRIPTION);
        for (int i = 0; i < attempts; i++) {
            time += r.betweenLong(1_000, 12_000);
            String card = i < n ? cards[i] : cards[r.nextInt(n)];
            boolean approved = r.chance(0.12);
            w.pay(time, mule, card, r.chance(0.8) ? main : other, TEST_CENTS[r.nextInt(TEST_CENTS.length)], "USD",
                    approved, ring.country, device, ip, FraudPattern.CARD_TESTING);
            if (approved) {
                ring.addLiveCard(card);
            }
        }
    }
}
