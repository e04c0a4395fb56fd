package dev.tessera.store;

import java.util.function.BiConsumer;

/**
 * The online store: an ordered byte-key/byte-value store with a few separate key spaces, written
 * only in atomic {@link WriteSet}s. The runtime's commit protocol (tiles, consumed offsets and
 * dedup state in one atomic write) rests on that atomicity; the byte layouts of keys and values are
 * owned elsewhere ({@code TileKey}, {@code TileCodec}, the runtime's state codecs), never here.
 *
 * <p>Implementations ({@code InMemoryTileStore}, {@code RocksDbTileStore}, later {@code RedisTileStore})
 * pass the same contract test, {@code AbstractTileStoreTest}. They are thread-safe: one writer commits
 * while serving threads read.
 *
 * <p>Byte arrays change hands: a store keeps no reference to the arrays of a {@link WriteSet} once
 * {@code write} returns, and the arrays {@code get} returns and {@code scan} passes belong to the
 * caller. Any key is allowed, the empty one included; a value may be empty, which is not absence.
 * After {@link #close()} every other method throws {@link IllegalStateException}.
 */
public interface TileStore extends AutoCloseable {
    /** Separate key spaces (RocksDB column families, Redis key prefixes). */
    enum Space {
        /** {@code TileKey} to encoded tile. */
        TILES,
        /** Per (group, entity) metadata, e.g. the entity's latest applied event time. */
        ENTITIES,
        /** Consumed offsets, watermarks, counters: the runtime's progress. */
        PROGRESS,
        /** Ids remembered for deduplication. */
        DEDUP,
        /** Anything else small: definitions version, schema of the store itself. */
        META
    }

    /**
     * Applies every put and delete of {@code writes} atomically: after a crash, all or none is
     * visible. One exception, by design: {@code RedisTileStore} on a Redis Cluster is atomic per
     * entity only (ADR 018), enough for the Flink runner's absolute tile writes; the embedded
     * runtime, whose commits need the whole set, runs on standalone Redis.
     */
    void write(WriteSet writes);

    /** The value stored under {@code key}, or null. */
    byte[] get(Space space, byte[] key);

    /**
     * Calls {@code visitor} for every entry whose key starts with {@code prefix} (an empty prefix
     * visits the whole space), in unsigned lexicographic key order. The visitor must not write.
     */
    void scan(Space space, byte[] prefix, BiConsumer<byte[], byte[]> visitor);

    /**
     * One entity as a serving read needs it: the {@link Space#ENTITIES} value under {@code entityKey}
     * and every {@link Space#TILES} entry whose key starts with it (in key order); {@code atomic}
     * when both were read at one instant (then no write can have landed between them).
     */
    record EntityRead(byte[] value, java.util.List<byte[][]> tiles, boolean atomic) {}

    /**
     * Reads {@code entityKey}'s value and tiles ({@link EntityRead}). The default makes a get and a
     * scan, not atomic together (the caller re-checks); a store that keeps an entity together reads
     * it in one operation ({@code RedisTileStore}: one {@code HGETALL}).
     */
    default EntityRead readEntity(byte[] entityKey) {
        byte[] value = get(Space.ENTITIES, entityKey);
        java.util.List<byte[][]> tiles = new java.util.ArrayList<>();
        scan(Space.TILES, entityKey, (k, v) -> tiles.add(new byte[][] {k, v}));
        return new EntityRead(value, tiles, false);
    }

    /** Approximate bytes held (for metrics), 0 when unknown. */
    long approximateSizeBytes();

    /** Flushes and releases resources; idempotent. */
    @Override
    void close();
}
