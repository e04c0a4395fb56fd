package dev.tessera.store;

import dev.tessera.core.tile.TileKey;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The {@link TileStore} on Redis (standalone), through Lettuce: what the scale-out runtime writes
 * and what stateless serving nodes read (issue [Scale-out], ADR 018).
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
 * <h2>Errors</h2>
 * A Redis that cannot be reached, or refuses a command, surfaces as {@link StoreException} naming
 * the address and the operation. While the connection is down, commands fail at once (Lettuce
 * reconnects in the background, and the store works again when Redis is back); a command on a live
 * connection times out after the URI's timeout (at most 10 s here).
 */
public final class RedisTileStore implements TileStore {
    /** Buckets read by one scan script. */
    static final int SCAN_PAGE = 256;

    private static final String WRITE_SCRIPT = """
            local n = tonumber(ARGV[1])
            local a = 2
            local touched = {}
            for i = 1, n do
              local kind = ARGV[a]
              local b = tonumber(ARGV[a + 1])
              if kind == 'p' then
                redis.call('HSET', KEYS[b], ARGV[a + 2], ARGV[a + 3])
                a = a + 4
              else
                redis.call('HDEL', KEYS[b], ARGV[a + 2])
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
            for _, b in ipairs(buckets) do
              local all = redis.call('HGETALL', ns .. 'b:' .. b)
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

    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final RedisCommands<byte[], byte[]> redis;
    private final String address;
    private final byte[] namespace;
    private final byte[] indexKey;
    private final String writeSha;
    private final String scanSha;
    private volatile boolean closed;

    private RedisTileStore(RedisClient client, StatefulRedisConnection<byte[], byte[]> connection, String address,
                           String namespace) {
        this.client = client;
        this.connection = connection;
        this.redis = connection.sync();
        this.address = address;
        this.namespace = namespace.getBytes(StandardCharsets.UTF_8);
        this.indexKey = concat(this.namespace, "idx".getBytes(StandardCharsets.US_ASCII));
        this.writeSha = redis.scriptLoad(WRITE_SCRIPT);
        this.scanSha = redis.scriptLoad(SCAN_SCRIPT);
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
        RedisClient client = RedisClient.create(redisUri);
        // While disconnected, commands fail at once instead of queueing until their timeout: a
        // serving node answers 503 fast, and Lettuce reconnects in the background.
        client.setOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        try {
            StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
            try {
                return new RedisTileStore(client, connection, shown, namespace);
            } catch (RuntimeException e) {
                connection.close();
                throw e;
            }
        } catch (RedisException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            throw new StoreException("cannot connect to Redis at " + shown + ": " + rootMessage(e)
                    + "; is redis-server running there (redis-cli -h " + redisUri.getHost() + " -p " + redisUri.getPort()
                    + " ping)?", null, e);
        }
    }

    @Override
    public void write(WriteSet writes) {
        ensureOpen();
        if (writes.isEmpty()) {
            return;
        }
        Map<Bucket, Integer> buckets = new LinkedHashMap<>();
        List<byte[]> args = new ArrayList<>(writes.size() * 4 + 8);
        args.add(Integer.toString(writes.size()).getBytes(StandardCharsets.US_ASCII));
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
        }
        script(writeSha, WRITE_SCRIPT, ScriptOutputType.INTEGER, keys, args.toArray(new byte[0][]), "write");
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

    @Override
    public void scan(Space space, byte[] prefix, BiConsumer<byte[], byte[]> visitor) {
        ensureOpen();
        byte[] fieldPrefix = field(space, prefix);
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
        found.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
        for (byte[][] kv : found) {
            visitor.accept(kv[0], kv[1]);
        }
    }

    @Override
    public long approximateSizeBytes() {
        ensureOpen();
        try {
            String info = redis.info("memory");
            for (String line : info.split("\r?\n")) {
                if (line.startsWith("used_memory:")) {
                    return Long.parseLong(line.substring("used_memory:".length()).trim());
                }
            }
            return 0;
        } catch (RedisException e) {
            throw failure("read the memory figures of", e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
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
        return new StoreException("Redis at " + address + " failed to " + what + " tiles: " + rootMessage(e)
                + "; check that redis-server is up and has memory left (redis-cli -h ... info)", null, e);
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
    private static final byte[] BUCKET_TAG = "b:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] P = {'p'};
    private static final byte[] D = {'d'};

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
