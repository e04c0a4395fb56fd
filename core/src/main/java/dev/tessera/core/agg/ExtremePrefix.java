package dev.tessera.core.agg;

/**
 * The {@link SlidingPrefix} of min and max: a monotonic queue (the sliding-window maximum). The fold's
 * extreme is the oldest of the best values of its IRs (a merge replaces the extreme only by a strictly
 * better value), and its double flag is the or of theirs. The queue holds, oldest first, each IR's
 * extreme that no newer IR beats strictly, so its head is that oldest best value; a count of the IRs
 * held that saw a double gives the flag.
 */
final class ExtremePrefix extends SlidingPrefix {
    private final boolean max;
    /** The read's merge target, reused. */
    private MinMaxIr target;
    /** The queue: values and sequence numbers of their IRs, at (head + i) & (capacity - 1) (a power of two). */
    private Object[] values = new Object[4];
    private long[] seqs = new long[4];
    private int head;
    private int length;
    /** Sequence numbers of the non-null IRs: the next one added, the next one removed. */
    private long addedSeq;
    private long removedSeq;
    private int doubles;

    ExtremePrefix(Aggregator aggregator, boolean max) {
        super(aggregator);
        this.max = max;
    }

    @Override
    boolean added(Ir ir) {
        MinMaxIr m = (MinMaxIr) ir;
        if (m.sawDouble()) {
            doubles++;
        }
        Object v = m.extreme();
        long seq = addedSeq++;
        if (v == null) {
            return true;
        }
        while (length > 0) {
            int c = ValueOrder.compare(v, values[(head + length - 1) & (values.length - 1)]);
            if (max ? c > 0 : c < 0) {
                length--;
            } else {
                break;
            }
        }
        if (length == values.length) {
            Object[] v2 = new Object[length * 2];
            long[] s2 = new long[length * 2];
            for (int i = 0; i < length; i++) {
                v2[i] = values[(head + i) & (values.length - 1)];
                s2[i] = seqs[(head + i) & (values.length - 1)];
            }
            values = v2;
            seqs = s2;
            head = 0;
        }
        int at = (head + length) & (values.length - 1);
        values[at] = v;
        seqs[at] = seq;
        length++;
        return true;
    }

    @Override
    boolean removed(Ir ir) {
        if (((MinMaxIr) ir).sawDouble()) {
            doubles--;
        }
        long seq = removedSeq++;
        if (length > 0 && seqs[head] == seq) {
            values[head] = null;
            head = (head + 1) & (values.length - 1);
            length--;
        }
        return true;
    }

    @Override
    Object exactResult(Ir last) {
        if (target == null) {
            target = (MinMaxIr) aggregator.newMergeTarget();
        } else {
            target.clear(); // what a new merge target is
        }
        target.mergeParts(length > 0 ? values[head] : null, doubles > 0);
        if (last != null) {
            target.merge(last);
        }
        return target.result();
    }
}
