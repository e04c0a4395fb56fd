package dev.tessera.generator;

/**
 * A customer visit: a login from one of the account's devices (a typo first now and then; rarely a
 * forgotten password and no login at all), then zero or more purchases minutes apart, mostly on
 * the account's main card, at merchants by popularity, in the home currency. About 4% of payments
 * are declined (insufficient funds, expired cards), so legitimate accounts have a low, steady
 * {@code declined_count}.
 */
final class CustomerSession implements Behaviour {
    @Override
    public double share(GeneratorConfig config) {
        return (1 - config.fraudShare()) * 0.985;
    }

    @Override
    public double meanEvents() {
        return 2.25;
    }

    @Override
    public void play(Simulation w, long start) {
        Rng r = w.rng;
        Population pop = w.population;
        int a = pop.pickActive(r);
        int home = pop.homeCountry(a);
        String country = r.chance(0.97) ? Geography.CUSTOMER_COUNTRIES[home]
                : Geography.CUSTOMER_COUNTRIES[Geography.customerCountry(r.nextDouble())];
        String device = r.chance(0.01) ? w.oneOffDevice() : pop.device(a, r.chance(0.7) ? 0 : r.nextInt(pop.deviceCount(a)));
        String ip = r.chance(0.65) ? pop.homeIp(a) : r.chance(0.8) ? pop.mobileIp(a) : w.randomIp();
        long time = start;
        if (r.chance(0.06)) {
            w.login(time, a, device, ip, false, country, null);
            time += r.betweenLong(4_000, 40_000);
            if (r.chance(0.15)) {
                w.login(time, a, device, ip, false, country, null);
                return;
            }
        }
        w.login(time, a, device, ip, true, country, null);
        int purchases = 0;
        if (!r.chance(0.35)) {
            purchases = 1;
            while (purchases < 6 && r.chance(0.45)) {
                purchases++;
            }
        }
        for (int i = 0; i < purchases; i++) {
            time += 10_000 + (long) r.exponential(180_000);
            String card = pop.card(a, r.chance(0.75) ? 0 : r.nextInt(pop.cardCount(a)));
            int merchant = w.merchants.pick(r);
            long cents = w.merchants.amountCents(merchant, Geography.PER_USD[home], r);
            w.pay(time, a, card, merchant, cents, Geography.CURRENCY[home], !r.chance(0.04), country, device, ip, null);
        }
    }
}
