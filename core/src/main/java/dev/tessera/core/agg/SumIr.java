package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;

/**
 * sum: exact for Long input (a Long, or the nearest Double past the long range), compensated for
 * Double input; Strings and Booleans are ignored. Empty: {@code 0L}. The algorithm, its error bound
 * and the byte layout are {@link SumAccumulator}'s. Hot path: {@link #add} allocates nothing.
 */
final class SumIr implements Ir {
    private final SumAccumulator acc;

    SumIr() {
        this(new SumAccumulator());
    }

    private SumIr(SumAccumulator acc) {
        this.acc = acc;
    }

    @Override
    public void add(Object value, long eventTime, String eventId) {
        acc.add(value);
    }

    @Override
    public void merge(Ir other) {
        acc.merge(MergeCheck.sameKind(this, other, SumIr.class).acc);
    }

    @Override
    public Object result() {
        return acc.sum();
    }

    @Override
    public boolean isEmpty() {
        return acc.isEmpty();
    }

    @Override
    public Ir copy() {
        return new SumIr(acc.copy());
    }

    @Override
    public void encode(ByteWriter out) {
        acc.encode(out);
    }

    static SumIr decode(ByteReader in) {
        return new SumIr(SumAccumulator.decode(in));
    }

    @Override
    public String toString() {
        return "SumIr[" + acc + "]";
    }
}
