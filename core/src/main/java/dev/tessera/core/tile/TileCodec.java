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
 * tile   := version:u8 (=1) | n:uvarint | slot{n}
 * slot   := fingerprint:8 bytes big-endian | len:uvarint | ir:len bytes   (len 0 = empty slot)
 * ir     := the IR's own encoding, starting with its own version byte (see the IR classes)
 * </pre>
 *
 * <p>Slots are identified by the fingerprint of their aggregation (agg, of, where, k, p), not by
 * position, so definitions can change between writing and reading: a slot whose aggregation was
 * removed is skipped, a newly added aggregation starts empty, and unchanged ones keep their state
 * (issue: changing definitions must not touch existing tiles).
 */
public final class TileCodec {
    static final int VERSION = 1;

    private TileCodec() {}

    /** Encodes a tile of ring {@code hopIndex} of {@code group}. */
    public static byte[] encode(GroupAggregator group, int hopIndex, Ir[] tile) {
        ByteWriter out = new ByteWriter(32 + tile.length * 24);
        encode(group.fingerprints(hopIndex), tile, out);
        return out.toByteArray();
    }

    /** Appends the encoding of a tile of ring {@code hopIndex} to {@code out} (a reusable buffer on the commit path). */
    public static void encode(GroupAggregator group, int hopIndex, Ir[] tile, ByteWriter out) {
        encode(group.fingerprints(hopIndex), tile, out);
    }

    static void encode(long[] fingerprints, Ir[] tile, ByteWriter out) {
        out.writeByte(VERSION);
        out.writeUnsignedVarLong(tile.length);
        for (int s = 0; s < tile.length; s++) {
            out.writeLong(fingerprints[s]);
            Ir ir = tile[s];
            if (ir == null || ir.isEmpty()) {
                out.writeUnsignedVarLong(0);
            } else {
                int at = out.startLengthPrefixed();
                ir.encode(out);
                out.endLengthPrefixed(at);
            }
        }
    }

    /**
     * Decodes a tile for ring {@code hopIndex} of {@code group} as the group is defined now: slots
     * are matched by fingerprint; unknown ones are dropped, missing ones are null (empty).
     */
    public static Ir[] decode(GroupAggregator group, int hopIndex, byte[] bytes) {
        long[] fps = group.fingerprints(hopIndex);
        Aggregator[] aggs = group.aggregators(hopIndex);
        ByteReader in = new ByteReader(bytes);
        int version = in.readByte();
        if (version != VERSION) {
            throw new CorruptDataException("unknown tile format version " + version + " (this build reads "
                    + VERSION + "); was the store written by a newer Tessera?");
        }
        int n = in.readLength();
        Ir[] tile = new Ir[fps.length];
        for (int i = 0; i < n; i++) {
            long fp = in.readLong();
            byte[] irBytes = in.readBytes();
            int slot = indexOf(fps, fp);
            if (slot < 0 || irBytes.length == 0) {
                continue;
            }
            ByteReader irIn = new ByteReader(irBytes);
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
