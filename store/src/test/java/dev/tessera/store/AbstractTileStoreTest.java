package dev.tessera.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.store.TileStore.Space;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link TileStore}: every store extends this (or {@link AbstractDurableTileStoreTest}
 * when it keeps data across close and reopen) and passes it unchanged.
 *
 * <p>What it pins down: put, get, overwrite and delete; spaces are independent; within one WriteSet
 * the later operation on a key wins; scans visit exactly the keys with the prefix in unsigned byte
 * order (keys with bytes at or above 0x80, the empty key and prefix, 0xFF prefixes); empty and 1 MB
 * values; the store keeps its own copies of keys and values; a randomized comparison with a
 * {@link TreeMap} model over 300 seeds; concurrent readers never see part of a WriteSet; close is
 * idempotent. Randomized tests name their seed in every failure message.
 */
public abstract class AbstractTileStoreTest {
    /** Bytes that sit on the edges of signed and unsigned order. */
    private static final byte[] EDGE_BYTES = {0x00, 0x01, 0x7F, (byte) 0x80, (byte) 0xFE, (byte) 0xFF};

    /** The store under test; subclasses may replace it (a durable store's reopen). */
    protected TileStore store;

    /** A new, empty store. The contract test closes it. */
    protected abstract TileStore newStore();

