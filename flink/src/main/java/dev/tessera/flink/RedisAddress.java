package dev.tessera.flink;

import dev.tessera.store.RedisTileStore;
import java.io.Serializable;
import java.util.List;

/** Where the job's Redis is (the tile sink's and the counts' store), as operators carry it to the task managers. */
record RedisAddress(List<String> nodes, boolean cluster, String namespace) implements Serializable {
    RedisAddress {
        nodes = List.copyOf(nodes);
    }

    static RedisAddress of(FlinkJobOptions o) {
        return new RedisAddress(o.redis, o.redisCluster, o.redisNamespace);
    }

    RedisTileStore open() {
        return cluster ? RedisTileStore.openCluster(nodes, namespace) : RedisTileStore.open(nodes.get(0), namespace);
    }
}
