package dev.tessera.generator;

/**
 * A thousand merchants, each in a category that sets its typical basket (log-normal around a
 * median in US dollars). Popularity is Zipf-like, so {@code top_merchants} has a head.
 */
final class Merchants {
    enum Category {
        GROCERY(35, 0.6, 22), FASHION(60, 0.7, 15), ELECTRONICS(220, 0.8, 10), DIGITAL(20, 0.9, 12),
        TRAVEL(380, 0.6, 6), FOOD_DELIVERY(28, 0.5, 18), SUBSCRIPTION(13, 0.3, 7), HOME(75, 0.8, 10);

        final double medianUsd;
        final double sigma;
        final double share;

        Category(double medianUsd, double sigma, double share) {
            this.medianUsd = medianUsd;
            this.sigma = sigma;
            this.share = share;
        }
    }

    static final int COUNT = 1000;

    private final String[] ids = new String[COUNT];
    private final Category[] categories = new Category[COUNT];
    private final double[] popularity = new double[COUNT];
    private final int[][] byCategory = new int[Category.values().length][];

    Merchants(Rng rng) {
        double[] shares = new double[Category.values().length];
        for (Category c : Category.values()) {
            shares[c.ordinal()] = c.share;
        }
        double[] categoryCumulative = Rng.cumulative(shares);
        int[] counts = new int[shares.length];
        double sum = 0;
        for (int i = 0; i < COUNT; i++) {
            ids[i] = String.format(java.util.Locale.ROOT, "mch_%04d", i + 1);
            categories[i] = Category.values()[rng.pick(categoryCumulative)];
            counts[categories[i].ordinal()]++;
            sum += 1.0 / StrictMath.pow(i + 3, 1.1);
            popularity[i] = sum;
        }
        for (Category c : Category.values()) {
            byCategory[c.ordinal()] = new int[counts[c.ordinal()]];
        }
        int[] fill = new int[shares.length];
        for (int i = 0; i < COUNT; i++) {
            int c = categories[i].ordinal();
            byCategory[c][fill[c]++] = i;
        }
    }

    /** A merchant by popularity. */
    int pick(Rng rng) {
        return rng.pick(popularity);
    }

    /** A merchant of one of {@code choices}, uniformly among them. */
    int pickIn(Rng rng, Category... choices) {
        int[] pool = byCategory[choices[rng.nextInt(choices.length)].ordinal()];
        if (pool.length == 0) {
            return pick(rng);
        }
        return pool[rng.nextInt(pool.length)];
    }

    String id(int merchant) {
        return ids[merchant];
    }

    /** A basket at {@code merchant} in minor units of a currency worth {@code perUsd} per dollar; at least 0.50 USD. */
    long amountCents(int merchant, double perUsd, Rng rng) {
        Category c = categories[merchant];
        double usd = Math.max(0.5, rng.logNormal(c.medianUsd, c.sigma));
        return Math.round(usd * perUsd * 100);
    }
}
