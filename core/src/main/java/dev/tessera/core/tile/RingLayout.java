package dev.tessera.core.tile;

import dev.tessera.core.agg.Aggregator;
import dev.tessera.core.agg.FixedIrs;

/**
 * How the tiles of one hop store their slots ({@link TileRing}, ADR 012): each slot of a fixed-size
 * kind ({@link FixedIrs}: count, sum, avg) gets {@link FixedIrs#words} words at an offset within the
 * tile's words; every other slot keeps an IR object. Immutable; one per hop of a
 * {@link GroupAggregator}, shared by all its entities' rings.
 */
final class RingLayout {
    /** Every slot an object, whatever the tile's length: the rings tests make with {@code new TileRing()}. */
    static final RingLayout OBJECTS = new RingLayout(null, null, 0);

    private final Aggregator[] aggregators;
    /** Per slot: its first word within a tile's words, or -1 for an object slot. */
    private final int[] offsets;
    /** Words per tile: the fixed slots' together. */
    final int words;
    /** Whether some slot keeps an IR object (the ring then keeps an {@code Ir[]} per tile that has one). */
    final boolean objects;

    private RingLayout(Aggregator[] aggregators, int[] offsets, int words) {
        this.aggregators = aggregators;
        this.offsets = offsets;
        this.words = words;
        boolean any = offsets == null;
        for (int slot = 0; !any && slot < offsets.length; slot++) {
            any = offsets[slot] < 0;
        }
        this.objects = any;
    }

    /** The layout of a tile with these slots, in slot order. */
    static RingLayout of(Aggregator[] slots) {
        int[] offsets = new int[slots.length];
        int words = 0;
        for (int slot = 0; slot < slots.length; slot++) {
            int n = FixedIrs.words(slots[slot]);
            offsets[slot] = n == 0 ? -1 : words;
            words += n;
        }
        return new RingLayout(slots.clone(), offsets, words);
    }

    /** Every slot an IR object, as before ADR 012: the layout {@code TileLayoutEquivalenceTest} holds the words to. */
    static RingLayout allObjects(Aggregator[] slots) {
        int[] offsets = new int[slots.length];
        java.util.Arrays.fill(offsets, -1);
        return new RingLayout(slots.clone(), offsets, 0);
    }

    /** Slots per tile; -1 for {@link #OBJECTS}, whose tiles have the length they were made with. */
    int slots() {
        return aggregators == null ? -1 : aggregators.length;
    }

    /** The first word of slot {@code slot} within a tile's words, or -1 when the slot keeps an object. */
    int offset(int slot) {
        return offsets == null ? -1 : offsets[slot];
    }

    Aggregator aggregator(int slot) {
        return aggregators[slot];
    }
}
