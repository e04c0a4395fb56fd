package dev.tessera.core.agg;

import dev.tessera.api.Aggregation;

/**
 * The IR kinds whose state is a few numbers — count (1 word), sum and avg (6 words) — kept by tile
 * rings as words of a {@code long[]} column instead of one object per tile (ADR 012): a new tile of
 * such a ring allocates nothing and stores no pointer, so it neither dirties a card of the old
 * generation nor gives the next young collection anything to copy. The state in the words is the
 * IR's, bit for bit: {@link #toIr} gives the IR that the same adds would have built, so reads,
 * merges and encodings do not change.
 *
 * <p>An all-zero state is the empty IR ({@code isEmpty()}: nothing added); {@link #toIr} returns
 * null for it, which every reader treats as an empty slot, and which reads as the empty IR would
 * (count and sum 0, avg null).
 */
public final class FixedIrs {
    private FixedIrs() {}

    /** Words of state of one IR of {@code agg}, or 0 when its kind keeps an object. */
    public static int words(Aggregator agg) {
        Aggregation kind = agg.kind();
        if (kind == Aggregation.COUNT) {
            return 1;
        }
        if (kind == Aggregation.SUM || kind == Aggregation.AVG) {
            return SumAccumulator.WORDS;
        }
        return 0;
    }

    /** What {@code Ir.add(value, ...)} does to an IR of {@code agg} ({@link #words} &gt; 0), on its words at {@code off}. */
    public static void add(Aggregator agg, long[] words, int off, Object value) {
        if (agg.kind() == Aggregation.COUNT) {
            words[off]++;
        } else {
            SumIr sum = new SumIr(); // short-lived (C2 can scalar-replace it): the adds are SumAccumulator's own
            sum.load(words, off);
            sum.add(value);
            sum.store(words, off);
        }
    }

    /**
     * Writes what {@code toIr(agg, words, off).encode(out)} writes, for a non-empty state (the tile
     * codec writes an empty slot as a zero length), without making the IR an object.
     */
    public static void encode(Aggregator agg, long[] words, int off, dev.tessera.core.codec.ByteWriter out) {
        if (agg.kind() == Aggregation.COUNT) {
            CountIr.encode(words[off], out);
        } else {
            new SumIr().load(words, off).encode(out); // short-lived; sum and avg share the layout
        }
    }

    /** Whether the words at {@code off} hold the empty IR. */
    public static boolean isEmpty(long[] words, int off) {
        return words[off] == 0; // count, or the sum's n
    }

    /** The IR the words at {@code off} hold (a new object), or null when empty. */
    public static Ir toIr(Aggregator agg, long[] words, int off) {
        if (isEmpty(words, off)) {
            return null;
        }
        Aggregation kind = agg.kind();
        if (kind == Aggregation.COUNT) {
            return CountIr.of(words[off]);
        }
        return (kind == Aggregation.SUM ? new SumIr() : new AvgIr()).load(words, off);
    }

    /** Writes {@code ir} (an IR of {@code agg}, or null for an empty slot) to the words at {@code off}. */
    public static void fromIr(Aggregator agg, Ir ir, long[] words, int off) {
        int n = words(agg);
        if (ir == null) {
            java.util.Arrays.fill(words, off, off + n, 0L);
        } else if (agg.kind() == Aggregation.COUNT) {
            words[off] = expect(agg, ir, CountIr.class).count();
        } else {
            Class<? extends SumAccumulator> type = agg.kind() == Aggregation.SUM ? SumIr.class : AvgIr.class;
            expect(agg, ir, type).store(words, off);
        }
    }

    private static <T extends Ir> T expect(Aggregator agg, Ir ir, Class<T> type) {
        if (!type.isInstance(ir)) {
            throw new IllegalArgumentException("a " + ir.getClass().getSimpleName() + " cannot be stored in a "
                    + agg.kind().yamlName() + " slot");
        }
        return type.cast(ir);
    }
}
