package dev.tessera.store;

import dev.tessera.store.TileStore.Space;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The child process of {@link RocksDbProcessTest}: opens the RocksDB store in {@code args[0]} and
 * commits generation after generation until it is killed. Each WriteSet sets
 * {@value #KEYS} tile keys to the generation number (with padding, so a batch spans several pages of
 * the WAL) and records the generation in {@link Space#PROGRESS}, the way the runtime commits tiles
 * with their offsets. It resumes from the recorded generation, so repeated kills keep counting up.
 *
 * <p>Protocol on stdout: {@code open <generation>} once the store is open, then
 * {@code committed <generation>} after {@code write} has returned — for the first commit and every
 * 64th after it. It exits by itself after two minutes, so a lost parent cannot leave it running.
 */
public final class GenerationWriter {
    static final int KEYS = 50;
    static final byte[] TILE_PREFIX = {0x54};
    static final byte[] GENERATION_KEY = {0x47};
    private static final int PADDING = 120;
    private static final long LIFETIME_NANOS = 120_000_000_000L;

    private GenerationWriter() {}

    public static void main(String[] args) {
        long start = System.nanoTime();
        try (TileStore store = RocksDbTileStore.open(Path.of(args[0]))) {
            long generation = generationOf(store.get(Space.PROGRESS, GENERATION_KEY));
            System.out.println("open " + generation);
            System.out.flush();
            long firstOfThisRun = generation + 1;
            while (System.nanoTime() - start < LIFETIME_NANOS) {
                generation++;
                store.write(writeSet(generation));
                if (generation == firstOfThisRun || generation % 64 == 0) {
                    System.out.println("committed " + generation);
                    System.out.flush();
                }
            }
        }
    }

    static WriteSet writeSet(long generation) {
        WriteSet writes = new WriteSet();
        byte[] value = ByteBuffer.allocate(Long.BYTES + PADDING).putLong(generation).array();
        for (int i = 0; i < KEYS; i++) {
            writes.put(Space.TILES, AbstractTileStoreTest.generationKey(TILE_PREFIX, i), value);
        }
        writes.put(Space.PROGRESS, GENERATION_KEY, ByteBuffer.allocate(Long.BYTES).putLong(generation).array());
        return writes;
    }

    static long generationOf(byte[] value) {
        return value == null ? 0 : ByteBuffer.wrap(value).getLong();
    }
}
