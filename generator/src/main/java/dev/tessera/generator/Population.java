package dev.tessera.generator;

/**
 * The world's accounts. Nothing is stored per account: every attribute (id, home country, e-mail
 * domain, devices, cards, IPs) is a hash of the seed and the account's index, so a population of
 * millions costs a few arrays, and an account looks the same however it is reached.
 *
 * <h2>Activity</h2>
 * Account {@code i} (0-based) of the starting population is picked for a session with probability
 * about proportional to {@code 1 / (i + 1 + Q)} (Zipf-Mandelbrot with exponent 1, Q = 10): a few
 * accounts are very active, most are seen rarely. Q flattens the very head, so the busiest account
 * makes about 1% of the sessions of a 10,000-account world instead of 10% with plain Zipf, while the
 * top 1% of accounts still make about a third. Sampling inverts the continuous distribution
 * (density {@code 1 / (x + 1 + Q)} on [0, N)), so it takes no table however large N is. The index
 * is not visible in the id.
 *
 * <p>Accounts that sign up during the run get the next indexes; {@link #join} returns them and the
 * most recent thousand get a share of sessions, so new customers come back.
 */
final class Population {
    private static final double ZIPF_Q = 10;
    private static final int RECENT = 1024;
    private static final double RECENT_SHARE = 0.08;

    private final int size;
    private final double logSpan;
    private final Ids ids;
    private final long salt;
    private final int[] recent = new int[RECENT];
    private int recentCount;
    private int joined;

    Population(int size, Ids ids, long seed) {
        this.size = size;
        this.ids = ids;
        this.salt = Rng.mix64(seed ^ 0x5DEECE66DL);
        this.logSpan = StrictMath.log((size + 1 + ZIPF_Q) / (1 + ZIPF_Q));
    }

    int size() {
        return size;
    }

    /** An account for a customer session: by activity, sometimes a recent sign-up. */
    int pickActive(Rng rng) {
        if (recentCount > 0 && rng.chance(RECENT_SHARE)) {
            return recent[rng.nextInt(Math.min(recentCount, RECENT))];
        }
        double x = (1 + ZIPF_Q) * StrictMath.exp(rng.nextDouble() * logSpan) - (1 + ZIPF_Q);
        return Math.min(size - 1, (int) x);
    }

    /** The {@code n} most active accounts with the card, device and IP each uses most. */
    ActiveKeys activeKeys(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("ask for at least one key, got " + n);
        }
        int k = Math.min(n, size);
        java.util.List<String> accounts = new java.util.ArrayList<>(k);
        java.util.List<String> cards = new java.util.ArrayList<>(k);
        java.util.List<String> devices = new java.util.ArrayList<>(k);
        java.util.List<String> ips = new java.util.ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            accounts.add(accountId(i));
            cards.add(card(i, 0));
            devices.add(device(i, 0));
            ips.add(homeIp(i));
        }
        return new ActiveKeys(accounts, cards, devices, ips);
    }

    /** An account of the starting population, uniformly (leaked credential lists do not follow activity). */
    int pickAny(Rng rng) {
        return rng.nextInt(size);
    }

    /** A new account's index; {@code customer} accounts join the recent ones that get sessions. */
    int join(boolean customer) {
        int index = size + joined++;
        if (customer) {
            recent[recentCount++ % RECENT] = index;
        }
        return index;
    }

    private long hash(int index, int attribute) {
        return Rng.mix64(salt + index * 0x9E3779B97F4A7C15L + attribute);
    }

    String accountId(int index) {
        return ids.of(Ids.Kind.ACCOUNT, index);
    }

    /** Index into {@link Geography#CUSTOMER_COUNTRIES}. */
    int homeCountry(int index) {
        return Geography.customerCountry(Geography.fraction(hash(index, 1)));
    }

    String emailDomain(int index) {
        return Geography.EMAIL_DOMAINS[Geography.emailDomain(Geography.fraction(hash(index, 2)))];
    }

    /** 1 to 3 devices: 60% one, 30% two, 10% three. */
    int deviceCount(int index) {
        long r = Long.remainderUnsigned(hash(index, 3), 10);
        return r < 6 ? 1 : r < 9 ? 2 : 3;
    }

    String device(int index, int slot) {
        return ids.of(Ids.Kind.DEVICE, index * 4L + slot);
    }

    /** 1 to 3 cards: 55% one, 35% two, 10% three. */
    int cardCount(int index) {
        long r = Long.remainderUnsigned(hash(index, 4), 20);
        return r < 11 ? 1 : r < 18 ? 2 : 3;
    }

    String card(int index, int slot) {
        return ids.of(Ids.Kind.CARD, index * 4L + slot);
    }

    String homeIp(int index) {
        return Geography.ip(hash(index, 5));
    }

    String mobileIp(int index) {
        return Geography.ip(hash(index, 6));
    }
}
