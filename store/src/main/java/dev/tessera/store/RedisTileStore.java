package dev.tessera.store;

import dev.tessera.core.tile.TileKey;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.output.ValueListOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * The {@link TileStore} on Redis, standalone ({@link #open}) or Redis Cluster ({@link #openCluster}),
 * through Lettuce: what the scale-out runtime writes and what stateless serving nodes read (issue
 * [Scale-out], ADR 018). Both modes use the same keys, so data written in one mode reads in the other.
 *
 * <h2>Layout: one hash per entity</h2>
 * Every key belongs to a <i>bucket</i>, a prefix of it: a tile key's bucket is its entity prefix
 * ({@link TileKey#entityPrefixLengthOfTileKey}), an entity-metadata key ({@link Space#ENTITIES}) is
 * its own bucket, and every other key (progress, dedup ids, meta, keys of other shapes) is in the
 * empty bucket. A bucket is one Redis hash, {@code <namespace>b:<bucket bytes>}, whose fields are
 * {@code <space code><key>}; so everything about one entity in one group, its tiles and its
 * metadata, comes back with one {@code HGETALL}, and writing an entity touches one Redis key. A
 * sorted set, {@code <namespace>idx}, lists the non-empty buckets (all scores 0, so it is ordered
 * by the bucket bytes, as {@code memcmp} orders them) for prefix scans.
 *
 * <h2>Atomicity and isolation</h2>
 * A {@link WriteSet} runs as one Lua script: Redis runs a script alone, so no reader sees part of
 * it, and replicates and appends its effects to the AOF as one {@code MULTI}/{@code EXEC} block, so
 * after a crash all or none of it is there (with {@code appendonly yes}; the durability is Redis's
 * own: {@code appendfsync everysec} may lose the last second, as a RocksDB store without fsync may
 * lose the last commits). A scan whose prefix falls inside one bucket (one entity's tiles, the
 * misc spaces) reads that bucket in one script, so it sees one state. A scan across buckets reads
 * them in pages of {@value #SCAN_PAGE} buckets, each page at one instant; a write that lands between
 * two pages may be seen in part. Nothing reads across entities while a writer runs and relies on
 * seeing one instant (serving reads one entity; the embedded runtime scans everything only when it
 * starts), so this is the guarantee the contract test checks.
 *
 * <h2>Redis Cluster: atomic per entity, not per write set</h2>
 * In a cluster, the keys of one script must share a slot, and a bucket is one key (so one slot),
 * but a write set spans many buckets and the index is one more key. So {@link #openCluster} writes
 * a write set as one script per bucket, whose only key is that bucket's hash: it applies the
 * bucket's puts and deletes in order and returns whether the hash went from empty to non-empty or
 * back. Only for those transitions does the store then {@code ZADD}/{@code ZREM} the bucket in the
 * index, so the index key (one slot, one node) is touched when an entity appears or disappears, not
 * on every write. The scripts of all buckets are sent at once (Lettuce's async API, routed to each
 * bucket's node) and awaited together, so a write set of many entities is not a round trip each.
 * <b>A write set is therefore atomic per entity (bucket), not as a whole</b>: a reader may see one
 * entity of a write set updated and another not yet, and a failure (or a crash of the writer) in
 * the middle may leave some entities written and others not; every entity is all-or-nothing. The
 * Flink job writes absolute tile states replayed from its checkpoint, so retrying a write set is
 * safe; the embedded runtime's commit (tiles with the offsets they came from) needs the standalone
 * mode. Between an entity's script and its index update a scan may miss a newly appeared entity
 * (its write has not returned yet); an entity that empties is removed from the index and then
 * re-checked, so concurrent writers cannot leave a non-empty entity out of the index (at worst an
 * empty one in, which scans skip). An index update that fails is retried before the next write.
 * A writer that dies between an entity's script and its index update leaves that entity out of
 * scans (not out of {@code get}) until it next empties or {@link #reindex()} runs. A scan reads the
 * candidate buckets from the index (as the standalone scan script does), then {@code HGETALL}s
 * them, pipelined; a scan within one bucket is one {@code HGETALL}, so it still sees one instant.
 *
 * <h2>Errors</h2>
 * A Redis that cannot be reached, or refuses a command, surfaces as {@link StoreException} naming
 * the address (a cluster's seed addresses) and the operation. While the connection is down, commands fail at once (Lettuce
 * reconnects in the background, and the store works again when Redis is back); a command on a live
 * connection times out after the URI's timeout (at most 10 s here).
 */
public final class RedisTileStore implements TileStore {
    /** Buckets read by one scan script. */
    static final int SCAN_PAGE = 256;

    private static final String WRITE_SCRIPT = """
            local n = tonumber(ARGV[1])
            local misc = tonumber(ARGV[2])
            local a = 3
            local touched = {}
            for i = 1, n do
              local kind = ARGV[a]
              local b = tonumber(ARGV[a + 1])
              local f = ARGV[a + 2]
              if kind == 'p' then
                if redis.call('HSET', KEYS[b], f, ARGV[a + 3]) == 1 and b == misc then
                  redis.call('HINCRBY', KEYS[b], '#' .. string.sub(f, 1, 1), 1)
                end
                a = a + 4
              else
                if redis.call('HDEL', KEYS[b], f) == 1 and b == misc then
                  local c = '#' .. string.sub(f, 1, 1)
                  if redis.call('HINCRBY', KEYS[b], c, -1) <= 0 then
                    redis.call('HDEL', KEYS[b], c)
                  end
                end
                a = a + 3
              end
              touched[b] = true
            end
            for b, _ in pairs(touched) do
              local bucket = ARGV[a + b - 2]
              if redis.call('EXISTS', KEYS[b]) == 1 then
                redis.call('ZADD', KEYS[1], 0, bucket)
              else
                redis.call('ZREM', KEYS[1], bucket)
              end
            end
            return n
            """;

    /**
     * KEYS[1] the index; ARGV: namespace, field prefix (space code + key prefix), key prefix,
     * cursor ('' on the first page: then also the buckets that are proper prefixes of the key
     * prefix), page size. Returns {field, value, field, value, ..., next cursor or ''}.
     */
    private static final String SCAN_SCRIPT = """
            local idx = KEYS[1]
            local ns = ARGV[1]
            local fieldPrefix = ARGV[2]
            local p = ARGV[3]
            local cursor = ARGV[4]
            local limit = tonumber(ARGV[5])
            local buckets = {}
            if cursor == '' then
              for k = 0, #p - 1 do
                local b = string.sub(p, 1, k)
                if redis.call('ZSCORE', idx, b) then
                  table.insert(buckets, b)
                end
              end
            end
            local low
            if cursor == '' then
              low = '[' .. p
            else
              low = '(' .. cursor
            end
            local high = '+'
            local i = #p
            while i > 0 do
              local c = string.byte(p, i)
              if c < 255 then
                high = '(' .. string.sub(p, 1, i - 1) .. string.char(c + 1)
                break
              end
              i = i - 1
            end
            local ranged = redis.call('ZRANGEBYLEX', idx, low, high, 'LIMIT', 0, limit)
            for _, b in ipairs(ranged) do
              table.insert(buckets, b)
            end
            local out = {}
            local fl = #fieldPrefix
            local count = '#' .. string.sub(fieldPrefix, 1, 1)
            for _, b in ipairs(buckets) do
              local all = {}
              if b ~= '' or redis.call('HGET', ns .. 'b:', count) then
                all = redis.call('HGETALL', ns .. 'b:' .. b)
              end
              for j = 1, #all, 2 do
                if string.sub(all[j], 1, fl) == fieldPrefix then
                  table.insert(out, all[j])
                  table.insert(out, all[j + 1])
                end
              end
            end
            if #ranged == limit then
              table.insert(out, ranged[#ranged])
            else
              table.insert(out, '')
            end
            return out
            """;

    /**
     * Cluster mode: the write of one bucket. KEYS[1] the bucket's hash (the only key it touches);
     * ARGV: 'p', field, value or 'd', field, repeated, in write-set order. Returns 1 when the hash
     * went from empty to non-empty, -1 from non-empty to empty, else 0.
     */
    private static final String BUCKET_WRITE_SCRIPT = """
            local before = redis.call('EXISTS', KEYS[1])
            local misc = ARGV[1] == '1'
            local a = 2
            local n = #ARGV
            while a <= n do
              local f = ARGV[a + 1]
              if ARGV[a] == 'p' then
                if redis.call('HSET', KEYS[1], f, ARGV[a + 2]) == 1 and misc then
                  redis.call('HINCRBY', KEYS[1], '#' .. string.sub(f, 1, 1), 1)
                end
                a = a + 3
              else
                if redis.call('HDEL', KEYS[1], f) == 1 and misc then
                  local c = '#' .. string.sub(f, 1, 1)
                  if redis.call('HINCRBY', KEYS[1], c, -1) <= 0 then
                    redis.call('HDEL', KEYS[1], c)
                  end
                end
                a = a + 2
              end
            end
            return redis.call('EXISTS', KEYS[1]) - before
            """;

    private final AbstractRedisClient client;
    private final StatefulConnection<byte[], byte[]> connection;
    /** The commands both modes share (Lettuce's standalone and cluster APIs both extend these). */
    private final RedisClusterCommands<byte[], byte[]> redis;
    private final RedisClusterAsyncCommands<byte[], byte[]> async;
    /** Non-null in cluster mode. */
    private final StatefulRedisClusterConnection<byte[], byte[]> cluster;
    private final String address;
    private final Duration timeout;
    private final byte[] namespace;
    private final byte[] indexKey;
    private final String writeSha;
    private final String scanSha;
    private final String bucketWriteSha;
    /** Cluster mode: buckets whose index update failed, re-checked before the next write. */
    private final Set<Bucket> unindexed = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private RedisTileStore(AbstractRedisClient client, StatefulConnection<byte[], byte[]> connection,
                           RedisClusterCommands<byte[], byte[]> redis, RedisClusterAsyncCommands<byte[], byte[]> async,
                           StatefulRedisClusterConnection<byte[], byte[]> cluster, String address, Duration timeout,
                           String namespace) {
        this.client = client;
        this.connection = connection;
        this.redis = redis;
        this.async = async;
        this.cluster = cluster;
        this.address = address;
        this.timeout = timeout;
        this.namespace = namespace.getBytes(StandardCharsets.UTF_8);
        this.indexKey = concat(this.namespace, "idx".getBytes(StandardCharsets.US_ASCII));
        if (cluster == null) {
            this.writeSha = redis.scriptLoad(WRITE_SCRIPT);
            this.scanSha = redis.scriptLoad(SCAN_SCRIPT);
            this.bucketWriteSha = null;
        } else {
            this.writeSha = null;
            this.scanSha = null;
            // Lettuce loads it on every node; a node that lacks it later (a new master, a
            // SCRIPT FLUSH) gets it through the EVAL fallback
            this.bucketWriteSha = redis.scriptLoad(BUCKET_WRITE_SCRIPT);
        }
    }

    /**
     * Connects to the Redis at {@code uri} ({@code redis://host:port}, {@code rediss://...} for TLS,
     * {@code redis://:password@host:port/db}); every key it writes starts with {@code namespace}
     * (e.g. {@code "tessera:"}), so deployments can share a Redis.
     */
    public static RedisTileStore open(String uri, String namespace) {
        RedisURI redisUri;
        try {
            redisUri = RedisURI.create(uri);
        } catch (RuntimeException e) {
            throw new StoreException("bad Redis address '" + uri + "': " + e.getMessage()
                    + "; write it as redis://host:port (or rediss:// for TLS)", null, e);
        }
        if (redisUri.getTimeout().compareTo(Duration.ofSeconds(10)) > 0) {
            redisUri.setTimeout(Duration.ofSeconds(10));
        }
        String shown = redisUri.getHost() + ":" + redisUri.getPort();
        Duration timeout = redisUri.getTimeout();
        RedisClient client = RedisClient.create(SharedResources.acquire(), redisUri);
        // While disconnected, commands fail at once instead of queueing until their timeout: a
        // serving node answers 503 fast, and Lettuce reconnects in the background.
        client.setOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        try {
            StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
            try {
                return new RedisTileStore(client, connection, connection.sync(), connection.async(), null, shown, timeout,
                        namespace);
            } catch (RuntimeException e) {
                connection.close();
                throw e;
            }
        } catch (RedisException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            SharedResources.release();
            throw new StoreException("cannot connect to Redis at " + shown + ": " + rootMessage(e)
                    + "; is redis-server running there (redis-cli -h " + redisUri.getHost() + " -p " + redisUri.getPort()
                    + " ping)?", null, e);
        }
    }

    /**
     * Connects to the Redis Cluster that {@code seedUris} belong to (one or more of its nodes,
     * {@code redis://host:port}, {@code rediss://...} for TLS, {@code redis://:password@host:port});
     * Lettuce discovers the other nodes and follows slot moves and failovers. Keys and namespaces as
     * in {@link #open}; a write set is atomic per entity only (see the class comment).
     */
    public static RedisTileStore openCluster(List<String> seedUris, String namespace) {
        if (seedUris.isEmpty()) {
            throw new StoreException("no Redis Cluster address given; pass one or more nodes as redis://host:port", null,
                    null);
        }
        List<RedisURI> uris = new ArrayList<>(seedUris.size());
        for (String uri : seedUris) {
            RedisURI redisUri;
            try {
                redisUri = RedisURI.create(uri);
            } catch (RuntimeException e) {
                throw new StoreException("bad Redis Cluster node address '" + uri + "': " + e.getMessage()
                        + "; write each node as redis://host:port (or rediss:// for TLS)", null, e);
            }
            if (redisUri.getTimeout().compareTo(Duration.ofSeconds(10)) > 0) {
                redisUri.setTimeout(Duration.ofSeconds(10));
            }
            uris.add(redisUri);
        }
        String shown = "Redis Cluster at " + String.join(",", uris.stream().map(u -> u.getHost() + ":" + u.getPort()).toList());
        Duration timeout = uris.get(0).getTimeout();
        RedisClusterClient client = RedisClusterClient.create(SharedResources.acquire(), uris);
        // as in open: fail at once while a node is unreachable; and refresh the slot map when Redis
        // answers MOVED/ASK or a node keeps failing to reconnect (failover, resharding)
        client.setOptions(ClusterClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers().build())
                .build());
        try {
            StatefulRedisClusterConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
            try {
                return new RedisTileStore(client, connection, connection.sync(), connection.async(), connection, shown,
                        timeout, namespace);
            } catch (RuntimeException e) {
                connection.close();
                throw e;
            }
        } catch (RedisException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            SharedResources.release();
            RedisURI first = uris.get(0);
            throw new StoreException("cannot connect to " + shown + ": " + rootMessage(e)
                    + "; are the nodes up and is the cluster formed (redis-cli -h " + first.getHost() + " -p "
                    + first.getPort() + " cluster info shows cluster_state:ok)? For a standalone Redis use open()", null, e);
        }
    }

    @Override
    public void write(WriteSet writes) {
        ensureOpen();
        if (cluster != null) {
            writePerBucket(writes);
            return;
        }
        if (writes.isEmpty()) {
            return;
        }
        Map<Bucket, Integer> buckets = new LinkedHashMap<>();
        List<byte[]> args = new ArrayList<>(writes.size() * 4 + 8);
        args.add(Integer.toString(writes.size()).getBytes(StandardCharsets.US_ASCII));
        args.add(ZERO); // ARGV[2]: the KEYS index of the misc bucket, set below
        for (WriteSet.Op op : writes.ops()) {
            Bucket bucket = new Bucket(bucketOf(op.space(), op.key()));
            Integer keyIndex = buckets.computeIfAbsent(bucket, b -> buckets.size() + 2);
            args.add(op.isDelete() ? D : P);
            args.add(Integer.toString(keyIndex).getBytes(StandardCharsets.US_ASCII));
            args.add(field(op.space(), op.key()));
            if (!op.isDelete()) {
                args.add(op.value());
            }
        }
        byte[][] keys = new byte[buckets.size() + 1][];
        keys[0] = indexKey;
        for (Map.Entry<Bucket, Integer> e : buckets.entrySet()) {
            keys[e.getValue() - 1] = bucketKey(e.getKey().bytes);
            args.add(e.getKey().bytes);
            if (e.getKey().bytes.length == 0) {
                args.set(1, Integer.toString(e.getValue()).getBytes(StandardCharsets.US_ASCII));
            }
        }
        script(writeSha, WRITE_SCRIPT, ScriptOutputType.INTEGER, keys, args.toArray(new byte[0][]), "write");
    }

    /**
     * Takes the lease {@code name} for {@code ttlMillis} unless someone holds it ({@code SET NX PX} of
     * {@code <namespace>lease:<name>}): how several stateless serving nodes agree that one of them
     * sends an alert's notification. True when this caller got it.
     */
    public boolean claim(String name, long ttlMillis) {
        ensureOpen();
        try {
            return "OK".equals(redis.set(leaseKey(name), new byte[] {1},
                    io.lettuce.core.SetArgs.Builder.nx().px(ttlMillis)));
        } catch (RedisException e) {
            throw failure("claim a lease beside the", e);
        }
    }

    /** Drops the lease {@code name}, whoever holds it. */
    public void release(String name) {
        ensureOpen();
        try {
            redis.del(leaseKey(name));
        } catch (RedisException e) {
            throw failure("release a lease beside the", e);
        }
    }

    private byte[] leaseKey(String name) {
        return concat(namespace, ("lease:" + name).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] get(Space space, byte[] key) {
        ensureOpen();
        try {
            return redis.hget(bucketKey(bucketOf(space, key)), field(space, key));
        } catch (RedisException e) {
            throw failure("read", e);
        }
    }

    /**
     * One {@code HGETALL} of the entity's bucket: its value and tiles live in one hash (see the class
     * comment), so they come back in one round trip and at one instant.
     */
    @Override
    public EntityRead readEntity(byte[] entityKey) {
        ensureOpen();
        byte[] bucket = bucketOf(Space.ENTITIES, entityKey);
        if (bucket.length == 0) {
            return TileStore.super.readEntity(entityKey); // not an entity prefix: its keys are not kept together
        }
        Map<byte[], byte[]> hash;
        try {
            hash = redis.hgetall(bucketKey(bucket));
        } catch (RedisException e) {
            throw failure("read", e);
        }
        byte[] valueField = field(Space.ENTITIES, entityKey);
        byte[] tilePrefix = field(Space.TILES, entityKey);
        byte[] value = null;
        List<byte[][]> tiles = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> e : hash.entrySet()) {
            byte[] f = e.getKey();
            if (Arrays.equals(f, valueField)) {
                value = e.getValue();
            } else if (f.length >= tilePrefix.length && Arrays.equals(f, 0, tilePrefix.length, tilePrefix, 0, tilePrefix.length)) {
                tiles.add(new byte[][] {Arrays.copyOfRange(f, 1, f.length), e.getValue()});
            }
        }
        tiles.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
        return new EntityRead(value, tiles, true);
    }

    @Override
    public void scan(Space space, byte[] prefix, BiConsumer<byte[], byte[]> visitor) {
        ensureOpen();
        byte[] fieldPrefix = field(space, prefix);
        if (cluster != null) {
            scanThroughIndex(fieldPrefix, prefix, visitor);
            return;
        }
        List<byte[][]> found = new ArrayList<>();
        byte[] cursor = new byte[0];
        do {
            List<Object> page = script(scanSha, SCAN_SCRIPT, ScriptOutputType.MULTI, new byte[][] {indexKey},
                    new byte[][] {namespace, fieldPrefix, prefix, cursor, Integer.toString(SCAN_PAGE).getBytes(StandardCharsets.US_ASCII)},
                    "scan");
            for (int i = 0; i + 1 < page.size(); i += 2) {
                byte[] field = (byte[]) page.get(i);
                found.add(new byte[][] {Arrays.copyOfRange(field, 1, field.length), (byte[]) page.get(i + 1)});
            }
            cursor = (byte[]) page.get(page.size() - 1);
        } while (cursor.length > 0); // the empty bucket sorts first, so it never ends a full page
        visitInKeyOrder(found, visitor);
    }

    private static void visitInKeyOrder(List<byte[][]> found, BiConsumer<byte[], byte[]> visitor) {
        found.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
        for (byte[][] kv : found) {
            visitor.accept(kv[0], kv[1]);
        }
    }

    // --- cluster mode -------------------------------------------------------------------------

    /** One script per bucket, all in flight at once; then the index, for the buckets that appeared or emptied. */
    private void writePerBucket(WriteSet writes) {
        reconcileIndex();
        if (writes.isEmpty()) {
            return;
        }
        Map<Bucket, List<byte[]>> byBucket = new LinkedHashMap<>();
        for (WriteSet.Op op : writes.ops()) {
            List<byte[]> args = byBucket.computeIfAbsent(new Bucket(bucketOf(op.space(), op.key())),
                    b -> new ArrayList<>(List.of(b.bytes.length == 0 ? ONE : ZERO))); // ARGV[1]: the misc bucket?
            args.add(op.isDelete() ? D : P);
            args.add(field(op.space(), op.key()));
            if (!op.isDelete()) {
                args.add(op.value());
            }
        }
        List<Bucket> buckets = new ArrayList<>(byBucket.keySet());
        List<byte[][]> keys = new ArrayList<>(buckets.size());
        List<byte[][]> argv = new ArrayList<>(buckets.size());
        List<RedisFuture<Long>> scripts = new ArrayList<>(buckets.size());
        for (Bucket bucket : buckets) {
            byte[][] k = {bucketKey(bucket.bytes)};
            byte[][] a = byBucket.get(bucket).toArray(new byte[0][]);
            keys.add(k);
            argv.add(a);
            scripts.add(async.evalsha(bucketWriteSha, ScriptOutputType.INTEGER, k, a));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Long[] transitions = new Long[buckets.size()];
        List<Integer> noScript = new ArrayList<>();
        RedisException failed = null;
        for (int i = 0; i < scripts.size(); i++) {
            try {
                transitions[i] = await(scripts.get(i), deadline);
            } catch (RedisNoScriptException e) {
                noScript.add(i);
            } catch (RedisException e) {
                failed = failed == null ? e : failed;
            }
        }
        if (!noScript.isEmpty()) {
            List<RedisFuture<Long>> retried = new ArrayList<>(noScript.size());
            for (int i : noScript) {
                retried.add(async.eval(BUCKET_WRITE_SCRIPT, ScriptOutputType.INTEGER, keys.get(i), argv.get(i)));
            }
            deadline = System.nanoTime() + timeout.toNanos();
            for (int j = 0; j < noScript.size(); j++) {
                try {
                    transitions[noScript.get(j)] = await(retried.get(j), deadline);
                } catch (RedisException e) {
                    failed = failed == null ? e : failed;
                }
            }
        }
        // the index, even when some bucket failed: the buckets that were written must be found by scans
        List<Bucket> changed = new ArrayList<>();
        int written = 0;
        for (int i = 0; i < buckets.size(); i++) {
            if (transitions[i] != null) {
                written++;
                if (transitions[i] != 0) {
                    changed.add(buckets.get(i));
                }
            }
        }
        try {
            updateIndex(changed);
        } catch (RedisException e) {
            unindexed.addAll(changed);
            failed = failed == null ? e : failed;
        }
        if (failed != null) {
            throw new StoreException(address + " failed to write tiles: " + rootMessage(failed) + "; " + written + " of "
                    + buckets.size() + " entities of the write set were written (each entity all or nothing; retrying"
                    + " the write set is safe); check that every node is up and has memory left (redis-cli -h ..."
                    + " cluster info)", null, failed);
        }
    }

    /**
     * Brings the index in line with the hashes of {@code buckets}: in it when non-empty, else out.
     * Removal re-checks the hash afterwards, so a concurrent writer that refilled it is not lost.
     */
    private void updateIndex(List<Bucket> buckets) {
        if (buckets.isEmpty()) {
            return;
        }
        List<RedisFuture<Long>> exists = new ArrayList<>(buckets.size());
        for (Bucket b : buckets) {
            exists.add(async.exists(bucketKey(b.bytes)));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<RedisFuture<Long>> updates = new ArrayList<>(buckets.size());
        List<Bucket> removed = new ArrayList<>();
        for (int i = 0; i < buckets.size(); i++) {
            byte[] b = buckets.get(i).bytes;
            if (await(exists.get(i), deadline) > 0) {
                updates.add(async.zadd(indexKey, 0.0, b));
            } else {
                updates.add(async.zrem(indexKey, b));
                removed.add(buckets.get(i));
            }
        }
        for (RedisFuture<Long> f : updates) {
            await(f, deadline);
        }
        if (removed.isEmpty()) {
            return;
        }
        List<RedisFuture<Long>> refilled = new ArrayList<>(removed.size());
        for (Bucket b : removed) {
            refilled.add(async.exists(bucketKey(b.bytes)));
        }
        List<RedisFuture<Long>> readded = new ArrayList<>();
        for (int i = 0; i < removed.size(); i++) {
            if (await(refilled.get(i), deadline) > 0) {
                readded.add(async.zadd(indexKey, 0.0, removed.get(i).bytes));
            }
        }
        for (RedisFuture<Long> f : readded) {
            await(f, deadline);
        }
    }

    private void reconcileIndex() {
        if (unindexed.isEmpty()) {
            return;
        }
        List<Bucket> pending = new ArrayList<>(unindexed);
        try {
            updateIndex(pending);
            pending.forEach(unindexed::remove);
        } catch (RedisException e) {
            throw failure("update the bucket index before writing", e);
        }
    }

    /**
     * Rebuilds the index from the hashes (cluster and standalone): adds every non-empty bucket of
     * this namespace, removes entries whose hash is gone. For after a writer died in cluster mode
     * between an entity's write and its index update (see the class comment); it walks every key of
     * every master with {@code SCAN}, so it is an operator's tool, not for every start.
     */
    public void reindex() {
        ensureOpen();
        byte[] hashPrefix = concat(namespace, BUCKET_TAG);
        try {
            List<Bucket> present = new ArrayList<>();
            io.lettuce.core.ScanArgs match = io.lettuce.core.ScanArgs.Builder.matches(globEscape(hashPrefix)).limit(1000);
            io.lettuce.core.KeyScanCursor<byte[]> cursor = redis.scan(match);
            while (true) {
                for (byte[] key : cursor.getKeys()) {
                    present.add(new Bucket(Arrays.copyOfRange(key, hashPrefix.length, key.length)));
                }
                if (cursor.isFinished()) {
                    break;
                }
                cursor = redis.scan(cursor, match);
            }
            for (byte[] b : redis.zrange(indexKey, 0, -1)) {
                present.add(new Bucket(b));
            }
            updateIndex(new ArrayList<>(new java.util.LinkedHashSet<>(present)));
        } catch (RedisException e) {
            throw failure("rebuild the bucket index of", e);
        }
    }

    /** {@code prefix}, escaped for a SCAN MATCH pattern, followed by {@code *}. */
    private static byte[] globEscape(byte[] prefix) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(prefix.length + 8);
        for (byte b : prefix) {
            if (b == '*' || b == '?' || b == '[' || b == ']' || b == '\\') {
                out.write('\\');
            }
            out.write(b);
        }
        out.write('*');
        return out.toByteArray();
    }

    /**
     * The buckets that may hold keys with {@code prefix}, from the index: the proper prefixes of
     * it that are in the index ({@code ZSCORE}), and the range starting with it
     * ({@code ZRANGEBYLEX}, in pages); each page's hashes are read with pipelined {@code HGETALL}s.
     */
    private void scanThroughIndex(byte[] fieldPrefix, byte[] prefix, BiConsumer<byte[], byte[]> visitor) {
        List<byte[][]> found = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            List<RedisFuture<Double>> scores = new ArrayList<>(prefix.length);
            for (int k = 0; k < prefix.length; k++) {
                scores.add(async.zscore(indexKey, Arrays.copyOf(prefix, k)));
            }
            byte[] low = prefix.length == 0 ? MINUS : concat(INCLUSIVE, prefix);
            byte[] high = upperBound(prefix);
            RedisFuture<List<byte[]>> page = rangeByLex(low, high);
            List<byte[]> buckets = new ArrayList<>();
            for (int k = 0; k < prefix.length; k++) {
                if (await(scores.get(k), deadline) != null) {
                    buckets.add(Arrays.copyOf(prefix, k));
                }
            }
            while (true) {
                List<byte[]> ranged = await(page, deadline);
                buckets.addAll(ranged);
                // ask for the next page before reading this one's hashes
                page = ranged.size() == SCAN_PAGE ? rangeByLex(concat(EXCLUSIVE, ranged.get(ranged.size() - 1)), high) : null;
                List<RedisFuture<Map<byte[], byte[]>>> hashes = new ArrayList<>(buckets.size());
                for (byte[] b : buckets) {
                    // the misc bucket holds every space's odd keys (dedup ids...): read it only when it
                    // holds some of this space's, which its per-space count says
                    if (b.length == 0 && await(async.hget(bucketKey(b), miscCount(fieldPrefix)), deadline) == null) {
                        continue;
                    }
                    hashes.add(async.hgetall(bucketKey(b)));
                }
                for (RedisFuture<Map<byte[], byte[]>> hash : hashes) {
                    for (Map.Entry<byte[], byte[]> e : await(hash, deadline).entrySet()) {
                        byte[] f = e.getKey();
                        if (f.length >= fieldPrefix.length && Arrays.equals(f, 0, fieldPrefix.length, fieldPrefix, 0,
                                fieldPrefix.length)) {
                            found.add(new byte[][] {Arrays.copyOfRange(f, 1, f.length), e.getValue()});
                        }
                    }
                }
                if (page == null) {
                    break;
                }
                buckets.clear();
                deadline = System.nanoTime() + timeout.toNanos();
            }
        } catch (RedisException e) {
            throw failure("scan", e);
        }
        visitInKeyOrder(found, visitor);
    }

    /** ZRANGEBYLEX on the index with raw boundaries ({@code [x}, {@code (x}, {@code -}, {@code +}), one page. */
    private RedisFuture<List<byte[]>> rangeByLex(byte[] low, byte[] high) {
        CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(indexKey).add(low).add(high)
                .add("LIMIT").add(0).add(SCAN_PAGE);
        return async.dispatch(CommandType.ZRANGEBYLEX, new ValueListOutput<>(ByteArrayCodec.INSTANCE), args);
    }

    /** The exclusive lex bound just past every string starting with {@code prefix}, or {@code +}. */
    private static byte[] upperBound(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xFF) {
                byte[] bound = concat(EXCLUSIVE, Arrays.copyOf(prefix, i + 1));
                bound[bound.length - 1]++;
                return bound;
            }
        }
        return PLUS;
    }

    /** The future's value, waiting until {@code deadline} (System.nanoTime) at most. */
    private <T> T await(RedisFuture<T> future, long deadline) {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RedisException re) {
                throw re;
            }
            throw new RedisException(e.getCause());
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new RedisCommandTimeoutException("no answer within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisException("interrupted while waiting for Redis", e);
        }
    }

    @Override
    public long approximateSizeBytes() {
        ensureOpen();
        try {
            if (cluster == null) {
                return usedMemory(redis.info("memory"));
            }
            long sum = 0;
            for (String info : cluster.sync().masters().commands().info("memory")) {
                sum += usedMemory(info);
            }
            return sum;
        } catch (RedisException e) {
            throw failure("read the memory figures of", e);
        }
    }

    private static long usedMemory(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        SharedResources.release();
    }

    /**
     * The event loops and computation threads of every Redis store open in this JVM: Lettuce's
     * {@link ClientResources} are meant to be shared (each client would otherwise start its own pools,
     * a thread per core each, e.g. per parallel subtask of a Flink task manager). Made by the first
     * store opened, shut down when the last one closes. Each store keeps its own client and connection.
     */
    static final class SharedResources {
        private static ClientResources resources;
        private static int users;

        private SharedResources() {}

        static synchronized ClientResources acquire() {
            if (users++ == 0) {
                resources = DefaultClientResources.create();
            }
            return resources;
        }

        static synchronized void release() {
            if (--users == 0) {
                ClientResources r = resources;
                resources = null;
                try {
                    r.shutdown(0, 2, TimeUnit.SECONDS).get(3, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException e) {
                    // its threads end on their own; nothing of the stores' data depends on them
                }
            }
        }

        /** Stores sharing the resources now (tests). */
        static synchronized int users() {
            return users;
        }
    }

    /** Deletes every key of this store's namespace (tests and {@code tessera} tooling; not for live stores). */
    public void clear() {
        ensureOpen();
        List<byte[]> buckets = redis.zrange(indexKey, 0, -1);
        for (byte[] b : buckets) {
            redis.del(bucketKey(b));
        }
        redis.del(indexKey);
    }

    /** The bucket of {@code key} in {@code space}: a prefix of the key (see the class comment). */
    static byte[] bucketOf(Space space, byte[] key) {
        return switch (space) {
            case TILES -> {
                int n = TileKey.entityPrefixLengthOfTileKey(key);
                yield n < 0 ? EMPTY : Arrays.copyOf(key, n);
            }
            case ENTITIES -> TileKey.isEntityPrefix(key) ? key : EMPTY;
            default -> EMPTY;
        };
    }

    private byte[] bucketKey(byte[] bucket) {
        return concat(namespace, BUCKET_TAG, bucket);
    }

    private static byte[] field(Space space, byte[] key) {
        byte[] f = new byte[key.length + 1];
        f[0] = (byte) ('a' + space.ordinal());
        System.arraycopy(key, 0, f, 1, key.length);
        return f;
    }

    @SuppressWarnings("unchecked")
    private <T> T script(String sha, String source, ScriptOutputType type, byte[][] keys, byte[][] args, String what) {
        try {
            try {
                return (T) redis.evalsha(sha, type, keys, args);
            } catch (RedisNoScriptException flushed) {
                return (T) redis.eval(source, type, keys, args);
            }
        } catch (RedisException e) {
            throw failure(what, e);
        }
    }

    private StoreException failure(String what, RedisException e) {
        String who = cluster == null ? "Redis at " + address : address;
        String check = cluster == null ? "check that redis-server is up and has memory left (redis-cli -h ... info)"
                : "check that every node is up, the cluster is formed and has memory left (redis-cli -h ... cluster info)";
        return new StoreException(who + " failed to " + what + " tiles: " + rootMessage(e) + "; " + check, null, e);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the Redis tile store for " + address + " is closed");
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static final byte[] EMPTY = new byte[0];
    private static final byte[] ZERO = {'0'};
    private static final byte[] ONE = {'1'};

    /** The field of the misc bucket counting its keys of {@code fieldPrefix}'s space ({@code #<space code>}). */
    private static byte[] miscCount(byte[] fieldPrefix) {
        return new byte[] {'#', fieldPrefix[0]};
    }
    private static final byte[] BUCKET_TAG = "b:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] P = {'p'};
    private static final byte[] D = {'d'};
    private static final byte[] INCLUSIVE = {'['};
    private static final byte[] EXCLUSIVE = {'('};
    private static final byte[] MINUS = {'-'};
    private static final byte[] PLUS = {'+'};

    /** Bucket bytes with value equality, as a map key. */
    private record Bucket(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Bucket b && Arrays.equals(bytes, b.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }
}
