package dev.tessera.runtime;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.core.codec.CorruptDataException;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.core.tile.TileKey;
import dev.tessera.core.tile.TileLayouts;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tessera.store.TileStore;
import dev.tessera.store.TileStore.Space;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link FeatureReader} that keeps no state: every read loads the entity from the online store the
 * runtime commits to (issue [Scale-out]: serving nodes in front of a shared store, Redis at scale).
 * Values are those the embedded runtime serves for the same committed state: the entity is decoded
 * with the restart's own code ({@link RuntimeStateCodec#loadHeads}, {@link RuntimeStateCodec#loadTile})
 * into fresh tiles, and read with the runtime's read ({@link GroupRuntime#readInto}, the core
 * {@code GroupAggregator}). What it serves lags the runtime by at most one commit interval.
 *
 * <h2>Cost of a read</h2>
 * {@link TileStore#readEntity}: the entity's value ({@link Space#ENTITIES}: newest event time and
 * the newest tile of each ring) and its older tiles ({@link Space#TILES} under
 * {@link TileKey#entityPrefix}). On Redis that is one {@code HGETALL}, atomic. Elsewhere it is a
 * get and a prefix scan, and a second get of the value checks that no commit landed between the
 * two (then the read is retried): the value and the tiles are written in one atomic commit, but
 * read in separate calls. Every commit that changes the entity's heads rewrites the
 * value and its newest event time only grows, so equal values before and after the scan mean the
 * scan saw tiles of a commit consistent with that value. The store stays the only truth: every
 * read goes to it, and a decoded entity is reused only when the store returned exactly the bytes
 * it was decoded from (a bounded cache; decoding and merging every tile was most of a read's
 * cost). The compiled groups and the tile layouts of the store (META {@code tile-layout/<id>},
 * read again when a tile names a layout not seen yet) are kept too.
 *
 * <p>{@link #newestEventTime} is the committed one: the newest of the per-partition newest event
 * times in the source's PROGRESS record, exactly what a restarted runtime starts from; without one
 * (the Flink job writes the source), the newest of its writers' progress records
 * ({@link EntityWrites#putWriterProgress}); read at most every 100 ms per source, since every
 * response's {@code freshness_ms} asks for it. Thread-safe.
 */
public final class StoreFeatureReader extends GroupCatalog {
    /** Reads retried because a commit changed the entity mid-read, before giving up on consistency. */
    private static final int ATTEMPTS = 8;

    private final TileStore store;
    private final Map<String, GroupRuntime> groups = new LinkedHashMap<>();
    private final Map<String, String> sourceOf = new LinkedHashMap<>();
    private final TileLayouts layouts;
    /**
     * Decoded entities, by group and entity, with the bytes they were decoded from: a read whose
     * store bytes are unchanged reuses the decoded tiles and their read caches (the runtime's own,
     * {@link GroupRuntime#readInto}) instead of decoding and merging every tile again. Bounded
     * ({@link #DEFAULT_CACHED_ENTITIES}); a cached entity costs its tiles' heap.
     */
    private final Cache<CacheKey, Decoded> entities;
    /** Entities whose decoded tiles a reader keeps by default. */
    public static final long DEFAULT_CACHED_ENTITIES = 100_000;
    /** Per source: the newest event time read from the store and when (every response's freshness asks). */
    private final java.util.concurrent.ConcurrentHashMap<String, long[]> newest = new java.util.concurrent.ConcurrentHashMap<>();
    /** How long a source's newest event time is reused: {@code freshness_ms} is then at most this much too high. */
    static final long NEWEST_MAX_AGE_NANOS = 100_000_000L;

    public StoreFeatureReader(Definitions defs, TileStore store) {
        this(defs, store, DEFAULT_CACHED_ENTITIES);
    }

    /** With a cache of at most {@code cachedEntities} decoded entities (0: none). */
    public StoreFeatureReader(Definitions defs, TileStore store, long cachedEntities) {
        this.store = store;
        this.entities = Caffeine.newBuilder().maximumSize(cachedEntities).build();
        for (Source source : defs.sources().values()) {
            java.util.Collection<FeatureGroup> of = defs.groupsOf(source);
            if (of.isEmpty()) {
                continue; // the runtime does not run it either
            }
            FieldLayout layout = SourceFields.layout(defs, source);
            for (FeatureGroup g : of) {
                groups.put(g.name(), new GroupRuntime(g, defs.entityOf(g), layout));
                sourceOf.put(g.name(), source.name());
            }
        }
        this.layouts = RuntimeStateCodec.readLayouts(store);
    }

    /** The writer name under which {@link #writerCounts} gives an embedded runtime's committed counts. */
    public static final String RUNTIME_WRITER = "runtime";

    /**
     * What each writer of {@code source} last published of its counts ({@link WriterCounts}), by writer:
     * the Flink job's subtasks, and an embedded runtime that keeps its state here ({@code tessera run
     * --redis}) as writer {@link #RUNTIME_WRITER}, with the outcome counts of its last commit (exact, kept
     * across its restarts; its rule checks are live only and not in the store). Empty when none wrote.
     */
    public Map<String, WriterCounts> writerCounts(String source) {
        Map<String, WriterCounts> out = new LinkedHashMap<>(WriterCounts.read(store, source));
        byte[] progress = store.get(Space.PROGRESS, RuntimeStateCodec.progressKey(source));
        if (progress != null) {
            out.put(RUNTIME_WRITER, new WriterCounts(0, RuntimeStateCodec.decodeProgress(progress).counters(), Map.of()));
        }
        return out;
    }

    @Override
    Map<String, GroupRuntime> groupsByName() {
        return groups;
    }

    @Override
    public FeatureValues read(String group, List<String> entityKey, long now) {
        GroupRuntime g = group(group);
        byte[] prefix = TileKey.entityPrefix(g.group.name(), entityKey);
        try {
            return read(g, entityKey, prefix, now);
        } catch (CorruptDataException e) {
            // perhaps a tile of a layout the runtime registered after this reader read the layouts
            // (it restarted with changed definitions): read them again, then read once more
            RuntimeStateCodec.readLayoutsInto(store, layouts);
            return read(g, entityKey, prefix, now);
        }
    }

    private FeatureValues read(GroupRuntime g, List<String> entityKey, byte[] prefix, long now) {
        TileStore.EntityRead read = store.readEntity(prefix);
        for (int attempt = 1; ; attempt++) {
            if (!read.atomic() && attempt < ATTEMPTS && !Arrays.equals(read.value(), store.get(Space.ENTITIES, prefix))) {
                read = store.readEntity(prefix); // a commit changed the entity between the two reads: read it again
                continue;
            }
            if (read.value() == null && read.tiles().isEmpty()) {
                entities.invalidate(new CacheKey(g.group.name(), prefix));
                return g.emptyValues(entityKey, now); // the runtime drops an entity without tiles
            }
            Decoded d = decoded(g, prefix, read);
            Object[] out = new Object[g.aggregator.servedNames().size()];
            long t;
            synchronized (d) { // the tiles' read caches are not thread-safe
                t = g.readInto(d.tiles, d.maxEventTime, now, out);
            }
            return g.values(entityKey, true, t, out);
        }
    }

    /**
     * The entity decoded from {@code read}: the cached one when the store returned the same bytes
     * as when it was cached (most entities do not change between two reads of them), else decoded
     * now and cached.
     */
    private Decoded decoded(GroupRuntime g, byte[] prefix, TileStore.EntityRead read) {
        CacheKey key = new CacheKey(g.group.name(), prefix);
        Decoded cached = entities.getIfPresent(key);
        if (cached != null && cached.sameBytes(read)) {
            return cached;
        }
        EntityTiles tiles = g.aggregator.newEntity();
        long maxEventTime = Long.MIN_VALUE;
        if (read.value() != null) {
            RuntimeStateCodec.EntityValue ev = RuntimeStateCodec.decodeEntity(read.value());
            maxEventTime = ev.maxEventTime();
            RuntimeStateCodec.loadHeads(g.aggregator, tiles, ev, layouts);
        }
        for (byte[][] kv : read.tiles()) {
            TileKey k = TileKey.decode(kv[0]);
            RuntimeStateCodec.loadTile(g.aggregator, tiles, k.hopMillis(), k.start(), kv[1], layouts);
        }
        Decoded d = new Decoded(read.value(), read.tiles(), tiles, maxEventTime);
        if (!tiles.isEmpty()) {
            entities.put(key, d);
        }
        return d;
    }

    /** A cache key: group and entity prefix (compared by content). */
    private record CacheKey(String group, byte[] prefix) {
        @Override
        public boolean equals(Object o) {
            return o instanceof CacheKey k && group.equals(k.group) && Arrays.equals(prefix, k.prefix);
        }

        @Override
        public int hashCode() {
            return group.hashCode() * 31 + Arrays.hashCode(prefix);
        }
    }

    /** An entity as read from the store (its bytes) and decoded (its tiles, with their read caches). */
    private static final class Decoded {
        final byte[] value;
        final List<byte[][]> tileBytes;
        final EntityTiles tiles;
        final long maxEventTime;

        Decoded(byte[] value, List<byte[][]> tileBytes, EntityTiles tiles, long maxEventTime) {
            this.value = value;
            this.tileBytes = tileBytes;
            this.tiles = tiles;
            this.maxEventTime = maxEventTime;
        }

        boolean sameBytes(TileStore.EntityRead read) {
            if (!Arrays.equals(value, read.value()) || tileBytes.size() != read.tiles().size()) {
                return false;
            }
            for (int i = 0; i < tileBytes.size(); i++) {
                byte[][] a = tileBytes.get(i);
                byte[][] b = read.tiles().get(i);
                if (!Arrays.equals(a[0], b[0]) || !Arrays.equals(a[1], b[1])) {
                    return false;
                }
            }
            return true;
        }
    }

    @Override
    public long newestEventTime(String group) {
        String source = sourceOf(group);
        long[] cached = newest.get(source); // {newest event time, when it was read (nanoTime)}
        long nanos = System.nanoTime();
        if (cached != null && nanos - cached[1] < NEWEST_MAX_AGE_NANOS) {
            return cached[0];
        }
        long value = readNewestEventTime(source);
        newest.put(source, new long[] {value, nanos});
        return value;
    }

    private long readNewestEventTime(String source) {
        byte[] bytes = store.get(Space.PROGRESS, RuntimeStateCodec.progressKey(source));
        long[] newest = {Long.MIN_VALUE};
        if (bytes != null) {
            for (long max : RuntimeStateCodec.decodeProgress(bytes).partitionMax()) {
                newest[0] = Math.max(newest[0], max); // as a restart sets SourceRuntime.newestApplied
            }
            return newest[0];
        }
        // no embedded runtime writes this source: the newest of its writers' (the Flink job's subtasks)
        store.scan(Space.PROGRESS, RuntimeStateCodec.writerProgressPrefix(source), (key, value) -> {
            for (long max : RuntimeStateCodec.decodeProgress(value).partitionMax()) {
                newest[0] = Math.max(newest[0], max);
            }
        });
        return newest[0];
    }

    @Override
    public String sourceOf(String group) {
        group(group);
        return sourceOf.get(group);
    }

}
