package dev.tessera.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.runtime.WriterCounts;
import dev.tessera.store.RedisServerProcess;
import dev.tessera.store.RedisTileStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * Every publishing subtask of a JVM shares one Redis client per address (ADR 030, "one connection per
 * task manager"), and each writer's published counts are still its own: against a real Redis, eight
 * publishers of two sources hold the connections one store holds, not eight times as many, and what
 * Redis has at the end is, writer by writer, the last value each one supplied.
 */
class CountsPublisherTest {
    private static final String NAMESPACE = "counts-test";

    @Test
    void publishersShareOneClientAndEachWriterKeepsItsOwnCounts() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start()) {
            RedisClient probe = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> info = probe.connect()) {
                int idle = clients(info);
                int perStore;
                try (RedisTileStore one = RedisTileStore.open(redis.uri(), NAMESPACE)) {
                    one.write(new dev.tessera.store.WriteSet().put(dev.tessera.store.TileStore.Space.META, new byte[] {1}, new byte[] {1}));
                    WriterCounts.read(one, "payments"); // a write and a scan, as the publishers do: every connection a store opens is open now
                    perStore = clients(info) - idle;
                }
                awaitClients(info, idle);
                assertThat(perStore).as("connections of one store").isPositive();

                RedisAddress address = new RedisAddress(List.of(redis.uri()), false, NAMESPACE);
                String[] sources = {"payments", "logins"};
                AtomicLongArray values = new AtomicLongArray(8);
                List<CountsPublisher> publishers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    int w = i;
                    publishers.add(CountsPublisher.start(address, sources[i % 2], "writer-" + i,
                            () -> new WriterCounts(w, Map.of("in", values.get(w)), Map.of()), 20));
                }
                assertThat(CountsPublisher.sharedClients()).isEqualTo(1);
                for (int round = 1; round <= 3; round++) {
                    for (int i = 0; i < 8; i++) {
                        values.set(i, 1_000L * round + i);
                    }
                    awaitPublished(redis, sources, values);
                }
                assertThat(clients(info) - idle).as("connections of eight publishers").isEqualTo(perStore);

                for (int i = 0; i < 8; i++) { // each writer's last value, published as it closes
                    values.set(i, 7_000L + 13 * i);
                    publishers.get(i).close();
                }
                assertThat(CountsPublisher.sharedClients()).isZero();
                try (RedisTileStore store = RedisTileStore.open(redis.uri(), NAMESPACE)) {
                    for (int i = 0; i < 8; i++) {
                        WriterCounts c = WriterCounts.read(store, sources[i % 2]).get("writer-" + i);
                        assertThat(c.outcomes()).as("writer %d", i).isEqualTo(Map.of("in", 7_000L + 13 * i));
                        assertThat(c.incarnation()).isEqualTo(i);
                    }
                    assertThat(WriterCounts.read(store, "payments")).hasSize(4);
                }
                awaitClients(info, idle);
            } finally {
                probe.shutdown();
            }
        }
    }

    private static void awaitPublished(RedisServerProcess redis, String[] sources, AtomicLongArray values) throws Exception {
        try (RedisTileStore store = RedisTileStore.open(redis.uri(), NAMESPACE)) {
            long deadline = System.nanoTime() + 60_000_000_000L; // a guard against a hang, not a speed assertion
            while (true) {
                boolean all = true;
                for (int i = 0; i < values.length(); i++) {
                    WriterCounts c = WriterCounts.read(store, sources[i % 2]).get("writer-" + i);
                    all &= c != null && c.outcomes().get("in") == values.get(i);
                }
                if (all) {
                    return;
                }
                assertThat(System.nanoTime()).as("every writer's counts published").isLessThan(deadline);
                Thread.sleep(20);
            }
        }
    }

    private static int clients(StatefulRedisConnection<String, String> info) {
        for (String line : info.sync().info("clients").split("\r?\n")) {
            if (line.startsWith("connected_clients:")) {
                return Integer.parseInt(line.substring("connected_clients:".length()).trim());
            }
        }
        throw new AssertionError("no connected_clients in INFO");
    }

    private static void awaitClients(StatefulRedisConnection<String, String> info, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L; // the server notices a closed connection at once; a guard only
        while (clients(info) != expected) {
            assertThat(System.nanoTime()).as("connections back to %d", expected).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
