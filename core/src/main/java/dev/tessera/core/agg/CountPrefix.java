package dev.tessera.core.agg;

/**
 * The {@link SlidingPrefix} of count: the total of the IRs held. Integer addition is exact and
 * associative, so adding and subtracting counts gives what the fold gives.
 */
final class CountPrefix extends SlidingPrefix {
    private long total;

    CountPrefix(Aggregator aggregator) {
        super(aggregator);
    }

    @Override
    boolean added(Ir ir) {
        total += ((CountIr) ir).count();
        return true;
    }

    @Override
    boolean removed(Ir ir) {
        total -= ((CountIr) ir).count();
        return true;
    }

    @Override
    Object exactResult(Ir last) {
        return total + (last == null ? 0 : ((CountIr) last).count());
    }
}
