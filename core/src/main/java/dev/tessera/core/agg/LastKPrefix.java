package dev.tessera.core.agg;

import java.util.List;

/**
 * The {@link SlidingPrefix} of last_k. Tiles hold disjoint, consecutive spans of event time, so the k
 * greatest events of a window in {@link EventOrder} are the last IR's entries, then those of the IRs
 * before it, newest IR first, each IR's own entries in its own order — the list the fold's merges of
 * sorted runs build. A read walks back from the newest IR until it has k values.
 */
final class LastKPrefix extends SlidingPrefix {
    LastKPrefix(Aggregator aggregator) {
        super(aggregator);
    }

    @Override
    Object exactResult(Ir last) {
        LastKIr any = (LastKIr) (last != null ? last : held(0, false));
        int k = any.k();
        Object[] out = new Object[k];
        int size = 0;
        if (last != null) {
            size = copy((LastKIr) last, out, size, k);
        }
        int n = heldCount();
        for (int j = n - 1; j >= 0 && size < k; j--) {
            Ir ir = heldAt(j);
            if (ir != null) {
                size = copy((LastKIr) ir, out, size, k);
            }
        }
        if (size == 0) {
            return List.of();
        }
        return List.of(size == k ? out : java.util.Arrays.copyOf(out, size));
    }

    private static int copy(LastKIr ir, Object[] out, int size, int k) {
        int n = Math.min(ir.size(), k - size);
        for (int i = 0; i < n; i++) {
            out[size++] = ir.valueAt(i);
        }
        return size;
    }
}
