package dev.tessera.core.tile;

import dev.tessera.core.agg.Aggregator;
import dev.tessera.core.agg.Ir;
import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.codec.CorruptDataException;

/**
 * Owner of the byte layout of one tile (the IR slots of one hop of one entity of one group), as
 * stored in the online store and passed between engines.
 *
 * <pre>
 * tile    := version:u8 (=2) | layout:8 bytes big-endian | n:uvarint | slot{n}
 * slot    := len:uvarint | ir:len bytes                               (len 0 = empty slot)
 * ir      := the IR's own encoding, starting with its own version byte (see the IR classes)
 *
 * version 1 (written until 2026-11-26, still read):
 * tile    := version:u8 (=1) | n:uvarint | slot{n}
 * slot    := fingerprint:8 bytes big-endian | len:uvarint | ir:len bytes
 * </pre>
 *
 * <p>Slots are identified by the fingerprint of their aggregation (agg, of, where, k, p), not by
 * position, so definitions can change between writing and reading: a slot whose aggregation was
 * removed is skipped, a newly added aggregation starts empty, and unchanged ones keep their state
 * (issue: changing definitions must not touch existing tiles). Version 1 wrote the fingerprint in
 * every slot: eight bytes before an IR of two or three, a third of the runtime's store traffic and
 * half of its compaction work (bench/RESULTS.md, session 6). Version 2 writes the id of the ring's
 * list of fingerprints ({@link TileLayouts}) once per tile: a reader with the same definitions
 * decodes slots by position, and a reader whose definitions changed finds the writer's list in the
 * {@link TileLayouts} it registered from the store.
 */
public final class TileCodec {
    static final int VERSION = 2;
    private static final int VERSION_1 = 1;

    private TileCodec() {}

    /** Encodes a tile of ring {@code hopIndex} of {@code group}. */
    public static byte[] encode(GroupAggregator group, int hopIndex, Ir[] tile) {
        ByteWriter out = new ByteWriter(16 + tile.length * 8);
        encode(group, hopIndex, tile, out);
        return out.toByteArray();
    }

    /** Appends the encoding of a tile of ring {@code hopIndex} to {@code out} (a reusable buffer on the commit path). */
    public static void encode(GroupAggregator group, int hopIndex, Ir[] tile, ByteWriter out) {
        out.writeByte(VERSION);
        out.writeLong(group.layoutId(hopIndex));
        out.writeUnsignedVarLong(tile.length);
        for (Ir ir : tile) {
            writeSlot(ir, out);
        }
    }

    /** One slot: the IR's encoding, length-prefixed; a zero length for an empty (or null) slot. */
    static void writeSlot(Ir ir, ByteWriter out) {
        if (ir == null || ir.isEmpty()) {
            out.writeUnsignedVarLong(0);
        } else {
            int at = out.startLengthPrefixed();
            ir.encode(out);
            out.endLengthPrefixed(at);
        }
    }

    /**
     * Appends the encoding of tile {@code index} of {@code ring} (a ring of {@code group}'s hop
     * {@code hopIndex}): the bytes {@code encode(group, hopIndex, ring.tileAt(index), out)} appends,
     * without making objects of its fixed slots (the commit path).
     */
    public static void encode(GroupAggregator group, int hopIndex, TileRing ring, int index, ByteWriter out) {
        int slots = group.fingerprints(hopIndex).length;
        out.writeByte(VERSION);
        out.writeLong(group.layoutId(hopIndex));
        out.writeUnsignedVarLong(slots);
        for (int slot = 0; slot < slots; slot++) {
            ring.encodeSlot(index, slot, out);
        }
    }

    /** {@link #encode(GroupAggregator, int, TileRing, int, ByteWriter)} into a new array. */
    public static byte[] encode(GroupAggregator group, int hopIndex, TileRing ring, int index) {
        ByteWriter out = new ByteWriter(32);
        encode(group, hopIndex, ring, index, out);
        return out.toByteArray();
    }

    /**
     * Decodes a tile for ring {@code hopIndex} of {@code group} as the group is defined now, knowing
     * only the group's own layouts: a version-2 tile written with other definitions fails (use
     * {@link #decode(GroupAggregator, int, byte[], TileLayouts)} with the store's layouts).
     */
    public static Ir[] decode(GroupAggregator group, int hopIndex, byte[] bytes) {
        return decode(group, hopIndex, bytes, null);
    }

    /**
     * Decodes a tile for ring {@code hopIndex} of {@code group} as the group is defined now: slots
     * are matched by fingerprint; unknown ones are dropped, missing ones are null (empty). The
     * layout of a version-2 tile written with other definitions is looked up in {@code known}.
     */
    public static Ir[] decode(GroupAggregator group, int hopIndex, byte[] bytes, TileLayouts known) {
        long[] fps = group.fingerprints(hopIndex);
        Aggregator[] aggs = group.aggregators(hopIndex);
        ByteReader in = new ByteReader(bytes);
        int version = in.readByte();
        boolean fingerprintPerSlot = version == VERSION_1;
        long[] written = null; // a version-2 tile of another layout: the writer's fingerprint per slot
        if (version == VERSION) {
            long layout = in.readLong();
            if (layout != group.layoutId(hopIndex)) {
                written = known == null ? null : known.fingerprints(layout);
                if (written == null) {
                    throw new CorruptDataException("tile written with slot layout " + Long.toHexString(layout)
                            + ", which the store does not describe (its tile-layout record is missing); the store may"
                            + " have been written by another deployment or copied without its META space");
                }
            }
        } else if (!fingerprintPerSlot) {
            throw new CorruptDataException("unknown tile format version " + version + " (this build reads 1 and "
                    + VERSION + "); was the store written by a newer Tessera?");
        }
        int n = in.readLength();
        if (!fingerprintPerSlot && n != (written != null ? written.length : fps.length)) {
            throw new CorruptDataException("tile has " + n + " slots, its layout " + (written != null ? written.length : fps.length));
        }
        Ir[] tile = new Ir[fps.length];
        for (int i = 0; i < n; i++) {
            int slot = fingerprintPerSlot ? indexOf(fps, in.readLong()) : written == null ? i : indexOf(fps, written[i]);
            int len = in.readLength();
            if (slot < 0 || len == 0) {
                in.skip(len);
                continue;
            }
            ByteReader irIn = in.slice(len);
            tile[slot] = aggs[slot].decode(irIn);
            if (irIn.remaining() != 0) {
                throw new CorruptDataException(irIn.remaining() + " unexpected trailing byte(s) after the "
                        + aggs[slot].kind().yamlName() + " IR in slot " + slot);
            }
        }
        if (in.remaining() != 0) {
            throw new CorruptDataException(in.remaining() + " unexpected trailing byte(s) after tile");
        }
        return tile;
    }

    private static int indexOf(long[] fps, long fp) {
        for (int i = 0; i < fps.length; i++) {
            if (fps[i] == fp) {
                return i;
            }
        }
        return -1;
    }
}
