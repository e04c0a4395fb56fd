package dev.tessera.runtime;

import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.core.tile.TileCodec;
import dev.tessera.core.tile.TileKey;
import dev.tessera.core.tile.TileRing;
import dev.tessera.store.TileStore.Space;
import dev.tessera.store.WriteSet;

/**
 * What one entity's commit writes to the online store, in the layout of {@link RuntimeStateCodec}:
 * one owner for every engine that writes tiles (the embedded runtime's {@code Checkpointer}; the
 * Flink runner's sink), so {@link StoreFeatureReader} reads them all alike.
 *
 * <p>The newest tile of each ring (its "head", the one events in time order update) lives inside
 * the entity's value with its newest event time; older tiles have their own TILES keys. A cold
 * entity is then one store operation per commit instead of one per ring plus a header; a hot one
 * rewrites its value (the heads, which its events change anyway) plus any older tile a late event
 * touched. A head demoted by a newer tile is flagged changed by the ring and moves to its TILES key.
 */
public final class EntityWrites {
    /** Encoding buffers, per thread: several threads encode entities. */
    private static final ThreadLocal<ByteWriter[]> BUFFERS = ThreadLocal.withInitial(
            () -> new ByteWriter[] {new ByteWriter(512), new ByteWriter(256)});

    private EntityWrites() {}

    /**
     * Adds the writes of one entity to {@code ws}: when {@code changed}, its changed older tiles
     * (and clears the rings' change flags); when {@code evictBefore > Long.MIN_VALUE}, deletions of
     * the tiles that eviction drops; then its value, or the value's deletion when no tile is left.
     *
     * @return true when the entity has no tiles left (its value was deleted)
     */
    public static boolean write(WriteSet ws, GroupAggregator agg, byte[] prefix, EntityTiles tiles, long maxEventTime,
                                boolean changed, long evictBefore) {
        int hops = agg.hopCount();
        if (changed) {
            for (int h = 0; h < hops; h++) {
                TileRing ring = tiles.ring(h);
                long hop = agg.hopMillis(h);
                int head = ring.size() - 1;
                for (int i = ring.firstChanged(); i < head; i++) {
                    if (ring.changed(i)) {
                        ws.put(Space.TILES, TileKey.encode(prefix, hop, ring.startOf(i)), TileCodec.encode(agg, h, ring, i));
                    }
                }
                ring.clearChanged();
            }
        }
        if (evictBefore != Long.MIN_VALUE) {
            for (int h = 0; h < hops; h++) {
                TileRing ring = tiles.ring(h);
                long headBefore = ring.size() == 0 ? Long.MIN_VALUE : ring.startOf(ring.size() - 1);
                int dropped = agg.evictRing(tiles, h, evictBefore, (hop, start) -> {
                    if (start != headBefore) { // a head has no TILES key: it lives in the entity value
                        ws.delete(Space.TILES, TileKey.encode(prefix, agg.hopMillis(hop), start));
                    }
                });
                if (dropped > 0 && ring.size() == 0) {
                    changed = true; // the head went: rewrite the value without it
                }
            }
        }
        if (tiles.isEmpty()) {
            ws.delete(Space.ENTITIES, prefix);
            return true;
        }
        if (changed) {
            ws.put(Space.ENTITIES, prefix, entityValue(agg, tiles, maxEventTime));
        }
        return false;
    }

    /**
     * Registers {@code agg}'s tile layouts in the store (META {@code tile-layout/<id>}), so readers
     * with other definitions can decode its tiles: every writer puts them before its first tile.
     */
    public static void putLayouts(WriteSet ws, GroupAggregator agg) {
        RuntimeStateCodec.putLayouts(ws, agg);
    }

    /**
     * Progress of one of several writers of a source (the Flink job's sink subtasks), for
     * {@link StoreFeatureReader#newestEventTime}: the newest event time it has written, under
     * PROGRESS {@code source/<name>/<writer>}. The embedded runtime's own record,
     * {@code source/<name>}, has offsets and counters; these have one pseudo-partition (offset -1) with the time.
     */
    public static void putWriterProgress(WriteSet ws, String source, String writer, long newestEventTime, long watermark) {
        ws.put(Space.PROGRESS, RuntimeStateCodec.writerProgressKey(source, writer), RuntimeStateCodec.encodeProgress(
                new RuntimeStateCodec.Progress(new long[] {-1}, new long[] {newestEventTime}, watermark, 0, java.util.Map.of())));
    }

    /** An entity's value: its newest event time and the newest tile of each ring. */
    public static byte[] entityValue(GroupAggregator agg, EntityTiles tiles, long maxEventTime) {
        int heads = 0;
        for (int h = 0; h < agg.hopCount(); h++) {
            if (tiles.ring(h).size() > 0) {
                heads++;
            }
        }
        ByteWriter[] buffers = BUFFERS.get();
        ByteWriter tileBuffer = buffers[1];
        ByteWriter out = RuntimeStateCodec.startEntity(buffers[0].reset(), maxEventTime, heads);
        for (int h = 0; h < agg.hopCount(); h++) {
            TileRing ring = tiles.ring(h);
            if (ring.size() > 0) {
                int head = ring.size() - 1;
                TileCodec.encode(agg, h, ring, head, tileBuffer.reset());
                RuntimeStateCodec.writeHead(out, agg.hopMillis(h), ring.startOf(head), tileBuffer);
            }
        }
        return out.toByteArray();
    }
}
