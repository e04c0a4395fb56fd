package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tessera.api.TesseraException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP server: Netty with native epoll when available (NIO otherwise), HTTP/1.1 keep-alive,
 * one event loop thread per core. Why Netty: see docs/adr/006-http-stack.md.
 *
 * <h2>Limits (SPEC §9)</h2>
 * Request line 8 KiB (414 beyond), headers 16 KiB (431 beyond), body {@code maxBodyBytes} (413),
 * each refusal a JSON error; connections idle for 120 s are closed. Entity and event counts are
 * limited by {@link FeatureQueries} and {@link EventPusher}.
 */
public final class ServingServer implements AutoCloseable {
    /** Default body limit: 4 MiB (a push of 10,000 small events fits). */
    public static final int DEFAULT_MAX_BODY_BYTES = 4 << 20;
    /** Longest request line (method, path and query, version): 414 beyond. */
    static final int MAX_REQUEST_LINE_BYTES = 8192;
    /** Largest header block: 431 beyond. */
    static final int MAX_HEADER_BYTES = 16384;
    /** How long a connection ended after a request that was not read to its end keeps reading: see {@link #answerThenClose}. */
    private static final int LINGER_SECONDS = 5;

    private final EventLoopGroup group;
    private final Channel channel;
    private final ExecutorService pushExecutor;
    private final int port;

    private ServingServer(EventLoopGroup group, Channel channel, ExecutorService pushExecutor, int port) {
        this.group = group;
        this.channel = channel;
        this.pushExecutor = pushExecutor;
        this.port = port;
    }

    /** The JSON mapper for request bodies: duplicate keys and deep nesting are errors. */
    public static ObjectMapper requestMapper() {
        JsonMapper mapper = JsonMapper.builder()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // pushed events are re-serialized: keep numbers as written (1e400 must not become "Infinity")
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64).maxNumberLength(100).maxStringLength(1 << 20).build());
        return mapper;
    }

    /**
     * The 400 for a number {@link #requestMapper} cannot hold: it reads decimals as BigDecimal, whose
     * exponent is an int, and Jackson throws a NumberFormatException (not a parse error) beyond it
     * ({@code 1E+2147483648}).
     */
    static ApiException numberOutOfRange(NumberFormatException e) {
        return ApiException.badRequest("bad_json", "the body holds a number that cannot be read: " + e.getMessage(),
                "write numbers with an exponent between -2147483647 and 2147483647 (or as strings)");
    }

    /** Starts serving {@code api} on {@code host:port} (port 0: any free port). */
    public static ServingServer start(String host, int port, int maxBodyBytes, ServingApi api) {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors()),
                r -> {
                    Thread t = new Thread(r, "tessera-http");
                    t.setDaemon(true);
                    return t;
                }, io);
        ExecutorService pushExecutor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "tessera-push");
            t.setDaemon(true);
            return t;
        });
        HttpApi handler = new HttpApi(api.parts(pushExecutor));
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline()
                                    .addLast(new ReadTimeoutHandler(120))
                                    .addLast(new HttpServerCodec(new HttpDecoderConfig()
                                            .setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES)
                                            .setMaxHeaderSize(MAX_HEADER_BYTES)
                                            .setMaxChunkSize(65536)))
                                    .addLast(new JsonLimitAggregator(maxBodyBytes))
                                    .addLast(handler);
                        }
                    })
                    .bind(new InetSocketAddress(host, port)).sync().channel();
            int bound = ((InetSocketAddress) ch.localAddress()).getPort();
            return new ServingServer(group, ch, pushExecutor, bound);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully();
            pushExecutor.shutdownNow();
            throw new TesseraException("interrupted while starting the HTTP server");
        } catch (Exception e) { // Netty's sync() rethrows the bind failure (a checked BindException) as is
            group.shutdownGracefully();
            pushExecutor.shutdownNow();
            if (e instanceof BindException || e.getCause() instanceof BindException) {
                throw new TesseraException("port " + port + " on " + host + " is already in use; stop the other process"
                        + " or pass --port with a free port");
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new TesseraException("could not start the HTTP server on " + host + ":" + port + ": " + e);
        }
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        pushExecutor.shutdown();
        try {
            pushExecutor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Answers, then ends a connection whose request was not read to its end (a body over the limit,
     * a request line or header block the decoder gave up on). Closing at once, with the rest of the
     * request still arriving, makes the kernel reset the connection, and a reset can destroy the
     * answer before the client reads it (a client sending 4 MiB saw "connection reset" instead of
     * the 413 about one time in four; one sending a 1 MiB URL saw it instead of the 414). So: answer
     * with {@code Connection: close}, stop writing, and keep reading what the client still sends
     * (the caller's decoder or aggregator drops it) until it closes, for at most
     * {@value #LINGER_SECONDS} s.
     */
    static void answerThenClose(ChannelHandlerContext ctx, FullHttpResponse res) {
        HttpUtil.setContentLength(res, res.content().readableBytes());
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(res).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && f.channel() instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
                f.channel().eventLoop().schedule(() -> f.channel().close(), LINGER_SECONDS, TimeUnit.SECONDS);
            } else {
                f.channel().close();
            }
        });
    }

    /**
     * Answers a body over the limit with the API's JSON 413 instead of Netty's empty one, such that
     * the client gets to read it. When Content-Length announced the size and nothing was read yet,
     * answer and keep the connection (the aggregator skips the body as it arrives, as Netty's own
     * handler does); when part of the body was read (chunked) or the client asked to close,
     * {@link #answerThenClose}.
     */
    private static final class JsonLimitAggregator extends HttpObjectAggregator {
        private final int max;

        JsonLimitAggregator(int max) {
            super(max);
            this.max = max;
        }

        /**
         * {@code Expect: 100-continue} (the aggregator answers it): a body announced over the limit
         * gets the JSON 413 at once instead of "100 Continue", so the client never sends it.
         */
        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength, io.netty.channel.ChannelPipeline pipeline) {
            if (HttpUtil.is100ContinueExpected(start) && HttpUtil.getContentLength(start, -1L) > maxContentLength) {
                var res = HttpApi.error(new ApiException(413, "body_too_large", "the request body is larger than " + max
                        + " bytes", "send smaller requests (split pushes and batches)"));
                res.headers().set(HttpApi.REQUEST_ID, HttpApi.requestId(start.headers()));
                HttpUtil.setContentLength(res, res.content().readableBytes());
                // closed after: the request's framing still says a body follows, which the client may or may not send
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                return res;
            }
            return super.newContinueResponse(start, maxContentLength, pipeline);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            var res = HttpApi.error(new ApiException(413, "body_too_large", "the request body is larger than " + max + " bytes",
                    "send smaller requests (split pushes and batches)"));
            res.headers().set(HttpApi.REQUEST_ID, HttpApi.requestId(oversized.headers()));
            if (!(oversized instanceof FullHttpMessage) && HttpUtil.isKeepAlive(oversized)) {
                HttpApi.write(ctx, res, true);
                return;
            }
            answerThenClose(ctx, res);
        }
    }
}
