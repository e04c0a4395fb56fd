package dev.tessera.generator;

/**
 * Mule cash-out: within ten minutes, two to four of a ring's mule accounts log in from the ring's
 * few shared devices and buy electronics and gift cards (around 300 USD, minutes apart) with cards
 * from the ring's stash, so one card is used by several accounts and one device logs into several
 * accounts. A quarter is declined; most approved ones come back as chargebacks. A session is over
 * within half an hour (the world's warm-up), like nearly every other.
 *
 * <p>Signature: {@code card_payments.distinct_accounts_1d} above 1 for stash cards, and
 * {@code device_logins.distinct_accounts_1d} of several accounts on ring devices.
 */
final class MuleRing implements Behaviour {
    @Override
    public double share(GeneratorConfig config) {
        return config.fraudShare() * 0.20;
    }

    @Override
    public double meanEvents() {
        return 9.5;
    }

    @Override
    public void play(Simulation w, long start) {
        Rng r = w.rng;
        FraudRing ring = w.ring();
        int members = r.between(2, 4);
        for (int j = 0; j < members; j++) {
            long time = start + r.betweenLong(0, 600_000); // members act within the same ten minutes
            String device = ring.device(r);
            String ip = ring.ip(r);
            int mule;
            if (ring.muleCount() < members || r.chance(0.15)) {
                mule = w.newMule(time, ring, device, ip, FraudPattern.MULE_RING);
                time += r.betweenLong(60_000, 180_000);
            } else {
                mule = ring.mule(r);
            }
            w.login(time, mule, device, ip, true, ring.country, FraudPattern.MULE_RING);
            time += r.betweenLong(20_000, 120_000);
            int purchases = r.between(1, 3);
            for (int q = 0; q < purchases; q++) {
                time += r.betweenLong(30_000, 300_000);
                String card = ring.liveCard(r);
                if (card == null) {
                    card = w.stolenCard();
                    ring.addLiveCard(card);
                }
                int merchant = w.merchants.pickIn(r, Merchants.Category.ELECTRONICS, Merchants.Category.DIGITAL);
                long cents = Math.round(r.logNormal(300, 0.6) * 100);
                w.pay(time, mule, card, merchant, cents, "USD", r.chance(0.75), ring.country, device, ip,
                        FraudPattern.MULE_RING);
            }
        }
    }
}
