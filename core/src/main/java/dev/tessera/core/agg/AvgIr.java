package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;

/**
 * avg: the exact total of the numeric values divided by their count, as a Double; Strings and
 * Booleans are ignored (neither summed nor counted). Empty: null. The algorithm, its error bound and
 * the byte layout are {@link SumAccumulator}'s (avg and sum IRs hold the same state).
 */
final class AvgIr extends SumAccumulator {
    @Override
    public void add(Object value, long eventTime, String eventId) {
        add(value);
    }

    @Override
    public void merge(Ir other) {
        mergeState(MergeCheck.sameKind(this, other, AvgIr.class));
    }

    @Override
    public Object result() {
        return average();
    }

    @Override
    public Ir copy() {
        return copyStateTo(new AvgIr());
    }

    static AvgIr decode(ByteReader in) {
        return decodeInto(in, new AvgIr());
    }

    @Override
    public String toString() {
        return "AvgIr[" + describe() + "]";
    }
}
