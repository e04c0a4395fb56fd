package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;

/**
 * avg: the exact total of the numeric values divided by their count, as a Double; Strings and
 * Booleans are ignored (neither summed nor counted). Empty: null. The algorithm, its error bound and
 * the byte layout are {@link SumAccumulator}'s (avg and sum IRs hold the same state).
 */
final class AvgIr implements Ir {
    private final SumAccumulator acc;

    AvgIr() {
        this(new SumAccumulator());
    }

    private AvgIr(SumAccumulator acc) {
        this.acc = acc;
    }

    @Override
    public void add(Object value, long eventTime, String eventId) {
        acc.add(value);
    }

    @Override
    public void merge(Ir other) {
        acc.merge(MergeCheck.sameKind(this, other, AvgIr.class).acc);
    }

    @Override
    public Object result() {
        return acc.average();
    }

    @Override
    public boolean isEmpty() {
        return acc.isEmpty();
    }

    @Override
    public Ir copy() {
        return new AvgIr(acc.copy());
    }

    @Override
    public void encode(ByteWriter out) {
        acc.encode(out);
    }

    static AvgIr decode(ByteReader in) {
        return new AvgIr(SumAccumulator.decode(in));
    }

    @Override
    public String toString() {
        return "AvgIr[" + acc + "]";
    }
}
