package dev.tessera.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.store.TileStore.Space;
import org.junit.jupiter.api.Test;

/** The in-memory store: the {@link AbstractTileStoreTest} contract (not durable), plus its own accounting. */
class InMemoryTileStoreTest extends AbstractTileStoreTest {
    @Override
    protected TileStore newStore() {
        return new InMemoryTileStore();
    }

    @Test
    void sizeIsTheSumOfKeyAndValueLengths() {
        store.write(new WriteSet().put(Space.TILES, bytes(1, 2), new byte[100]).put(Space.META, bytes(), bytes(1)));
        assertThat(store.approximateSizeBytes()).isEqualTo(2 + 100 + 0 + 1);

        store.write(new WriteSet().put(Space.TILES, bytes(1, 2), new byte[10]).delete(Space.META, bytes())
                .delete(Space.DEDUP, bytes(9)));
        assertThat(store.approximateSizeBytes()).isEqualTo(2 + 10);
    }

    /** A write from inside a visitor would wait forever for the write lock; it fails instead. */
    @Test
    void aWriteFromInsideAScanVisitorFailsInsteadOfDeadlocking() {
        store.write(new WriteSet().put(Space.TILES, bytes(1), bytes(1)));

        assertThatThrownBy(() -> store.scan(Space.TILES, bytes(),
                (key, value) -> store.write(new WriteSet().delete(Space.TILES, key))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("inside a scan visitor");
        assertThat(entries(Space.TILES, bytes())).containsExactly("01=01");
    }
}
