package dev.tessera.generator;

/**
 * A new customer: sign-up from the home device and network, a first login a minute or two later,
 * and often a first purchase. The account then joins the recent sign-ups that customer sessions
 * come back to ({@link Population#join}).
 */
final class NewCustomerSession implements Behaviour {
    @Override
    public double share(GeneratorConfig config) {
        return (1 - config.fraudShare()) * 0.015;
    }

    @Override
    public double meanEvents() {
        return 2.65;
    }

    @Override
    public void play(Simulation w, long start) {
        Rng r = w.rng;
        Population pop = w.population;
        int a = pop.join(true);
        int home = pop.homeCountry(a);
        String country = Geography.CUSTOMER_COUNTRIES[home];
        String device = pop.device(a, 0);
        String ip = pop.homeIp(a);
        w.signup(start, a, pop.emailDomain(a), device, ip, country, null);
        long time = start + r.betweenLong(20_000, 180_000);
        w.login(time, a, device, ip, true, country, null);
        int purchases = r.chance(0.5) ? (r.chance(0.3) ? 2 : 1) : 0;
        for (int i = 0; i < purchases; i++) {
            time += 30_000 + (long) r.exponential(240_000);
            int merchant = w.merchants.pick(r);
            w.pay(time, a, pop.card(a, 0), merchant, w.merchants.amountCents(merchant, Geography.PER_USD[home], r),
                    Geography.CURRENCY[home], !r.chance(0.04), country, device, ip, null);
        }
    }
}
