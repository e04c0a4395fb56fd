package dev.tessera.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.store.RocksDbTileStore.Durability;
import dev.tessera.store.TileStore.Space;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * The RocksDB store: the durable contract ({@link AbstractDurableTileStoreTest}), plus what only it
 * has: column families on disk, locking, the power-loss durability mode, error translation. Crash
 * atomicity under SIGKILL is {@link RocksDbProcessTest}.
 */
class RocksDbTileStoreTest extends AbstractDurableTileStoreTest {
    @TempDir
    Path temp;
    private int stores;

    @Override
    protected TileStore newStore() {
        return RocksDbTileStore.open(temp.resolve("store-" + stores++));
    }

    @Override
    protected TileStore reopen(TileStore old) {
        old.close();
        return RocksDbTileStore.open(((RocksDbTileStore) old).directory());
    }

    @Test
    void eachSpaceIsAColumnFamily() throws Exception {
        Path dir = ((RocksDbTileStore) store).directory();
        store.close();

        assertThat(columnFamilies(dir)).containsExactlyInAnyOrder("default", "tiles", "entities", "progress", "dedup", "meta");
    }

    @Test
    void aSecondOpenOfTheSameDirectoryInThisProcessIsRefused() {
        Path dir = ((RocksDbTileStore) store).directory();

        assertThatThrownBy(() -> RocksDbTileStore.open(dir))
                .isInstanceOf(StoreLockedException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("already has the store")
                .satisfies(e -> assertThat(((StoreException) e).directory()).isEqualTo(dir));
        store.write(new WriteSet().put(Space.TILES, bytes(1), bytes(1)));
        assertThat(store.get(Space.TILES, bytes(1))).containsExactly(1);
    }

    @Test
    void aDirectoryThatIsAFileIsReportedWithItsPath() throws Exception {
        Path file = Files.writeString(temp.resolve("not-a-directory"), "x");

        assertThatThrownBy(() -> RocksDbTileStore.open(file))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("--data");
    }

    @Test
    void unknownColumnFamiliesFromANewerVersionAreKept() throws Exception {
        Path dir = ((RocksDbTileStore) store).directory();
        store.write(new WriteSet().put(Space.TILES, bytes(1), bytes(1)));
        store.close();
        addColumnFamily(dir, "future");

        store = RocksDbTileStore.open(dir);

        assertThat(store.get(Space.TILES, bytes(1))).containsExactly(1);
        store.write(new WriteSet().put(Space.TILES, bytes(2), bytes(2)));
        assertThat(columnFamilies(dir)).contains("future");
    }

    @Test
    void powerLossDurabilityStoresAndReopensLikeTheDefault() {
        Path dir = temp.resolve("synced");
        try (TileStore synced = RocksDbTileStore.open(dir, Durability.POWER_LOSS)) {
            synced.write(new WriteSet().put(Space.PROGRESS, bytes(1), bytes(1)).put(Space.TILES, bytes(2), bytes(2)));
        }
        try (TileStore reopened = RocksDbTileStore.open(dir)) {
            assertThat(reopened.get(Space.PROGRESS, bytes(1))).containsExactly(1);
            assertThat(reopened.get(Space.TILES, bytes(2))).containsExactly(2);
        }
    }

    @Test
    void sizeGrowsWithTheData() {
        long empty = store.approximateSizeBytes();
        byte[] value = new byte[1000];
        Random random = new Random(3);
        WriteSet writes = new WriteSet();
        for (int i = 0; i < 1000; i++) {
            random.nextBytes(value);
            writes.put(Space.TILES, bytes(i >> 8, i), value.clone());
        }
        store.write(writes);

        assertThat(store.approximateSizeBytes()).isGreaterThan(empty + 500_000);
    }

    private static List<String> columnFamilies(Path dir) throws RocksDBException {
        try (Options options = new Options()) {
            return RocksDB.listColumnFamilies(options, dir.toString()).stream()
                    .map(name -> new String(name, StandardCharsets.UTF_8))
                    .toList();
        }
    }

    /** Adds a column family with plain RocksDB, as a newer Tessera with another space would. */
    private static void addColumnFamily(Path dir, String name) throws RocksDBException {
        List<ColumnFamilyDescriptor> existing = new ArrayList<>();
        try (Options options = new Options()) {
            for (byte[] cf : RocksDB.listColumnFamilies(options, dir.toString())) {
                existing.add(new ColumnFamilyDescriptor(cf));
            }
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (DBOptions options = new DBOptions();
                RocksDB db = RocksDB.open(options, dir.toString(), existing, handles)) {
            try (ColumnFamilyHandle added = db.createColumnFamily(
                    new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8)))) {
                assertThat(added).isNotNull();
            } finally {
                handles.forEach(ColumnFamilyHandle::close);
            }
        }
    }
}
