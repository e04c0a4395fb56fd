package dev.tessera.runtime;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.core.event.SourceFields;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.core.tile.TileCodec;
import dev.tessera.core.tile.TileKey;
import dev.tessera.core.tile.TileLayouts;
import dev.tessera.core.tile.TileRing;
import dev.tessera.core.tile.WindowSpec;
import dev.tessera.store.TileStore;
import dev.tessera.store.TileStore.Space;
import dev.tessera.store.WriteSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Replaces one group's tiles in a stopped runtime's store with tiles computed elsewhere (a
 * backfill from the archive), in the store layout the runtime reads at start ({@link Checkpointer},
 * {@link RuntimeStateCodec}). Tiles are replaced, never merged: writing the same computed tiles twice
 * leaves the same store, and nothing the stream counted is added again.
 *
 * <p>Each entity is rewritten in one atomic write (its value, its older tiles, and deletes of tiles
 * it no longer has); {@link #flush()} bounds how many wait in memory. The runtime must not run on the
 * same store meanwhile (RocksDB's lock already refuses a second process).
 */
public final class GroupStateRewrite {
    /** What the stream committed for a source: the next offset of each partition (-1: none) and its watermark. */
    public record Committed(long[] nextOffsets, long watermark) {
        /** The next offset of {@code partition}: every record before it is reflected in the store; -1 when none is. */
        public long nextOffset(int partition) {
            return partition < nextOffsets.length ? nextOffsets[partition] : -1;
        }
    }

    /** Which tiles a rewrite replaces: those inside {@code [from, until)}, and the lifetime tile when {@code lifetime}. */
    public record Range(long from, long until, boolean lifetime) {
        public static final Range ALL = new Range(Long.MIN_VALUE, Long.MAX_VALUE, true);

        boolean covers(long hopMillis, long start) {
            if (hopMillis == WindowSpec.LIFETIME) {
                return lifetime;
            }
            return start >= from && (until == Long.MAX_VALUE || start <= until - hopMillis);
        }
    }

    private final TileStore store;
    private final FeatureGroup group;
    private final GroupAggregator aggregator;
    private final int keyParts;
    private final long watermark;
    private WriteSet pending = new WriteSet();
    /** The layouts of the tiles the store holds (some may have been written with other definitions). */
    private final TileLayouts layouts;
    private long entitiesWritten;
    private long entitiesRemoved;

    public GroupStateRewrite(TileStore store, Definitions defs, FeatureGroup group) {
        this.store = store;
        this.group = group;
        Source source = defs.sourceOf(group);
        this.aggregator = GroupAggregator.compile(group, SourceFields.layout(defs, source));
        this.keyParts = defs.entityOf(group).keys().size();
        this.watermark = committed(store, source.name()).watermark();
        this.layouts = RuntimeStateCodec.readLayouts(store);
        RuntimeStateCodec.putLayouts(pending, aggregator); // in the first write, before any tile of them
    }

    /** The aggregator tiles must be computed with (the full group, as the runtime compiles it). */
    public GroupAggregator aggregator() {
        return aggregator;
    }

    /** The stream's committed progress for {@code source}; no offsets and no watermark when it never committed. */
    public static Committed committed(TileStore store, String source) {
        byte[] bytes = store.get(Space.PROGRESS, RuntimeStateCodec.progressKey(source));
        if (bytes == null) {
            return new Committed(new long[0], WatermarkTracker.NONE);
        }
        RuntimeStateCodec.Progress p = RuntimeStateCodec.decodeProgress(bytes);
        return new Committed(p.nextOffsets().clone(), p.watermark());
    }

    /** Calls {@code sink} with the key ({@link EntityKeys#of} form) of every entity the store holds for the group. */
    public void forEachStoredEntity(Consumer<String> sink) {
        store.scan(Space.ENTITIES, TileKey.groupPrefix(group.name()), (key, value) ->
                sink.accept(GroupRuntime.mapKey(TileKey.decodeEntityPrefix(key).entityKey())));
    }

    /**
     * Replaces the tiles of entity {@code key} inside {@code range} by those of {@code computed}
     * (tiles outside the range stay as stored); tiles older than the retention horizon at the
     * stream's committed watermark are not written. {@code computedMaxEventTime} is the newest event
     * time {@code computed} holds (Long.MIN_VALUE if none).
     */
    public void replace(String key, EntityTiles computed, long computedMaxEventTime, Range range) {
        List<String> entityKey = GroupRuntime.entityKey(key, keyParts);
        byte[] prefix = TileKey.entityPrefix(group.name(), entityKey);
        EntityTiles next = aggregator.newEntity();
        long maxEventTime = computedMaxEventTime;
        List<byte[]> stored = new ArrayList<>();
        byte[] value = store.get(Space.ENTITIES, prefix);
        if (value != null) {
            RuntimeStateCodec.EntityValue ev = RuntimeStateCodec.decodeEntity(value);
            maxEventTime = Math.max(maxEventTime, ev.maxEventTime());
            for (RuntimeStateCodec.Head head : ev.heads()) {
                keep(next, head.hopMillis(), head.start(), head.tile(), range);
            }
        }
        store.scan(Space.TILES, prefix, (k, v) -> {
            TileKey tk = TileKey.decode(k);
            stored.add(k);
            keep(next, tk.hopMillis(), tk.start(), v, range);
        });
        for (int h = 0; h < aggregator.hopCount(); h++) {
            TileRing ring = computed.ring(h);
            for (int i = 0; i < ring.size(); i++) {
                if (range.covers(aggregator.hopMillis(h), ring.startOf(i))) {
                    next.ring(h).put(ring.startOf(i), ring.tileAt(i));
                }
            }
        }
        if (watermark != WatermarkTracker.NONE) {
            aggregator.evict(next, watermark);
        }
        List<byte[]> written = new ArrayList<>();
        for (int h = 0; h < aggregator.hopCount(); h++) {
            TileRing ring = next.ring(h);
            for (int i = 0; i < ring.size() - 1; i++) { // the newest tile lives in the entity value
                byte[] k = TileKey.encode(prefix, aggregator.hopMillis(h), ring.startOf(i));
                written.add(k);
                pending.put(Space.TILES, k, TileCodec.encode(aggregator, h, ring, i));
            }
        }
        for (byte[] k : stored) {
            if (written.stream().noneMatch(w -> Arrays.equals(w, k))) {
                pending.delete(Space.TILES, k);
            }
        }
        if (next.isEmpty()) {
            if (value != null) {
                pending.delete(Space.ENTITIES, prefix);
                entitiesRemoved++;
            }
        } else {
            pending.put(Space.ENTITIES, prefix, Checkpointer.encodeEntityValue(aggregator, next, maxEventTime));
            entitiesWritten++;
        }
        if (pending.size() >= 10_000) {
            flush();
        }
    }

    private void keep(EntityTiles next, long hopMillis, long start, byte[] tile, Range range) {
        int h = aggregator.hopIndexOf(hopMillis);
        if (h >= 0 && !range.covers(hopMillis, start)) {
            next.ring(h).put(start, TileCodec.decode(aggregator, h, tile, layouts));
        }
    }

    /** Writes what is pending (each entity's operations are in one write, never split). */
    public void flush() {
        if (!pending.isEmpty()) {
            store.write(pending);
            pending = new WriteSet();
        }
    }

    public long entitiesWritten() {
        return entitiesWritten;
    }

    public long entitiesRemoved() {
        return entitiesRemoved;
    }
}
