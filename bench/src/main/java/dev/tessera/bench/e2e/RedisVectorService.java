package dev.tessera.bench.e2e;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The hand-made serving design that {@link ServingComparisonBench} measures Tessera against: a
 * batch or streaming job precomputes each account's feature vector and writes it to Redis, one value
 * per account, already serialized as the HTTP answer's JSON; a small HTTP service answers
 * {@code GET /v1/features/{group}/{id}} with one Redis {@code GET} of {@code fv:{group}:{id}}
 * ({@link #key}) and writes the bytes as they are. Nothing is parsed, merged or serialized per
 * request: the least work a feature read over HTTP can do, which is why teams build it this way.
 *
 * <h2>Written for low latency, as such services are</h2>
 * <ul>
 *   <li><b>HTTP</b>: Netty, native epoll when available (NIO otherwise), HTTP/1.1 keep-alive, one
 *       event loop per core, {@code TCP_NODELAY}: the same stack and settings as Tessera's own
 *       server, so the comparison is of what happens per request, not of HTTP libraries. No
 *       aggregator: a {@code GET} has no body, the answer goes out from the request head.</li>
 *   <li><b>Redis</b>: Lettuce's asynchronous API; nothing blocks an event loop (the answer is
 *       written from the command's completion). Lettuce recommends one shared connection: it is
 *       thread-safe and pipelines the commands of all threads automatically. Its connections run on
 *       Lettuce's own I/O threads, though, so a request crosses threads twice (HTTP loop to Lettuce's
 *       thread for the {@code GET}, back for the answer), each a queue hand-off and a wake-up. Here
 *       Lettuce is given the HTTP server's event loops ({@link EventLoopGroupProvider}) and one
 *       connection per loop, and each HTTP connection uses the Redis connection of its own loop:
 *       reading the request, writing the {@code GET}, reading the reply and writing the answer happen
 *       on one thread, as in Netty's proxy example (the outbound channel on the inbound channel's
 *       loop). A small pool, which the measurement justified: on the 2-vCPU machine at 10,000
 *       requests/s ({@code ServingComparisonBench --smoke --servers redis-vectors --rates 10000,10000
 *       --warmup 20 --seconds 15}, quiet machine, 2026-11-27), p50 and the server side's CPU per
 *       request (service JVM plus Redis) were: one shared connection on Lettuce's threads (its
 *       default) 214-225 µs, 88-90 µs; one connection on the HTTP loops 233-237 µs, 73-76 µs; two on
 *       Lettuce's threads 181-189 µs, 63-67 µs; one per HTTP loop 158-174 µs, 52-58 µs. The p99s were
 *       within this machine's noise of each other (670-1,000 µs). {@code --redis-connections 1
 *       --share-event-loops false} is Lettuce's default arrangement. Answers to HTTP requests
 *       pipelined on one connection stay in order: an HTTP connection keeps one Redis connection,
 *       whose commands Redis answers in order. After a reconnect a Redis connection may sit on
 *       another loop: answers then cross threads again, nothing else changes.</li>
 *   <li><b>Values</b>: {@link ByteArrayCodec}: the value is copied once out of Lettuce's read buffer
 *       (which it reuses) and wrapped, not copied again, as the answer's body.</li>
 *   <li><b>Failures</b>: 404 JSON for an unknown id or path, 405 for other methods than
 *       {@code GET}; while Redis is unreachable commands fail at once (Lettuce's
 *       {@code REJECT_COMMANDS}, reconnecting in the background) and a command times out after
 *       {@value #TIMEOUT_MILLIS} ms: 503 JSON either way, never a hung request.</li>
 * </ul>
 *
 * <h2>Scoring (with {@code --models})</h2>
 * The same design for a model: {@code POST /v1/score/{model}} with {@code {"entity": {"<key>": "<id>"}}}
 * reads the account's precomputed model input ({@code mi:{model}:{id}}, written by
 * {@link ScoreVectors}: the version its experiment variant uses, the encoded row, the rest of the
 * answer pre-serialized), scores the row with that version ({@link HandWrittenModels}: XGBoost4J for
 * the trees) on the event loop that read it, and answers {@code {"score": S, ...}}. The variant is
 * precomputed with the row (a unit's variant is fixed, so the job can store it); Tessera assigns it
 * per request.
 *
 * <p>Run on its own: {@code java -cp bench/target/benchmarks.jar dev.tessera.bench.e2e.RedisVectorService
 * --port-file FILE --redis redis://127.0.0.1:6379 [--port 0] [--redis-connections N] [--share-event-loops true]
 * [--models name:version:format:path,...]}
 * (default: one connection per event loop, on the loops): writes the
 * port it serves on to {@code FILE} and serves until its standard input ends.
 */
final class RedisVectorService implements AutoCloseable {
    /** Longest wait for one Redis answer before the request is answered with 503. */
    static final int TIMEOUT_MILLIS = 1_000;
    private static final String PATH_PREFIX = "/v1/features/";
    private static final String SCORE_PREFIX = "/v1/score/";
    /** Largest scoring request body read; larger ones are answered 413. */
    private static final int MAX_BODY_BYTES = 16 * 1024;
    private static final byte[] SCORE_START = "{\"score\":".getBytes(StandardCharsets.US_ASCII);
    private static final JsonFactory JSON = new JsonFactory();
    private static final AsciiString JSON_TYPE = AsciiString.cached("application/json; charset=utf-8");

    private final EventLoopGroup group;
    private final Channel channel;
    private final RedisClient client;
    private final ClientResources resources;
    private final List<StatefulRedisConnection<byte[], byte[]>> connections;

    private RedisVectorService(EventLoopGroup group, Channel channel, RedisClient client, ClientResources resources,
                               List<StatefulRedisConnection<byte[], byte[]>> connections) {
        this.group = group;
        this.channel = channel;
        this.client = client;
        this.resources = resources;
        this.connections = connections;
    }

    /** The Redis key of one entity's vector: {@code fv:{group}:{id}}, the id as UTF-8. */
    static byte[] key(String group, String id) {
        return ("fv:" + group + ":" + id).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Serves on {@code host:port} (0: any free port), reading {@code redisUri} over
     * {@code redisConnections} connections. {@code shareLoops}: Lettuce's connections live on the
     * HTTP server's event loops instead of Lettuce's own, and each HTTP connection uses a Redis
     * connection on its own loop when there is one (see the class comment).
     */
    static RedisVectorService start(String host, int port, String redisUri, int redisConnections, boolean shareLoops,
                                    HandWrittenModels models) throws InterruptedException {
        if (redisConnections < 1) {
            throw new IllegalArgumentException("--redis-connections " + redisConnections + " must be at least 1");
        }
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors()),
                r -> {
                    Thread t = new Thread(r, "vectors-http");
                    t.setDaemon(true);
                    return t;
                }, io);
        AtomicReference<EventLoop> lastRedisLoop = new AtomicReference<>();
        ClientResources resources = shareLoops
                ? DefaultClientResources.builder().eventLoopGroupProvider(new ServerLoops(group))
                        .nettyCustomizer(new NettyCustomizer() {
                            @Override
                            public void afterChannelInitialized(Channel ch) {
                                lastRedisLoop.set(ch.eventLoop());
                            }
                        }).build()
                : DefaultClientResources.create();
        RedisURI uri = RedisURI.create(redisUri);
        uri.setTimeout(Duration.ofMillis(TIMEOUT_MILLIS));
        RedisClient client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofMillis(TIMEOUT_MILLIS))).build());
        List<StatefulRedisConnection<byte[], byte[]>> connections = new ArrayList<>();
        List<RedisAsyncCommands<byte[], byte[]>> commands = new ArrayList<>();
        Map<EventLoop, RedisAsyncCommands<byte[], byte[]>> byLoop = new HashMap<>();
        try {
            for (int i = 0; i < redisConnections; i++) {
                StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE);
                connections.add(c);
                commands.add(c.async());
                if (shareLoops) {
                    byLoop.putIfAbsent(lastRedisLoop.get(), c.async());
                }
            }
            AtomicInteger next = new AtomicInteger();
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            RedisAsyncCommands<byte[], byte[]> redis = byLoop.get(c.eventLoop());
                            if (redis == null) {
                                redis = commands.get(Math.floorMod(next.getAndIncrement(), commands.size()));
                            }
                            c.pipeline().addLast(new HttpServerCodec()).addLast(new VectorHandler(redis, models));
                        }
                    })
                    .bind(new InetSocketAddress(host, port)).sync().channel();
            System.out.printf("Redis connections: %d on %s event loops%s%n", connections.size(), shareLoops ? "the HTTP server's"
                    : "Lettuce's own", shareLoops ? ", " + byLoop.size() + " of " + group.executorCount() + " loops with their own" : "");
            return new RedisVectorService(group, ch, client, resources, connections);
        } catch (RuntimeException | InterruptedException e) {
            connections.forEach(StatefulRedisConnection::close);
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Hands Lettuce the HTTP server's event loops; the server owns them, so Lettuce's release and shutdown leave them alone. */
    private record ServerLoops(MultiThreadIoEventLoopGroup group) implements EventLoopGroupProvider {
        @Override
        public <T extends EventLoopGroup> T allocate(Class<T> type) {
            if (!type.isInstance(group)) {
                throw new IllegalStateException("Lettuce asked for a " + type.getName() + "; the HTTP server's loops are a "
                        + group.getClass().getName());
            }
            return type.cast(group);
        }

        @Override
        public int threadPoolSize() {
            return group.executorCount();
        }

        @Override
        public Future<Boolean> release(EventExecutorGroup eventLoopGroup, long quietPeriod, long timeout, TimeUnit unit) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
        }

        @Override
        public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit timeUnit) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
        }
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        connections.forEach(StatefulRedisConnection::close);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One HTTP connection's requests: one Redis {@code GET} each, answered when it completes. */
    private static final class VectorHandler extends ChannelInboundHandlerAdapter {
        private final RedisAsyncCommands<byte[], byte[]> redis;
        private final HandWrittenModels models;
        /** A scoring request whose body is being read, its model, and the body so far. */
        private HttpRequest scoring;
        private String scoringModel;
        private byte[] body = new byte[256];
        private int bodyLength;
        private boolean bodyTooLarge;

        VectorHandler(RedisAsyncCommands<byte[], byte[]> redis, HandWrittenModels models) {
            this.redis = redis;
            this.models = models;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest req) {
                    handle(ctx, req);
                }
                if (msg instanceof HttpContent content && scoring != null) {
                    ByteBuf bytes = content.content();
                    int n = bytes.readableBytes();
                    if (bodyLength + n > MAX_BODY_BYTES) {
                        bodyTooLarge = true;
                    } else {
                        if (bodyLength + n > body.length) {
                            body = java.util.Arrays.copyOf(body, Math.max(body.length * 2, bodyLength + n));
                        }
                        bytes.getBytes(bytes.readerIndex(), body, bodyLength, n);
                        bodyLength += n;
                    }
                    if (msg instanceof LastHttpContent) {
                        HttpRequest req = scoring;
                        scoring = null;
                        score(ctx, req);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg); // bodies are copied out when read (scoring), ignored otherwise
            }
        }

        private void handle(ChannelHandlerContext ctx, HttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (req.decoderResult().isFailure()) {
                write(ctx, error(HttpResponseStatus.BAD_REQUEST, "bad_request", "the request could not be read"), false, req);
                return;
            }
            String path = req.uri();
            int query = path.indexOf('?');
            if (query >= 0) {
                path = path.substring(0, query);
            }
            if (models != null && path.startsWith(SCORE_PREFIX) && path.length() > SCORE_PREFIX.length()) {
                if (!HttpMethod.POST.equals(req.method())) {
                    write(ctx, error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "scores are POSTed"), keepAlive, req);
                    return;
                }
                scoring = req; // answered when the body has been read
                scoringModel = path.substring(SCORE_PREFIX.length());
                bodyLength = 0;
                bodyTooLarge = false;
                return;
            }
            if (!HttpMethod.GET.equals(req.method())) {
                write(ctx, error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "only GET is served"), keepAlive, req);
                return;
            }
            int slash = path.indexOf('/', PATH_PREFIX.length());
            if (!path.startsWith(PATH_PREFIX) || slash < 0 || slash == PATH_PREFIX.length() || slash == path.length() - 1
                    || path.indexOf('/', slash + 1) >= 0) {
                write(ctx, error(HttpResponseStatus.NOT_FOUND, "not_found", "serving GET /v1/features/{group}/{id} only"), keepAlive, req);
                return;
            }
            String group = path.substring(PATH_PREFIX.length(), slash);
            String id = path.substring(slash + 1);
            if (id.indexOf('%') >= 0) {
                id = QueryStringDecoder.decodeComponent(id);
            }
            answer(ctx, req, keepAlive, redis.get(key(group, id)), "no feature vector for " + group + " '" + id + "'",
                    bytes -> response(HttpResponseStatus.OK, Unpooled.wrappedBuffer(bytes)));
        }

        /** Answers {@code req} when {@code value} completes: 503 when Redis failed, 404 ({@code notFound}) for no value. */
        private static void answer(ChannelHandlerContext ctx, HttpRequest req, boolean keepAlive, RedisFuture<byte[]> value,
                                   String notFound, java.util.function.Function<byte[], FullHttpResponse> found) {
            value.whenComplete((bytes, failure) -> {
                FullHttpResponse res;
                if (failure != null) {
                    res = error(HttpResponseStatus.SERVICE_UNAVAILABLE, "store_unavailable", "Redis did not answer: " + failure);
                } else if (bytes == null) {
                    res = error(HttpResponseStatus.NOT_FOUND, "not_found", notFound);
                } else {
                    res = found.apply(bytes);
                }
                write(ctx, res, keepAlive, req);
            });
        }

        /** One score: the entity's id from the body, one Redis {@code GET} of its model input, the model, the answer. */
        private void score(ChannelHandlerContext ctx, HttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (bodyTooLarge) {
                write(ctx, error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", "the body is over " + MAX_BODY_BYTES
                        + " bytes"), false, req);
                return;
            }
            String id;
            try {
                id = entityId(body, bodyLength);
            } catch (IOException e) {
                id = null;
            }
            if (id == null) {
                write(ctx, error(HttpResponseStatus.BAD_REQUEST, "bad_request", "expected {\"entity\": {\"<key>\": \"<id>\"}}"),
                        keepAlive, req);
                return;
            }
            String model = scoringModel;
            answer(ctx, req, keepAlive, redis.get(ScoreVectors.key(model, id)), "no model input of " + model + " for '" + id + "'",
                    bytes -> scored(model, bytes));
        }

        /** The answer for a stored model input: {@code [int version][int n][n doubles]} then the answer after its score. */
        private FullHttpResponse scored(String model, byte[] stored) {
            ByteBuffer in = ByteBuffer.wrap(stored);
            int version = in.getInt();
            HandWrittenModels.Scorer scorer = models.get(model, version);
            if (scorer == null) {
                return error(HttpResponseStatus.NOT_FOUND, "not_found", "no model " + model + " version " + version);
            }
            double[] row = new double[in.getInt()];
            for (int i = 0; i < row.length; i++) {
                row[i] = in.getDouble();
            }
            byte[] score = Double.toString(scorer.score(row)).getBytes(StandardCharsets.US_ASCII);
            ByteBuf out = Unpooled.buffer(SCORE_START.length + score.length + in.remaining());
            out.writeBytes(SCORE_START).writeBytes(score).writeBytes(stored, in.position(), in.remaining());
            return response(HttpResponseStatus.OK, out);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The first string value inside the body's {@code entity} object (its key), or null. */
    static String entityId(byte[] body, int length) throws IOException {
        try (JsonParser p = JSON.createParser(body, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("entity") && value == JsonToken.START_OBJECT) {
                    return p.nextToken() == JsonToken.FIELD_NAME && p.nextToken() == JsonToken.VALUE_STRING ? p.getText() : null;
                }
                p.skipChildren();
            }
            return null;
        }
    }

    private static FullHttpResponse response(HttpResponseStatus status, ByteBuf body) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, JSON_TYPE).setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return res;
    }

    private static FullHttpResponse error(HttpResponseStatus status, String code, String message) {
        String body = "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + jsonEscape(message) + "\"}}";
        return response(status, Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8)));
    }

    private static String jsonEscape(String s) {
        return new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(s));
    }

    /** Keep-alive as HTTP/1.1 says (HTTP/1.0 clients asked for it are told so); otherwise the answer ends the connection. */
    private static void write(ChannelHandlerContext ctx, FullHttpResponse res, boolean keepAlive, HttpRequest req) {
        if (keepAlive) {
            if (!req.protocolVersion().isKeepAliveDefault()) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            ctx.writeAndFlush(res, ctx.voidPromise());
        } else {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Writes {@code values} (id to value) under {@code keyOf(id)}: the job side of the design
     * ({@link #key} for feature vectors, {@link ScoreVectors#key} for model inputs). Pipelined in
     * batches of 1,000; returns how many were written.
     */
    static int store(String redisUri, Map<String, byte[]> values, java.util.function.Function<String, byte[]> keyOf) throws Exception {
        RedisClient client = RedisClient.create(redisUri);
        try (StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE)) {
            RedisAsyncCommands<byte[], byte[]> async = c.async();
            c.setAutoFlushCommands(false);
            List<RedisFuture<String>> pending = new ArrayList<>();
            int n = 0;
            for (Map.Entry<String, byte[]> e : values.entrySet()) {
                pending.add(async.set(keyOf.apply(e.getKey()), e.getValue()));
                n++;
                if (pending.size() == 1_000 || n == values.size()) {
                    c.flushCommands();
                    for (RedisFuture<String> f : pending) {
                        String ok = f.get(30, TimeUnit.SECONDS);
                        if (!"OK".equals(ok)) {
                            throw new IllegalStateException("SET of a precomputed value answered " + ok);
                        }
                    }
                    pending.clear();
                }
            }
            return values.size();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** {@code --port-file FILE --redis URI [--port P] [--host H] [--redis-connections N] [--models SPEC]}: see the class comment. */
    public static void main(String[] args) throws Exception {
        ServingLatencyBench.Args a = new ServingLatencyBench.Args(args);
        String portFile = a.string("--port-file", null);
        String redis = a.string("--redis", null);
        String host = a.string("--host", "127.0.0.1");
        int port = a.integer("--port", 0);
        int redisConnections = a.integer("--redis-connections", Math.max(1, Runtime.getRuntime().availableProcessors()));
        boolean shareLoops = a.bool("--share-event-loops", true);
        String modelSpec = a.string("--models", null);
        a.rejectUnknown();
        if (portFile == null || redis == null) {
            throw new IllegalArgumentException("--port-file FILE and --redis URI are required");
        }
        try (HandWrittenModels models = modelSpec == null ? null : HandWrittenModels.load(modelSpec);
             RedisVectorService service = start(host, port, redis, redisConnections, shareLoops, models)) {
            ServerProcess.writePort(Path.of(portFile), service.port());
            System.out.printf("Redis vector service on %s:%d (%s), reading %s (Lettuce, async); serving until standard input"
                    + " closes%n", host, service.port(), Epoll.isAvailable() ? "epoll" : "nio", redis);
            while (System.in.read() >= 0) {
                // the parent writes nothing; end of input is the signal to stop
            }
        }
    }
}
