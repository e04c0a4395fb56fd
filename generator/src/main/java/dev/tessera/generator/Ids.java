package dev.tessera.generator;

/**
 * Opaque, unique ids: {@code prefix + base36(mix64(n + offset))}, padded to 13 characters.
 *
 * <p>Each kind of id has its own offset derived from the seed, so ids look random and change with
 * the seed; {@link Rng#mix64} is a bijection, so distinct {@code n} of one kind never collide.
 * Callers keep the number spaces of one kind apart (legit cards are {@code account * 4 + slot},
 * stolen cards start at 2^60).
 */
final class Ids {
    static final long FRAUD_SPACE = 1L << 60;
    static final long ONE_OFF_SPACE = 2L << 60;

    enum Kind {
        ACCOUNT("acct_"), DEVICE("dev_"), CARD("card_"), PAYMENT("pay_"), LOGIN("lgn_"), SIGNUP("sgn_"),
        CHARGEBACK("cbk_");

        final String prefix;

        Kind(String prefix) {
            this.prefix = prefix;
        }
    }

    private final long[] offsets = new long[Kind.values().length];

    Ids(long seed) {
        for (Kind k : Kind.values()) {
            offsets[k.ordinal()] = Rng.mix64(seed * 0x2545F4914F6CDD1DL + k.ordinal() + 1);
        }
    }

    String of(Kind kind, long n) {
        String digits = Long.toUnsignedString(Rng.mix64(n + offsets[kind.ordinal()]), 36);
        StringBuilder b = new StringBuilder(kind.prefix.length() + 13).append(kind.prefix);
        for (int i = digits.length(); i < 13; i++) {
            b.append('0');
        }
        return b.append(digits).toString();
    }
}
