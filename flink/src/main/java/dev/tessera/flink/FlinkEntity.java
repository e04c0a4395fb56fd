package dev.tessera.flink;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.core.tile.TileCodec;
import dev.tessera.core.tile.TileRing;

/**
 * The keyed state of one (group, entity) in the Flink job (ADR 019): the entity's tiles, its newest
 * event time, the ids of its events within the dedup horizon, whether it changed since its last
 * flush, and its pending eviction timer.
 *
 * <p>The tiles are held decoded ({@link EntityTiles}, the core's own) while the job runs. Right after
 * a restore they are still the snapshot's bytes, decoded on first use with the group's aggregator:
 * the state's serializer ({@link FlinkEntitySerializer}) cannot know the definitions, since Flink
 * restores state before the operator has loaded them. Tiles are encoded with {@link TileCodec}, the
 * format the online store holds.
 *
 * <p>A snapshot does not keep the rings' per-tile change flags. An entity snapshotted with unwritten
 * changes ({@link #dirty}) marks all its tiles changed when decoded, so its next flush writes all of
 * them: more than needed, never less.
 */
final class FlinkEntity {
    private static final int TILES_VERSION = 1;

    /** Decoded tiles, or null while {@link #encoded} holds them. */
    private EntityTiles tiles;
    /** The aggregator {@link #tiles} belongs to (to encode them), set with them. */
    private transient GroupAggregator aggregator;
    /** Tiles as snapshotted, until {@link #tiles(GroupAggregator)} decodes them. */
    private byte[] encoded;
    long maxEventTime = Long.MIN_VALUE;
    /** Changed since the last flush (a processing-time flush timer is pending). */
    boolean dirty;
    /** The pending event-time timer that evicts this entity's old tiles, or {@link Long#MIN_VALUE}. */
    long evictionTimer = Long.MIN_VALUE;
    /** Ids of applied events within the dedup horizon, with their event times; null when none. */
    private EventIds ids;

    static FlinkEntity empty(GroupAggregator aggregator) {
        FlinkEntity e = new FlinkEntity();
        e.tiles = aggregator.newEntity();
        e.aggregator = aggregator;
        return e;
    }

    /** The tiles, decoded with {@code aggregator} (the entity's group's) on first use after a restore. */
    EntityTiles tiles(GroupAggregator aggregator) {
        if (tiles == null) {
            tiles = decodeTiles(aggregator, encoded == null ? new byte[0] : encoded, dirty);
            encoded = null;
        }
        this.aggregator = aggregator;
        return tiles;
    }

    /**
     * True the first time {@code id} is seen within the dedup horizon (and remembers it); false for a
     * duplicate. Null ids are never duplicates.
     */
    boolean firstSeen(String id, long eventTime) {
        if (id == null) {
            return true;
        }
        if (ids == null) {
            ids = new EventIds();
        }
        return ids.add(id, eventTime);
    }

    /** Forgets ids first applied with an event time before {@code before} (watermark minus the horizon). */
    void expireIds(long before) {
        if (ids == null) {
            return;
        }
        ids.expire(before);
        if (ids.size() == 0) {
            ids = null;
        }
    }

    int idCount() {
        return ids == null ? 0 : ids.size();
    }

    /** The ids, or null when none. */
    EventIds ids() {
        return ids;
    }

    void restoreIds(EventIds restored) {
        ids = restored == null || restored.size() == 0 ? null : restored;
    }

    /**
     * A deep copy sharing nothing mutable (the heap state backend's copy-on-write while an
     * asynchronous snapshot runs): the tiles copied IR by IR with their change flags (still-encoded
     * tiles share their bytes, which nothing changes), the ids' table copied as it is.
     */
    FlinkEntity copy() {
        FlinkEntity c = new FlinkEntity();
        c.maxEventTime = maxEventTime;
        c.dirty = dirty;
        c.evictionTimer = evictionTimer;
        c.ids = ids == null ? null : ids.copy();
        if (tiles != null) {
            c.tiles = tiles.copy();
            c.aggregator = aggregator;
        } else {
            c.encoded = encoded;
        }
        return c;
    }

    /** The tiles' bytes: re-encoded when decoded, else the snapshot's bytes as they are. */
    byte[] encodedTiles() {
        if (tiles == null) {
            return encoded == null ? new byte[0] : encoded;
        }
        return encodeTiles(aggregator, tiles);
    }

    void restoreEncodedTiles(byte[] bytes) {
        tiles = null;
        aggregator = null;
        encoded = bytes;
    }

    /** {@code n:uvarint ring{n}}, ring = {@code hop:varlong m:uvarint (start:varlong len:uvarint tile){m}}. */
    static byte[] encodeTiles(GroupAggregator agg, EntityTiles tiles) {
        ByteWriter out = new ByteWriter(256);
        out.writeByte(TILES_VERSION);
        int rings = 0;
        for (int h = 0; h < agg.hopCount(); h++) {
            if (tiles.ring(h).size() > 0) {
                rings++;
            }
        }
        out.writeUnsignedVarLong(rings);
        ByteWriter tile = new ByteWriter(128);
        for (int h = 0; h < agg.hopCount(); h++) {
            TileRing ring = tiles.ring(h);
            if (ring.size() == 0) {
                continue;
            }
            out.writeVarLong(agg.hopMillis(h));
            out.writeUnsignedVarLong(ring.size());
            for (int i = 0; i < ring.size(); i++) {
                out.writeVarLong(ring.startOf(i));
                TileCodec.encode(agg, h, ring, i, tile.reset());
                out.writeUnsignedVarLong(tile.size());
                out.writeRaw(tile);
            }
        }
        return out.toByteArray();
    }

    /**
     * Decodes {@link #encodeTiles}' bytes; rings of hops the group no longer has are skipped. With
     * {@code changed}, every tile is flagged changed so the next flush writes it.
     */
    static EntityTiles decodeTiles(GroupAggregator agg, byte[] bytes, boolean changed) {
        EntityTiles tiles = agg.newEntity();
        if (bytes.length == 0) {
            return tiles;
        }
        ByteReader in = new ByteReader(bytes);
        int version = in.readByte();
        if (version != TILES_VERSION) {
            throw new IllegalStateException("unknown Flink entity state version " + version + "; was this snapshot taken by a newer Tessera?");
        }
        int rings = in.readLength();
        for (int r = 0; r < rings; r++) {
            long hop = in.readVarLong();
            int n = in.readLength();
            int h = agg.hopIndexOf(hop);
            for (int i = 0; i < n; i++) {
                long start = in.readVarLong();
                byte[] tile = in.readBytes();
                if (h >= 0) {
                    tiles.ring(h).put(start, TileCodec.decode(agg, h, tile));
                }
            }
            if (h >= 0 && changed) {
                tiles.ring(h).markAllChanged();
            }
        }
        return tiles;
    }
}
