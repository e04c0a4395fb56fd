package dev.tessera.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.core.tile.TileKey;
import dev.tessera.store.TileStore.Space;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract on a real redis-server, plus what is Redis's own: one hash per entity, namespaces, outages. */
class RedisTileStoreTest extends AbstractDurableTileStoreTest {
    private static RedisServerProcess redis;
    private static final AtomicInteger NAMESPACES = new AtomicInteger();
    private String namespace;

    @BeforeAll
    static void startRedis() {
        redis = RedisServerProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected TileStore newStore() {
        namespace = "t" + NAMESPACES.incrementAndGet() + ":";
        return RedisTileStore.open(redis.uri(), namespace);
    }

    @Override
    protected TileStore reopen(TileStore old) {
        old.close();
        return RedisTileStore.open(redis.uri(), namespace);
    }

    /**
     * Stores of one JVM (e.g. the sink subtasks of a Flink task manager) share Lettuce's event loops: one
     * pool of threads, not one per store (each would start a thread per core); the last store closed stops
     * them. Each store still has its own connection.
     */
    @Test
    void storesOfOneJvmShareOneSetOfEventLoopsUntilTheLastCloses() throws InterruptedException {
        int before = RedisTileStore.SharedResources.users();
        List<RedisTileStore> more = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RedisTileStore s = RedisTileStore.open(redis.uri(), "shared" + i + ":");
            more.add(s);
            byte[] key = TileKey.entityPrefix("g", List.of("k" + i));
            s.write(new WriteSet().put(Space.ENTITIES, key, new byte[] {1})); // a round trip on its own connection
            assertThat(s.get(Space.ENTITIES, key)).containsExactly(1);
        }
        assertThat(RedisTileStore.SharedResources.users()).isEqualTo(before + 3);
        assertThat(eventLoopPools()).as("event loop pools of %d open stores", before + 3).hasSize(1);
        more.forEach(RedisTileStore::close);
        assertThat(RedisTileStore.SharedResources.users()).isEqualTo(before);
        if (before == 1) { // only this test's own store is left: closing it stops every Lettuce thread (event loops, timer)
            store.close();
            long until = System.nanoTime() + 10_000_000_000L;
            while (!lettuceThreads().isEmpty() && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertThat(lettuceThreads()).as("Lettuce's threads after every store closed").isEmpty();
        }
    }

    /** The numbers of the Lettuce event loop pools that have a live thread (Netty names them lettuce-<kind>EventLoop-<pool>-<n>). */
    private static java.util.Set<String> eventLoopPools() {
        java.util.regex.Pattern name = java.util.regex.Pattern.compile("lettuce-\\w*EventLoop-(\\d+)-\\d+");
        java.util.Set<String> pools = new java.util.TreeSet<>();
        for (String t : lettuceThreads()) {
            java.util.regex.Matcher m = name.matcher(t);
            if (m.matches()) {
                pools.add(m.group(1));
            }
        }
        return pools;
    }

    private static List<String> lettuceThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("lettuce-")).sorted().toList();
    }

    @Test
    void anEntitysTilesAndMetadataShareOneRedisHash() {
        byte[] prefix = TileKey.entityPrefix("account_payments", List.of("a-1"));
        byte[] tile1 = TileKey.encode(prefix, 3_600_000L, 0L);
        byte[] tile2 = TileKey.encode(prefix, 3_600_000L, 3_600_000L);
        byte[] other = TileKey.encode(TileKey.entityPrefix("account_payments", List.of("a-2")), 3_600_000L, 0L);
        store.write(new WriteSet().put(Space.TILES, tile1, new byte[] {1}).put(Space.TILES, tile2, new byte[] {2})
                .put(Space.ENTITIES, prefix, new byte[] {3}).put(Space.TILES, other, new byte[] {4})
                .put(Space.PROGRESS, new byte[] {9}, new byte[] {5}));

        assertThat(RedisTileStore.bucketOf(Space.TILES, tile1)).isEqualTo(prefix);
        assertThat(RedisTileStore.bucketOf(Space.ENTITIES, prefix)).isEqualTo(prefix);
        assertThat(RedisTileStore.bucketOf(Space.PROGRESS, new byte[] {9})).isEmpty();
        try (var cli = io.lettuce.core.RedisClient.create(redis.uri()); var c = cli.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            byte[] hash = concat((namespace + "b:").getBytes(), prefix);
            assertThat(c.sync().hlen(hash)).as("a-1: two tiles and its metadata in one hash").isEqualTo(3);
            assertThat(c.sync().zcard((namespace + "idx").getBytes())).as("buckets: a-1, a-2 and the misc one").isEqualTo(3);
            List<byte[]> keys = c.sync().keys(namespace + "*");
            assertThat(keys).hasSize(4);
        }
        List<byte[]> tiles = new ArrayList<>();
        store.scan(Space.TILES, prefix, (k, v) -> tiles.add(v));
        assertThat(tiles).containsExactly(new byte[] {1}, new byte[] {2});
    }

    @Test
    void scansAcrossManyEntitiesPageThroughTheIndexInKeyOrder() {
        java.util.NavigableMap<byte[], byte[]> model = new java.util.TreeMap<>(java.util.Arrays::compareUnsigned);
        WriteSet writes = new WriteSet();
        java.util.Random random = new java.util.Random(11);
        for (String group : List.of("g", "h")) {
            int entities = group.equals("g") ? 3 * RedisTileStore.SCAN_PAGE + 17 : 40;
            for (int e = 0; e < entities; e++) {
                byte[] prefix = TileKey.entityPrefix(group, List.of("e" + random.nextInt(1_000_000)));
                for (int t = 0; t < 3; t++) {
                    byte[] key = TileKey.encode(prefix, 60_000L, 60_000L * random.nextInt(1000) - 30_000_000L);
                    byte[] value = {(byte) e, (byte) t};
                    writes.put(Space.TILES, key, value);
                    model.put(key, value);
                }
            }
        }
        store.write(writes);
        byte[] g = TileKey.groupPrefix("g");
        List<String> expected = new ArrayList<>();
        model.forEach((k, v) -> {
            if (java.util.Arrays.equals(k, 0, g.length, g, 0, g.length)) {
                expected.add(java.util.HexFormat.of().formatHex(k) + "=" + java.util.HexFormat.of().formatHex(v));
            }
        });
        List<String> scanned = new ArrayList<>();
        store.scan(Space.TILES, g, (k, v) -> scanned.add(java.util.HexFormat.of().formatHex(k) + "=" + java.util.HexFormat.of().formatHex(v)));
        assertThat(scanned).as("one group, over several pages").containsExactlyElementsOf(expected);
        List<byte[]> all = new ArrayList<>();
        store.scan(Space.TILES, new byte[0], (k, v) -> all.add(k));
        assertThat(all).containsExactlyElementsOf(model.keySet());
    }

    @Test
    void deletingAnEntitysLastKeyRemovesItsHashAndIndexEntry() {
        byte[] prefix = TileKey.entityPrefix("g", List.of("e"));
        byte[] tile = TileKey.encode(prefix, 60_000L, 0L);
        store.write(new WriteSet().put(Space.TILES, tile, new byte[] {1}));
        store.write(new WriteSet().delete(Space.TILES, tile));
        try (var cli = io.lettuce.core.RedisClient.create(redis.uri()); var c = cli.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            assertThat(c.sync().keys(namespace + "*")).as("nothing left behind").isEmpty();
        }
    }

    @Test
    void aLeaseGoesToOneClaimerUntilReleasedAndIsNotATile() {
        try (RedisTileStore a = RedisTileStore.open(redis.uri(), namespace);
             RedisTileStore b = RedisTileStore.open(redis.uri(), namespace);
             RedisTileStore elsewhere = RedisTileStore.open(redis.uri(), "other-" + namespace)) {
            assertThat(a.claim("alert:x:firing", 60_000)).isTrue();
            assertThat(b.claim("alert:x:firing", 60_000)).as("held by a").isFalse();
            assertThat(a.claim("alert:x:firing", 60_000)).as("held, even by its claimer").isFalse();
            assertThat(b.claim("alert:y:firing", 60_000)).as("another name").isTrue();
            assertThat(elsewhere.claim("alert:x:firing", 60_000)).as("another namespace").isTrue();
            b.release("alert:x:firing");
            assertThat(b.claim("alert:x:firing", 60_000)).as("released").isTrue();
            java.util.List<byte[]> seen = new java.util.ArrayList<>();
            for (Space space : Space.values()) {
                a.scan(space, new byte[0], (k, v) -> seen.add(k));
            }
            assertThat(seen).as("leases are not in any space").isEmpty();
        }
    }

    @Test
    void namespacesDoNotSeeEachOther() {
        try (TileStore other = RedisTileStore.open(redis.uri(), "other-" + namespace)) {
            other.write(new WriteSet().put(Space.META, new byte[] {1}, new byte[] {2}));
            assertThat(store.get(Space.META, new byte[] {1})).isNull();
            assertThat(other.get(Space.META, new byte[] {1})).containsExactly(2);
        }
    }

    @Test
    void anUnreachableRedisIsAClearStoreException() {
        assertThatThrownBy(() -> RedisTileStore.open("redis://127.0.0.1:1", "x:"))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot connect to Redis at 127.0.0.1:1")
                .hasMessageContaining("redis-server");
        assertThatThrownBy(() -> RedisTileStore.open("http://nope", "x:"))
                .isInstanceOf(StoreException.class).hasMessageContaining("redis://host:port");
    }

    @Test
    void aRedisThatGoesAwayFailsOperationsAtOnceWithAStoreException() {
        try (RedisServerProcess own = RedisServerProcess.start(List.of("--save", "", "--appendonly", "no"))) {
            RedisTileStore s = RedisTileStore.open(own.uri(), "o:");
            try {
                s.write(new WriteSet().put(Space.META, new byte[] {1}, new byte[] {1}));
                own.kill();
                assertThatThrownBy(() -> s.get(Space.META, new byte[] {1})).isInstanceOf(StoreException.class)
                        .hasMessageContaining("Redis at 127.0.0.1:" + own.port());
            } finally {
                s.close();
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
