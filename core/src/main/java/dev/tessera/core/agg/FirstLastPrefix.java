package dev.tessera.core.agg;

/**
 * The {@link SlidingPrefix} of first and last. Tiles hold disjoint, consecutive spans of event time,
 * and {@link EventOrder} compares event time first, so the least event of a window is the least event
 * of its oldest tile that holds one, and the greatest the greatest of its newest: the answer is that
 * IR's own result (the very value the fold would keep). Nothing to keep but the IRs.
 */
final class FirstLastPrefix extends SlidingPrefix {
    private final boolean last;

    FirstLastPrefix(Aggregator aggregator, boolean last) {
        super(aggregator);
        this.last = last;
    }

    @Override
    Object exactResult(Ir lastIr) {
        if (last && lastIr != null && !lastIr.isEmpty()) {
            return lastIr.result();
        }
        int n = heldCount();
        for (int j = 0; j < n; j++) {
            Ir ir = heldAt(last ? n - 1 - j : j);
            if (ir != null && !ir.isEmpty()) {
                return ir.result();
            }
        }
        return lastIr == null ? aggregator.emptyResult() : lastIr.result();
    }
}
