package dev.tessera.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.core.tile.TileKey;
import dev.tessera.store.TileStore.Space;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract on a real three-master Redis Cluster ({@link RedisClusterProcess}), plus what
 * is the cluster mode's own: entities spread over the nodes, one hash per entity, the index touched
 * only when an entity appears or disappears.
 */
class RedisClusterTileStoreTest extends AbstractDurableTileStoreTest {
    private static RedisClusterProcess cluster;
    private static final AtomicInteger NAMESPACES = new AtomicInteger();
    private String namespace;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterProcess.start();
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Override
    protected TileStore newStore() {
        namespace = "c" + NAMESPACES.incrementAndGet() + ":";
        return RedisTileStore.openCluster(cluster.uris(), namespace);
    }

    @Override
    protected TileStore reopen(TileStore old) {
        old.close();
        // another seed each time: any node leads to the whole cluster
        List<String> uris = cluster.uris();
        return RedisTileStore.openCluster(List.of(uris.get(NAMESPACES.incrementAndGet() % uris.size())), namespace);
    }

    @Test
    void entitiesSpreadOverTheNodesAndScanLikeATreeMap() {
        NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        WriteSet writes = new WriteSet();
        Random random = new Random(5);
        for (String group : List.of("g", "h")) {
            int entities = group.equals("g") ? 500 : 30;
            for (int e = 0; e < entities; e++) {
                byte[] prefix = TileKey.entityPrefix(group, List.of("e" + e));
                for (int t = 0; t < 3; t++) {
                    byte[] key = TileKey.encode(prefix, 60_000L, 60_000L * random.nextInt(1000) - 30_000_000L);
                    byte[] value = {(byte) e, (byte) t};
                    writes.put(Space.TILES, key, value);
                    model.put(key, value);
                }
                writes.put(Space.ENTITIES, prefix, new byte[] {(byte) e});
            }
        }
        writes.put(Space.PROGRESS, new byte[] {1}, new byte[] {1});
        store.write(writes);

        RedisClient client = RedisClient.create();
        try {
            List<Long> perNode = new ArrayList<>();
            for (StatefulRedisConnection<byte[], byte[]> node : cluster.connectToEachNode(client)) {
                perNode.add((long) node.sync().keys(namespace + "b:*").size());
                node.close();
            }
            assertThat(perNode).as("entity hashes per node").allSatisfy(n -> assertThat(n).isPositive());
            assertThat(perNode.stream().mapToLong(Long::longValue).sum()).as("530 entities and the misc bucket")
                    .isEqualTo(531);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }

        byte[] g = TileKey.groupPrefix("g");
        List<String> expected = new ArrayList<>();
        model.forEach((k, v) -> {
            if (Arrays.equals(k, 0, g.length, g, 0, g.length)) {
                expected.add(hex(k) + "=" + hex(v));
            }
        });
        assertThat(entries(Space.TILES, g)).as("group g, 500 entities over three nodes").containsExactlyElementsOf(expected);
        assertThat(entries(Space.TILES, new byte[0])).hasSize(model.size());
        assertThat(entries(Space.ENTITIES, TileKey.groupPrefix("h"))).hasSize(30);
        byte[] one = TileKey.entityPrefix("g", List.of("e7"));
        assertThat(entries(Space.TILES, one)).hasSize(3);
        assertThat(store.get(Space.ENTITIES, one)).containsExactly(7);

        WriteSet deletes = new WriteSet();
        model.keySet().forEach(k -> deletes.delete(Space.TILES, k));
        for (String group : List.of("g", "h")) {
            for (int e = 0; e < 500; e++) {
                deletes.delete(Space.ENTITIES, TileKey.entityPrefix(group, List.of("e" + e)));
            }
        }
        deletes.delete(Space.PROGRESS, new byte[] {1});
        store.write(deletes);
        assertThat(entries(Space.TILES, new byte[0])).isEmpty();
        assertThat(keysOnAllNodes()).as("nothing left behind, the index included").isEmpty();
    }

    @Test
    void anEntitysTilesAndMetadataShareOneHashInOneSlot() {
        byte[] prefix = TileKey.entityPrefix("account_payments", List.of("a-1"));
        byte[] tile1 = TileKey.encode(prefix, 3_600_000L, 0L);
        byte[] tile2 = TileKey.encode(prefix, 3_600_000L, 3_600_000L);
        store.write(new WriteSet().put(Space.TILES, tile1, new byte[] {1}).put(Space.TILES, tile2, new byte[] {2})
                .put(Space.ENTITIES, prefix, new byte[] {3}));

        byte[] hash = concat((namespace + "b:").getBytes(StandardCharsets.UTF_8), prefix);
        List<String> keys = keysOnAllNodes();
        assertThat(keys).containsExactlyInAnyOrder(hex(hash), hex((namespace + "idx").getBytes(StandardCharsets.UTF_8)));
        try (TileStore other = RedisTileStore.openCluster(cluster.uris(), namespace)) {
            List<byte[]> values = new ArrayList<>();
            other.scan(Space.TILES, prefix, (k, v) -> values.add(v));
            assertThat(values).containsExactly(new byte[] {1}, new byte[] {2});
        }
    }