    @BeforeEach
    void openStore() {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    // --- point operations ---------------------------------------------------------------------

    @Test
    void getOfAnAbsentKeyIsNull() {
        assertThat(store.get(Space.TILES, bytes(1, 2, 3))).isNull();
    }

    @Test
    void putThenGetReturnsTheValue() {
        store.write(new WriteSet().put(Space.TILES, bytes(1), bytes(10, 11)));

        assertThat(store.get(Space.TILES, bytes(1))).containsExactly(10, 11);
    }

    @Test
    void overwriteReplacesTheValue() {
        store.write(new WriteSet().put(Space.TILES, bytes(1), bytes(10, 11, 12)));
        store.write(new WriteSet().put(Space.TILES, bytes(1), bytes(20)));

        assertThat(store.get(Space.TILES, bytes(1))).containsExactly(20);
    }

    @Test
    void deleteRemovesTheKeyAndDeletingAnAbsentKeyChangesNothing() {
        store.write(new WriteSet().put(Space.TILES, bytes(1), bytes(10)).put(Space.TILES, bytes(2), bytes(20)));

        store.write(new WriteSet().delete(Space.TILES, bytes(1)).delete(Space.TILES, bytes(3)));

        assertThat(store.get(Space.TILES, bytes(1))).isNull();
        assertThat(store.get(Space.TILES, bytes(3))).isNull();
        assertThat(entries(Space.TILES, bytes())).containsExactly("02=14");
    }

    @Test
    void spacesAreIndependent() {
        WriteSet writes = new WriteSet();
        for (Space space : Space.values()) {
            writes.put(space, bytes(7), bytes(space.ordinal()));
        }
        store.write(writes);

        store.write(new WriteSet().delete(Space.TILES, bytes(7)).put(Space.META, bytes(8), bytes(99)));

        assertThat(store.get(Space.TILES, bytes(7))).isNull();
        for (Space space : Space.values()) {
            if (space != Space.TILES) {
                assertThat(store.get(space, bytes(7))).as("%s", space).containsExactly(space.ordinal());
            }
        }
        assertThat(entries(Space.TILES, bytes())).isEmpty();
        assertThat(entries(Space.META, bytes())).containsExactly("07=04", "08=63");
        assertThat(entries(Space.DEDUP, bytes())).containsExactly("07=03");
    }

    @Test
    void laterOperationOnTheSameKeyInOneWriteSetWins() {
        store.write(new WriteSet()
                .put(Space.TILES, bytes(1), bytes(1)).put(Space.TILES, bytes(1), bytes(2))
                .put(Space.TILES, bytes(2), bytes(1)).delete(Space.TILES, bytes(2))
                .delete(Space.TILES, bytes(3)).put(Space.TILES, bytes(3), bytes(3))
                .put(Space.TILES, bytes(4), bytes(1)).delete(Space.TILES, bytes(4)).put(Space.TILES, bytes(4), bytes(4)));

        assertThat(entries(Space.TILES, bytes())).containsExactly("01=02", "03=03", "04=04");
    }

    @Test
    void anEmptyWriteSetChangesNothing() {
        store.write(new WriteSet().put(Space.TILES, bytes(1), bytes(1)));

        store.write(new WriteSet());

        assertThat(entries(Space.TILES, bytes())).containsExactly("01=01");
    }

    @Test
    void anEmptyValueIsStoredAndIsNotAbsence() {
        store.write(new WriteSet().put(Space.DEDUP, bytes(5), bytes()));

        assertThat(store.get(Space.DEDUP, bytes(5))).isNotNull().isEmpty();
        assertThat(entries(Space.DEDUP, bytes())).containsExactly("05=");
    }

    @Test
    void aOneMegabyteValueRoundTrips() {
        byte[] big = new byte[1 << 20];
        new Random(42).nextBytes(big);
        store.write(new WriteSet().put(Space.TILES, bytes(1), big).put(Space.TILES, bytes(2), bytes(2)));

        assertThat(store.get(Space.TILES, bytes(1))).isEqualTo(big);
        List<byte[]> scanned = new ArrayList<>();
        store.scan(Space.TILES, bytes(1), (key, value) -> scanned.add(value));
        assertThat(scanned).hasSize(1);
        assertThat(scanned.get(0)).isEqualTo(big);
    }

    @Test
    void theEmptyKeyIsAKeyLikeAnyOther() {
        store.write(new WriteSet().put(Space.META, bytes(), bytes(1)).put(Space.META, bytes(0), bytes(2)));

        assertThat(store.get(Space.META, bytes())).containsExactly(1);
        assertThat(entries(Space.META, bytes())).containsExactly("=01", "00=02");

        store.write(new WriteSet().delete(Space.META, bytes()));
        assertThat(entries(Space.META, bytes())).containsExactly("00=02");
    }

    @Test
    void theStoreKeepsItsOwnCopiesOfKeysAndValues() {
        byte[] key = bytes(1);
        byte[] value = bytes(10);
        store.write(new WriteSet().put(Space.TILES, key, value));
        key[0] = 9;
        value[0] = 90;

        store.get(Space.TILES, bytes(1))[0] = 77;
        store.scan(Space.TILES, bytes(), (k, v) -> {
            k[0] = 5;
            v[0] = 55;
        });

        assertThat(entries(Space.TILES, bytes())).containsExactly("01=0a");
    }

    // --- scans -------------------------------------------------------------------------------

    @Test
    void scanVisitsEveryKeyInUnsignedOrder() {
        List<byte[]> keys = List.of(bytes(0xFF), bytes(0x80), bytes(0x7F), bytes(0x00), bytes(0xFF, 0x00),
                bytes(0x80, 0xFF), bytes(0x01), bytes(), bytes(0x7F, 0xFF, 0xFF), bytes(0xFE, 0x80));
        WriteSet writes = new WriteSet();
        keys.forEach(key -> writes.put(Space.TILES, key, bytes(1)));
        store.write(writes);

        List<String> visited = new ArrayList<>();
        store.scan(Space.TILES, bytes(), (key, value) -> visited.add(hex(key)));

        assertThat(visited).containsExactly("", "00", "01", "7f", "7fffff", "80", "80ff", "fe80", "ff", "ff00");
    }

    @Test
    void scanVisitsExactlyTheKeysThatStartWithThePrefix() {
        List<byte[]> keys = List.of(bytes(), bytes(0x00), bytes(0x00, 0x00), bytes(0x01), bytes(0x01, 0xFF),
                bytes(0x01, 0xFF, 0x00), bytes(0x02), bytes(0x7F, 0xFF), bytes(0x80), bytes(0x80, 0x00),
                bytes(0x80, 0x01), bytes(0x81), bytes(0xFE, 0xFF), bytes(0xFF), bytes(0xFF, 0x00),
                bytes(0xFF, 0xFF), bytes(0xFF, 0xFF, 0x01), bytes(0xFF, 0xFF, 0xFF, 0xFF));
        WriteSet writes = new WriteSet();
        for (int i = 0; i < keys.size(); i++) {
            writes.put(Space.TILES, keys.get(i), bytes(i));
            writes.put(Space.ENTITIES, keys.get(i), bytes(i)); // same keys in a neighbouring space
        }
        store.write(writes);

        List<byte[]> prefixes = List.of(bytes(), bytes(0x00), bytes(0x01), bytes(0x01, 0xFF), bytes(0x7F),
                bytes(0x80), bytes(0x80, 0x00), bytes(0xFE), bytes(0xFF), bytes(0xFF, 0xFF),
                bytes(0xFF, 0xFF, 0xFF), bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF), bytes(0x01, 0xFF, 0x00),
                bytes(0x03), bytes(0x01, 0xFF, 0x00, 0x00));
        for (byte[] prefix : prefixes) {
            List<String> expected = keys.stream()
                    .filter(key -> startsWith(key, prefix))
                    .sorted(Arrays::compareUnsigned)
                    .map(AbstractTileStoreTest::hex)
                    .toList();
            List<String> visited = new ArrayList<>();
            store.scan(Space.TILES, prefix, (key, value) -> visited.add(hex(key)));
            assertThat(visited).as("prefix %s", hex(prefix)).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void readEntityReturnsTheEntitysValueAndExactlyItsTilesInKeyOrder() {
        byte[] a = dev.tessera.core.tile.TileKey.entityPrefix("g", List.of("a"));
        byte[] ab = dev.tessera.core.tile.TileKey.entityPrefix("g", List.of("ab")); // a's key is a prefix of ab's
        byte[] other = dev.tessera.core.tile.TileKey.entityPrefix("g2", List.of("a"));
        WriteSet writes = new WriteSet()
                .put(Space.ENTITIES, a, bytes(1)).put(Space.ENTITIES, ab, bytes(2)).put(Space.ENTITIES, other, bytes(3));
        for (long start : new long[] {7_200_000, 0, 3_600_000}) {
            writes.put(Space.TILES, dev.tessera.core.tile.TileKey.encode(a, 3_600_000, start), bytes((int) (start / 3_600_000)));
            writes.put(Space.TILES, dev.tessera.core.tile.TileKey.encode(ab, 3_600_000, start), bytes(9));
            writes.put(Space.TILES, dev.tessera.core.tile.TileKey.encode(other, 300_000, start), bytes(8));
        }
        writes.put(Space.TILES, dev.tessera.core.tile.TileKey.encode(a, 300_000, 0), bytes(5));
        store.write(writes);

        TileStore.EntityRead read = store.readEntity(a);
        assertThat(read.value()).containsExactly(1);
        List<String> expected = new ArrayList<>();
        store.scan(Space.TILES, a, (k, v) -> expected.add(hex(k) + "=" + hex(v)));
        assertThat(read.tiles().stream().map(kv -> hex(kv[0]) + "=" + hex(kv[1])).toList())
                .hasSize(4).containsExactlyElementsOf(expected);
        assertThat(store.readEntity(dev.tessera.core.tile.TileKey.entityPrefix("g", List.of("none"))).value()).isNull();
        assertThat(store.readEntity(dev.tessera.core.tile.TileKey.entityPrefix("g", List.of("none"))).tiles()).isEmpty();
    }

    @Test
    void aScanOfAnEmptySpaceVisitsNothing() {
        store.write(new WriteSet().put(Space.TILES, bytes(1), bytes(1)));

        assertThat(entries(Space.PROGRESS, bytes())).isEmpty();
        assertThat(entries(Space.PROGRESS, bytes(1))).isEmpty();
    }

    @Test
    void aVisitorsExceptionReachesTheCallerAndTheStoreStaysUsable() {
        store.write(new WriteSet().put(Space.TILES, bytes(1), bytes(1)).put(Space.TILES, bytes(2), bytes(2)));
        IllegalStateException thrown = new IllegalStateException("visitor failed");

        assertThatThrownBy(() -> store.scan(Space.TILES, bytes(), (key, value) -> {
            throw thrown;
        })).isSameAs(thrown);

        store.write(new WriteSet().delete(Space.TILES, bytes(1)));
        assertThat(entries(Space.TILES, bytes())).containsExactly("02=02");
    }

    // --- randomized comparison with a model ----------------------------------------------------

    /**
     * 300 seeds, each a run of random WriteSets (puts and deletes over a small alphabet of edge bytes,
     * so keys collide and prefixes nest) compared after every write with one {@link TreeMap} per space:
     * full scans, random prefix scans and random gets. Between seeds the store is emptied by deleting
     * what the model holds.
     */
    @Test
    void randomWriteSetsMatchATreeMapModel() {
        Map<Space, NavigableMap<byte[], byte[]>> model = emptyModel();
        for (int seed = 0; seed < 300; seed++) {
            Random random = new Random(seed);
            int writeSets = 1 + random.nextInt(8);
            for (int w = 0; w < writeSets; w++) {
                WriteSet writes = randomWriteSet(random, model);
                store.write(writes);
                checkAgainstModel(random, model, "seed " + seed + ", write set " + w);
            }
            emptyStoreAndModel(model);
            for (Space space : Space.values()) {
                assertThat(entries(space, bytes())).as("seed %d: emptied %s", seed, space).isEmpty();
            }
        }
    }

    // --- concurrency ---------------------------------------------------------------------------

    /**
     * A writer commits generation after generation, each WriteSet setting the same 50 keys (bytes
     * below and above 0x80) to the generation number; readers scan all the time and must always see
     * all 50 keys holding one generation, never older than what they saw before.
     */
    @Test
    void concurrentReadersNeverSeeAPartialWriteSet() throws Exception {
        int keys = 50;
        int generations = 2_000;
        int readers = 3;
        byte[] prefix = bytes(0x42);
        store.write(generationWriteSet(prefix, keys, 0));

        AtomicBoolean done = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(readers + 1);
        try {
            List<Future<?>> readerResults = new ArrayList<>();
            for (int r = 0; r < readers; r++) {
                readerResults.add(pool.submit(() -> {
                    long lastSeen = 0;
                    boolean finalPass;
                    do {
                        finalPass = done.get();
                        long pointRead = ByteBuffer.wrap(store.get(Space.TILES, generationKey(prefix, 0))).getLong();
                        List<Long> seen = new ArrayList<>();
                        store.scan(Space.TILES, prefix, (key, value) -> seen.add(ByteBuffer.wrap(value).getLong()));
                        assertThat(seen).as("one scan").hasSize(keys);
                        assertThat(seen.stream().distinct().toList()).as("generations in one scan: %s", seen).hasSize(1);
                        long generation = seen.get(0);
                        assertThat(generation).as("scan after a get").isGreaterThanOrEqualTo(pointRead);
                        assertThat(generation).as("scan after an earlier scan").isGreaterThanOrEqualTo(lastSeen);
                        lastSeen = generation;
                    } while (!finalPass);
                    return lastSeen;
                }));
            }
            Future<?> writer = pool.submit(() -> {
                try {
                    for (int g = 1; g <= generations; g++) {
                        store.write(generationWriteSet(prefix, keys, g));
                    }
                } finally {
                    done.set(true);
                }
                return null;
            });
            writer.get(5, TimeUnit.MINUTES);
            for (Future<?> reader : readerResults) {
                assertThat(reader.get(5, TimeUnit.MINUTES)).isEqualTo((long) generations);
            }
        } finally {
            done.set(true);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).as("threads stopped").isTrue();
        }
    }

    // --- lifecycle -----------------------------------------------------------------------------

    @Test
    void closeIsIdempotentAndAClosedStoreRefusesWork() {
        store.write(new WriteSet().put(Space.TILES, bytes(1), bytes(1)));

        store.close();
        store.close();

        assertThatThrownBy(() -> store.get(Space.TILES, bytes(1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.scan(Space.TILES, bytes(), (k, v) -> {}))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.write(new WriteSet().put(Space.TILES, bytes(2), bytes(2))))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.approximateSizeBytes()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void approximateSizeIsNeverNegative() {
        assertThat(store.approximateSizeBytes()).isNotNegative();
        store.write(new WriteSet().put(Space.TILES, bytes(1), new byte[1000]));
        assertThat(store.approximateSizeBytes()).isNotNegative();
    }

    // --- helpers for subclasses ----------------------------------------------------------------

    /** A fresh model: one empty map per space, in unsigned key order. */
    protected static Map<Space, NavigableMap<byte[], byte[]>> emptyModel() {
        Map<Space, NavigableMap<byte[], byte[]>> model = new EnumMap<>(Space.class);
        for (Space space : Space.values()) {
            model.put(space, new TreeMap<>(Arrays::compareUnsigned));
        }
        return model;
    }

    /** 0 to 12 random puts and deletes, applied to {@code model} as the store will apply them. */
    protected static WriteSet randomWriteSet(Random random, Map<Space, NavigableMap<byte[], byte[]>> model) {
        WriteSet writes = new WriteSet();
        int ops = random.nextInt(13);
        for (int i = 0; i < ops; i++) {
            Space space = Space.values()[random.nextInt(Space.values().length)];
            byte[] key = randomEdgeBytes(random, 4);
            if (random.nextInt(10) < 7) {
                byte[] value = new byte[random.nextInt(9)];
                random.nextBytes(value);
                writes.put(space, key, value);
                model.get(space).put(key, value.clone());
            } else {
                writes.delete(space, key);
                model.get(space).remove(key);
            }
        }
        return writes;
    }

    /** Compares every space's full scan, one random prefix scan per space and a few gets with the model. */
    protected void checkAgainstModel(Random random, Map<Space, NavigableMap<byte[], byte[]>> model, String context) {
        for (Space space : Space.values()) {
            NavigableMap<byte[], byte[]> expected = model.get(space);
            assertThat(entries(space, bytes())).as("%s: full scan of %s", context, space)
                    .containsExactlyElementsOf(render(expected));
            byte[] prefix = randomEdgeBytes(random, 3);
            NavigableMap<byte[], byte[]> withPrefix = new TreeMap<>(Arrays::compareUnsigned);
            expected.forEach((key, value) -> {
                if (startsWith(key, prefix)) {
                    withPrefix.put(key, value);
                }
            });
            assertThat(entries(space, prefix)).as("%s: scan of %s with prefix %s", context, space, hex(prefix))
                    .containsExactlyElementsOf(render(withPrefix));
            for (int i = 0; i < 3; i++) {
                byte[] key = randomEdgeBytes(random, 4);
                byte[] value = store.get(space, key);
                assertThat(value == null ? null : hex(value)).as("%s: get %s in %s", context, hex(key), space)
                        .isEqualTo(expected.containsKey(key) ? hex(expected.get(key)) : null);
            }
        }
    }

    /** Deletes from the store everything the model holds, then clears the model. */
    protected void emptyStoreAndModel(Map<Space, NavigableMap<byte[], byte[]>> model) {
        WriteSet deletes = new WriteSet();
        model.forEach((space, entries) -> entries.keySet().forEach(key -> deletes.delete(space, key)));
        store.write(deletes);
        model.values().forEach(Map::clear);
    }

    /** The WriteSet of the concurrency and crash tests: {@code keys} keys under the prefix, all set to {@code generation}. */
    static WriteSet generationWriteSet(byte[] prefix, int keys, long generation) {
        WriteSet writes = new WriteSet();
        byte[] value = ByteBuffer.allocate(Long.BYTES).putLong(generation).array();
        for (int i = 0; i < keys; i++) {
            writes.put(Space.TILES, generationKey(prefix, i), value);
        }
        return writes;
    }

    /** Key {@code i} of a generation WriteSet: the prefix, then {@code i * 5} as one byte (crosses 0x80). */
    static byte[] generationKey(byte[] prefix, int i) {
        byte[] key = Arrays.copyOf(prefix, prefix.length + 1);
        key[prefix.length] = (byte) (i * 5);
        return key;
    }

    /** What a scan visits, as {@code "keyhex=valuehex"} strings in visiting order. */
    protected List<String> entries(Space space, byte[] prefix) {
        List<String> visited = new ArrayList<>();
        store.scan(space, prefix, (key, value) -> visited.add(hex(key) + "=" + hex(value)));
        return visited;
    }

    protected static List<String> render(NavigableMap<byte[], byte[]> map) {
        List<String> rendered = new ArrayList<>();
        map.forEach((key, value) -> rendered.add(hex(key) + "=" + hex(value)));
        return rendered;
    }

    protected static byte[] randomEdgeBytes(Random random, int maxLength) {
        byte[] key = new byte[random.nextInt(maxLength + 1)];
        for (int i = 0; i < key.length; i++) {
            key[i] = EDGE_BYTES[random.nextInt(EDGE_BYTES.length)];
        }
        return key;
    }

    protected static byte[] bytes(int... values) {
        byte[] result = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (byte) values[i];
        }
        return result;
    }

    protected static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
