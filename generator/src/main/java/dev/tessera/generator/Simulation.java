package dev.tessera.generator;

import java.util.PriorityQueue;

/**
 * The commerce world as a discrete-event simulation over simulated time.
 *
 * <h2>How time moves</h2>
 * Sessions start as a Poisson process. Each picks a {@link Behaviour} (customer, sign-up or a fraud
 * pattern; each with probability proportional to its share of events over its mean events per
 * session) and schedules all of its events at once into one priority queue ordered by
 * (time, scheduling order): a login now, payments over the next minutes, a chargeback days later.
 * {@link #poll()} starts every session due before the queue's head, then returns the head, so events
 * come out in time order and the queue only ever holds the near future plus pending chargebacks.
 *
 * <p>The mean gap between sessions is (events per session so far) / (events per second), so the
 * event rate follows the configuration whatever the mix of behaviours; the running mean starts from
 * the behaviours' own estimates.
 *
 * <p>Everything random comes from one {@link Rng} in a fixed order, so a seed fixes the world.
 */
final class Simulation {
    private static final double PRIOR_SESSIONS = 50;
    private static final String[] LEGIT_REASONS = {"product_not_received", "fraudulent", "product_unacceptable",
        "subscription_canceled", "duplicate", "credit_not_processed"};
    private static final double[] LEGIT_REASON_CUMULATIVE = Rng.cumulative(30, 20, 15, 15, 10, 10);

