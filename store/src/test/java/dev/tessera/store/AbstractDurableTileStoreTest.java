package dev.tessera.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.store.TileStore.Space;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The contract of a durable {@link TileStore}: everything in {@link AbstractTileStoreTest}, and what
 * was written survives close and reopen. Stores that keep nothing across a restart (the in-memory
 * one) extend {@link AbstractTileStoreTest} directly, so these tests do not exist for them rather
 * than being skipped. Crash (SIGKILL) survival is store-specific and tested next to each store.
 */
public abstract class AbstractDurableTileStoreTest extends AbstractTileStoreTest {
    /** Closes {@code old} and opens a store over the same data. */
    protected abstract TileStore reopen(TileStore old);

    private void reopenStore() {
        store = reopen(store);
    }

    @Test
    void everythingWrittenSurvivesCloseAndReopen() {
        byte[] big = new byte[1 << 20];
        new Random(7).nextBytes(big);
        WriteSet first = new WriteSet();
        for (Space space : Space.values()) {
            first.put(space, bytes(1), bytes(space.ordinal()))
                    .put(space, bytes(0x80, 2), bytes(2))
                    .put(space, bytes(0xFF), bytes(3));
        }
        first.put(Space.TILES, bytes(4), big).put(Space.DEDUP, bytes(5), bytes());
        store.write(first);
        store.write(new WriteSet()
                .put(Space.TILES, bytes(1), bytes(11))
                .delete(Space.ENTITIES, bytes(0xFF))
                .delete(Space.PROGRESS, bytes(1)));

        reopenStore();

        assertThat(entries(Space.TILES, bytes(0x80))).containsExactly("8002=02");
        assertThat(store.get(Space.TILES, bytes(1))).containsExactly(11);
        assertThat(store.get(Space.TILES, bytes(4))).isEqualTo(big);
        assertThat(store.get(Space.DEDUP, bytes(5))).isNotNull().isEmpty();
        assertThat(entries(Space.ENTITIES, bytes())).containsExactly("01=01", "8002=02");
        assertThat(entries(Space.PROGRESS, bytes())).containsExactly("8002=02", "ff=03");
        assertThat(entries(Space.META, bytes())).containsExactly("01=04", "8002=02", "ff=03");
    }

    @Test
    void aReopenedStoreTakesFurtherWritesAndReopensAgain() {
        store.write(new WriteSet().put(Space.META, bytes(1), bytes(1)));
        reopenStore();
        store.write(new WriteSet().put(Space.META, bytes(2), bytes(2)).delete(Space.META, bytes(1)));
        reopenStore();

        assertThat(entries(Space.META, bytes())).containsExactly("02=02");
    }

    /**
     * 20 seeds of random WriteSets with reopens at random points; the store must match the
     * {@link java.util.TreeMap} model before and after every reopen.
     */
    @Test
    void randomWriteSetsSurviveReopens() {
        Map<Space, NavigableMap<byte[], byte[]>> model = emptyModel();
        for (int seed = 0; seed < 20; seed++) {
            Random random = new Random(1_000 + seed);
            int writeSets = 1 + random.nextInt(12);
            for (int w = 0; w < writeSets; w++) {
                store.write(randomWriteSet(random, model));
                if (random.nextInt(4) == 0) {
                    reopenStore();
                    checkAgainstModel(random, model, "seed " + (1_000 + seed) + ", after reopen at write set " + w);
                }
            }
            reopenStore();
            checkAgainstModel(random, model, "seed " + (1_000 + seed) + ", final reopen");
            emptyStoreAndModel(model);
        }
    }
}
