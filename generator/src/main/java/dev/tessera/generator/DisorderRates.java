package dev.tessera.generator;

import dev.tessera.api.TesseraException;

/**
 * How often each kind of {@link Disorder} is injected, as fractions of the world's events. The kinds
 * are exclusive (an event gets at most one), so the rates add up to at most 1. {@code malformed} is
 * split evenly between {@link Disorder#BROKEN_JSON}, {@link Disorder#MISSING_KEY} and
 * {@link Disorder#WRONG_TYPE}.
 */
public record DisorderRates(double late, double outOfOrder, double duplicate, double malformed, double future) {
    /** A clean stream. */
    public static final DisorderRates NONE = new DisorderRates(0, 0, 0, 0, 0);

    /** A realistic trickle: 2% out of order, 0.5% duplicates, 0.3% malformed, 0.2% late, 0.1% future. */
    public static final DisorderRates DEFAULT = new DisorderRates(0.002, 0.02, 0.005, 0.003, 0.001);

    public DisorderRates {
        check("late", late);
        check("out-of-order", outOfOrder);
        check("duplicate", duplicate);
        check("malformed", malformed);
        check("future", future);
        double sum = late + outOfOrder + duplicate + malformed + future;
        if (sum > 1.0 + 1e-12) {
            throw new TesseraException("disorder rates add up to " + sum + "; each is the fraction of events that get"
                    + " that kind, an event gets at most one, so together they must not exceed 1");
        }
    }

    private static void check(String name, double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new TesseraException(name + " rate " + rate + " is not a fraction between 0 and 1"
                    + " (e.g. 0.01 for 1% of events)");
        }
    }

    /** The configured probability of {@code kind} for one event. */
    public double rate(Disorder kind) {
        return switch (kind) {
            case LATE -> late;
            case OUT_OF_ORDER -> outOfOrder;
            case DUPLICATE -> duplicate;
            case BROKEN_JSON, MISSING_KEY, WRONG_TYPE -> malformed / 3;
            case FUTURE -> future;
        };
    }

    /** The kind for uniform draw {@code u} in [0, 1), or null (most events). */
    Disorder pick(double u) {
        double edge = 0;
        for (Disorder kind : Disorder.values()) {
            edge += rate(kind);
            if (u < edge) {
                return kind;
            }
        }
        return null;
    }
}