    /** Overwrites of a present entity do not touch the index; only its appearing and disappearing do. */
    @Test
    void theIndexIsWrittenOnlyWhenAnEntityAppearsOrDisappears() {
        byte[] prefix = TileKey.entityPrefix("g", List.of("hot"));
        byte[] tile = TileKey.encode(prefix, 60_000L, 0L);
        store.write(new WriteSet().put(Space.TILES, tile, new byte[] {0}));
        RedisClient client = RedisClient.create();
        try {
            StatefulRedisConnection<byte[], byte[]> indexNode = null;
            for (StatefulRedisConnection<byte[], byte[]> node : cluster.connectToEachNode(client)) {
                if (!node.sync().keys(namespace + "idx").isEmpty()) {
                    indexNode = node;
                }
            }
            assertThat(indexNode).as("the node holding the index").isNotNull();
            indexNode.sync().configResetstat();

            for (int i = 1; i < 10; i++) {
                store.write(new WriteSet().put(Space.TILES, tile, new byte[] {(byte) i}));
            }
            assertThat(calls(indexNode, "zadd")).as("ZADDs for 9 overwrites of a present entity").isZero();
            store.write(new WriteSet().delete(Space.TILES, tile));
            assertThat(calls(indexNode, "zrem")).as("ZREMs once the entity is empty").isEqualTo(1);
            assertThat(indexNode.sync().keys(namespace + "idx")).as("an empty index is no key").isEmpty();
            store.write(new WriteSet().put(Space.TILES, tile, new byte[] {1}));
            store.write(new WriteSet().put(Space.TILES, tile, new byte[] {2}));
            assertThat(calls(indexNode, "zadd")).as("ZADDs when it comes back, then is overwritten").isEqualTo(1);
            assertThat(entries(Space.TILES, TileKey.groupPrefix("g"))).containsExactly(hex(tile) + "=02");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void reindexRestoresAnIndexThatLostEntries() {
        store.write(new WriteSet().put(Space.TILES, TileKey.encode(TileKey.entityPrefix("g", List.of("a")), 60_000L, 0L),
                new byte[] {1}).put(Space.META, new byte[] {2}, new byte[] {2}));
        RedisClient client = RedisClient.create();
        try {
            for (StatefulRedisConnection<byte[], byte[]> node : cluster.connectToEachNode(client)) {
                if (!node.sync().keys(namespace + "idx").isEmpty()) {
                    node.sync().del((namespace + "idx").getBytes(StandardCharsets.UTF_8)); // as a writer dying would
                }
                node.close();
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        assertThat(entries(Space.TILES, new byte[0])).isEmpty();

        ((RedisTileStore) store).reindex();

        assertThat(entries(Space.TILES, new byte[0])).hasSize(1);
        assertThat(entries(Space.META, new byte[0])).containsExactly("02=02");
    }

    @Test
    void anUnreachableClusterIsAClearStoreException() {
        assertThatThrownBy(() -> RedisTileStore.openCluster(List.of("redis://127.0.0.1:1"), "x:"))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot connect to Redis Cluster at 127.0.0.1:1")
                .hasMessageContaining("cluster_state:ok");
        assertThatThrownBy(() -> RedisTileStore.openCluster(List.of("http://nope"), "x:"))
                .isInstanceOf(StoreException.class).hasMessageContaining("redis://host:port");
        assertThatThrownBy(() -> RedisTileStore.openCluster(List.of(), "x:"))
                .isInstanceOf(StoreException.class).hasMessageContaining("redis://host:port");
    }

    private List<String> keysOnAllNodes() {
        RedisClient client = RedisClient.create();
        try {
            List<String> keys = new ArrayList<>();
            for (StatefulRedisConnection<byte[], byte[]> node : cluster.connectToEachNode(client)) {
                node.sync().keys(namespace + "*").forEach(k -> keys.add(hex(k)));
                node.close();
            }
            return keys;
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static long calls(StatefulRedisConnection<byte[], byte[]> node, String command) {
        for (String line : node.sync().info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":calls=")) {
                return Long.parseLong(line.substring(("cmdstat_" + command + ":calls=").length()).split(",")[0]);
            }
        }
        return 0;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
