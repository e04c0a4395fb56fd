package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;

/**
 * sum: exact for Long input (a Long, or the nearest Double past the long range), compensated for
 * Double input; Strings and Booleans are ignored. Empty: {@code 0L}. The algorithm, its error bound
 * and the byte layout are {@link SumAccumulator}'s. Hot path: {@link #add} allocates nothing.
 */
final class SumIr extends SumAccumulator {
    @Override
    public void add(Object value, long eventTime, String eventId) {
        add(value);
    }

    @Override
    public void merge(Ir other) {
        mergeState(MergeCheck.sameKind(this, other, SumIr.class));
    }

    @Override
    public Object result() {
        return sum();
    }

    @Override
    public Ir copy() {
        return copyStateTo(new SumIr());
    }

    static SumIr decode(ByteReader in) {
        return decodeInto(in, new SumIr());
    }

    @Override
    public String toString() {
        return "SumIr[" + describe() + "]";
    }
}