    record Scheduled(long time, long order, WorldEvent event) implements Comparable<Scheduled> {
        @Override
        public int compareTo(Scheduled o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    final Rng rng;
    final Population population;
    final Merchants merchants;
    private final GeneratorConfig config;
    private final Ids ids;
    private final FraudRing[] rings;
    private final Behaviour[] behaviours;
    private final double[] behaviourCumulative;
    private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
    private final double millisPerEvent;
    private long order;
    private long payments;
    private long logins;
    private long signups;
    private long chargebacks;
    private long stolenCards;
    private long fraudDevices;
    private long oneOffDevices;
    private double nextSession;
    private double sessions;
    private double scheduled;

    Simulation(GeneratorConfig config, long startMillis) {
        this.config = config;
        this.rng = new Rng(Rng.mix64(config.seed()));
        this.ids = new Ids(config.seed());
        this.population = new Population(config.accounts(), ids, config.seed());
        this.merchants = new Merchants(rng);
        this.rings = new FraudRing[Math.max(3, Math.min(40, config.accounts() / 2500))];
        for (int i = 0; i < rings.length; i++) {
            String[] devices = {fraudDevice(), fraudDevice(), fraudDevice()};
            String[] ips = {randomIp(), randomIp()};
            rings[i] = new FraudRing(Geography.RING_COUNTRIES[rng.nextInt(Geography.RING_COUNTRIES.length)], devices, ips);
        }
        this.behaviours = new Behaviour[] {new CustomerSession(), new NewCustomerSession(), new CardTesting(),
            new CredentialStuffing(), new MuleRing(), new AccountTakeover()};
        double[] weights = new double[behaviours.length];
        double expected = 0;
        for (int i = 0; i < behaviours.length; i++) {
            weights[i] = behaviours[i].share(config) / behaviours[i].meanEvents();
            expected += weights[i];
        }
        this.behaviourCumulative = Rng.cumulative(weights);
        double meanEventsPerSession = 1.0 / expected;
        this.sessions = PRIOR_SESSIONS;
        this.scheduled = PRIOR_SESSIONS * meanEventsPerSession;
        this.millisPerEvent = 1000.0 / config.eventsPerSecond();
        this.nextSession = startMillis;
    }

    /** Time of the next event. */
    long peekTime() {
        fill();
        return queue.peek().time();
    }

    /** The next event in time order. */
    Scheduled poll() {
        fill();
        return queue.poll();
    }

    private void fill() {
        while (queue.isEmpty() || (long) nextSession <= queue.peek().time()) {
            long start = (long) nextSession;
            behaviours[rng.pick(behaviourCumulative)].play(this, start);
            sessions++;
            nextSession += rng.exponential(scheduled / sessions * millisPerEvent);
        }
    }

    private void schedule(long time, WorldEvent event) {
        queue.add(new Scheduled(time, order++, event));
        scheduled++;
    }

    // ---- what behaviours do ----

    FraudRing ring() {
        return rings[rng.nextInt(rings.length)];
    }

    void login(long time, int account, String device, String ip, boolean success, String country, FraudPattern fraud) {
        schedule(time, new WorldEvent.Login(ids.of(Ids.Kind.LOGIN, logins++), population.accountId(account), device, ip,
                success, country, fraud));
    }

    void signup(long time, int account, String emailDomain, String device, String ip, String country, FraudPattern fraud) {
        schedule(time, new WorldEvent.Signup(ids.of(Ids.Kind.SIGNUP, signups++), population.accountId(account),
                emailDomain, device, ip, country, fraud));
    }

    /**
     * Schedules a payment, and its chargeback when the card holder disputes it: most approved fraud,
     * a few approved legitimate payments (friendly fraud, goods not received), never a declined one.
     */
    void pay(long time, int account, String card, int merchant, long cents, String currency, boolean approved,
            String country, String device, String ip, FraudPattern fraud) {
        String id = ids.of(Ids.Kind.PAYMENT, payments++);
        String accountId = population.accountId(account);
        schedule(time, new WorldEvent.Payment(id, accountId, card, merchants.id(merchant), cents, currency, approved,
                country, device, ip, fraud));
        if (!approved || !rng.chance(disputeProbability(fraud))) {
            return;
        }
        double u = rng.nextDouble();
        long delay = config.chargebackDelayMinMillis()
                + (long) (u * u * (config.chargebackDelayMaxMillis() - config.chargebackDelayMinMillis()));
        String reason = fraud != null ? (rng.chance(0.85) ? "fraudulent" : "unrecognized")
                : LEGIT_REASONS[rng.pick(LEGIT_REASON_CUMULATIVE)];
        schedule(time + delay, new WorldEvent.Chargeback(ids.of(Ids.Kind.CHARGEBACK, chargebacks++), accountId, card, id,
                cents, reason, fraud));
    }

    private static double disputeProbability(FraudPattern fraud) {
        if (fraud == null) {
            return 0.003;
        }
        return switch (fraud) {
            case CARD_TESTING -> 0.5; // tiny amounts: many card holders never notice
            case MULE_RING -> 0.8;
            case ACCOUNT_TAKEOVER -> 0.85;
            case CREDENTIAL_STUFFING -> 0;
        };
    }

    /** A mule account the ring signs up now, from one of its devices, with a throwaway mailbox. */
    int newMule(long time, FraudRing ring, String device, String ip, FraudPattern fraud) {
        int mule = population.join(false);
        ring.addMule(mule);
        signup(time, mule, Geography.RING_EMAIL_DOMAINS[rng.nextInt(Geography.RING_EMAIL_DOMAINS.length)], device, ip,
                ring.country, fraud);
        return mule;
    }

    /** A card fingerprint no customer owns (from a dump of stolen cards). */
    String stolenCard() {
        return ids.of(Ids.Kind.CARD, Ids.FRAUD_SPACE + stolenCards++);
    }

    /** A device fingerprint fraudsters use (emulators, anti-detect browsers). */
    String fraudDevice() {
        return ids.of(Ids.Kind.DEVICE, Ids.FRAUD_SPACE + fraudDevices++);
    }

    /** A device a customer uses once (a borrowed phone, a new laptop). */
    String oneOffDevice() {
        return ids.of(Ids.Kind.DEVICE, Ids.ONE_OFF_SPACE + oneOffDevices++);
    }

    String randomIp() {
        return Geography.ip(rng.nextLong());
    }
}
