package dev.tessera.store;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis Cluster for tests: three masters, no replicas, each a {@code redis-server} on a free
 * port of 127.0.0.1 in its own temp dir without persistence, joined with
 * {@code redis-cli --cluster create}; {@link #close} kills every node. Starting returns once every
 * node reports {@code cluster_state:ok} and knows the other two, so tests never race the cluster's
 * formation.
 */
public final class RedisClusterProcess implements AutoCloseable {
    private static final int MASTERS = 3;
    /** A guard against a cluster that never forms (a broken install), not a timed assertion. */
    private static final long FORMATION_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final List<RedisServerProcess> nodes;

    private RedisClusterProcess(List<RedisServerProcess> nodes) {
        this.nodes = nodes;
    }

    public static RedisClusterProcess start() {
        List<RedisServerProcess> nodes = new ArrayList<>();
        RedisClusterProcess cluster = new RedisClusterProcess(nodes);
        try {
            for (int i = 0; i < MASTERS; i++) {
                nodes.add(RedisServerProcess.start(port -> List.of("--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes-" + port + ".conf", "--save", "", "--appendonly", "no")));
            }
            cluster.create();
            cluster.awaitFormed();
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** The nodes' URIs, each usable as a seed. */
    public List<String> uris() {
        return nodes.stream().map(RedisServerProcess::uri).toList();
    }

    /** A plain (non-cluster) connection to each master, to look at what it holds. */
    public List<StatefulRedisConnection<byte[], byte[]>> connectToEachNode(RedisClient client) {
        List<StatefulRedisConnection<byte[], byte[]>> out = new ArrayList<>();
        for (RedisServerProcess node : nodes) {
            out.add(client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE, RedisURI.create(node.uri())));
        }
        return out;
    }

    @Override
    public void close() {
        for (RedisServerProcess node : nodes) {
            node.close();
        }
    }

    private void create() {
        List<String> cmd = new ArrayList<>(List.of(RedisServerProcess.binary("redis-cli"), "--cluster", "create"));
        for (RedisServerProcess node : nodes) {
            cmd.add("127.0.0.1:" + node.port());
        }
        cmd.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run redis-cli: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the cluster", e);
        }
    }

    private void awaitFormed() {
        long end = System.nanoTime() + FORMATION_LIMIT_NANOS;
        RedisClient client = RedisClient.create();
        try {
            for (RedisServerProcess node : nodes) {
                RedisURI uri = RedisURI.create(node.uri());
                uri.setTimeout(Duration.ofSeconds(5));
                try (StatefulRedisConnection<String, String> c = client.connect(uri)) {
                    String info = c.sync().clusterInfo();
                    while (!(info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:" + MASTERS)
                            && info.contains("cluster_slots_ok:16384"))) {
                        if (System.nanoTime() > end) {
                            throw new IllegalStateException("the cluster did not form; node " + node.port()
                                    + " says:\n" + info + "\nits log:\n" + node.log());
                        }
                        Thread.sleep(50);
                        info = c.sync().clusterInfo();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the cluster", e);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
