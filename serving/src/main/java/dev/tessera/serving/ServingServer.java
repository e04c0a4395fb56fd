package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tessera.api.TesseraException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
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
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.AttributeKey;
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
 *
 * <h2>Closing (RFC 9112 §9.6)</h2>
 * An answer that says {@code Connection: close} is the last: the server closes after it and
 * processes nothing it reads after it ({@link #closing}), not even requests pipelined behind it
 * in the same packet, so a client that retries what was not answered never has it done twice. A
 * client may end its side of the connection after its last request (a half-close, as
 * {@code nc -N} does): every request read before is still answered, a push too, and then the
 * connection is closed ({@link ChannelOption#ALLOW_HALF_CLOSURE}).
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
    /** Set on a connection once an answer that closes it is written: nothing read after is processed. */
    private static final AttributeKey<Boolean> CLOSING = AttributeKey.valueOf("tessera.closing");

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

    /**
     * A body that is not JSON: where and what, in the parser's words without its internals (Jackson's
     * messages can embed "[Source: REDACTED (StreamReadFeature...); line: 1, column: 9]").
     */
    static ApiException notJson(com.fasterxml.jackson.core.JsonProcessingException e, String hint) {
        com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
        String what = String.valueOf(e.getOriginalMessage()).replaceAll("\\s*\\[Source: [^\\]]*?line: (\\d+), column: (\\d+)\\]",
                " (line $1, column $2)").replaceAll("\\s*\\[Source: [^\\]]*\\]", "");
        return ApiException.badRequest("bad_json", "the body is not valid JSON"
                + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()) + ": " + what, hint);
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
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true) // a client's half-close ends input only: HttpApi closes
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
            if (addressInUse(e)) {
                throw portInUse(host, port);
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new TesseraException("could not start the HTTP server on " + host + ":" + port + ": " + e);
        }
    }

    /**
     * Fails as {@link #start} would when {@code port} on {@code host} cannot be bound (0: any port, always free):
     * for a caller that must know before it changes anything.
     */
    public static void requireFree(String host, int port) {
        if (port == 0) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (java.io.IOException e) {
            throw portInUse(host, port);
        }
    }

    private static TesseraException portInUse(String host, int port) {
        return new TesseraException("port " + port + " on " + host + " is already in use; stop the other process or pass --port"
                + " with a free port");
    }

    /** A JDK {@link BindException} or Netty's native epoll one (an {@code IOException} naming EADDRINUSE), anywhere in the chain. */
    static boolean addressInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
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
     * Writes the last answer of a connection and ends it in stages (RFC 9112 §9.6): every answer
     * that says {@code Connection: close}, and the refusals of requests that were not read to their
     * end (a body over the limit, a request line or header block the decoder gave up on). Closing at
     * once, with more of the client's bytes still arriving (the rest of a body, requests pipelined
     * behind), makes the kernel reset the connection, and a reset can destroy the answer before the
     * client reads it (a client sending 4 MiB saw "connection reset" instead of the 413 about one
     * time in four; one sending a 1 MiB URL saw it instead of the 414). So: answer with
     * {@code Connection: close}, stop writing, and keep reading what the client still sends (it is
     * dropped: see {@link #closing}) until it closes, for at most {@value #LINGER_SECONDS} s.
     */
    static void answerThenClose(ChannelHandlerContext ctx, FullHttpResponse res) {
        markClosing(ctx.channel());
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

    /** Marks {@code channel} as answered for the last time (its answer says {@code Connection: close}). */
    static void markClosing(Channel channel) {
        channel.attr(CLOSING).set(Boolean.TRUE);
    }

    /** Whether the last answer of {@code channel} is written: what is read after it is dropped unprocessed. */
    static boolean closing(Channel channel) {
        return Boolean.TRUE.equals(channel.attr(CLOSING).get());
    }

    /**
     * A request refused before its body was read ({@link JsonLimitAggregator}), passed on to
     * {@link HttpApi} as a request the decoder gave up on, with this as the cause, so that it is
     * answered in turn: after the requests before it on the connection, a push among them. (Written
     * from the aggregator, a refusal went out before the answer to a push pipelined ahead of it.)
     * {@code keepAlive}: the connection may serve the next request, since the body, announced by
     * its length, is skipped as it arrives; otherwise the answer ends the connection.
     */
    static final class RefusedBeforeBody extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient ApiException refusal;
        private final boolean keepAlive;

        RefusedBeforeBody(ApiException refusal, boolean keepAlive) {
            super(refusal.getMessage(), null, false, false);
            this.refusal = refusal;
            this.keepAlive = keepAlive;
        }

        ApiException refusal() {
            return refusal;
        }

        boolean keepAlive() {
            return keepAlive;
        }
    }

    /**
     * The aggregator, refusing as the API does (JSON errors) and through it ({@link RefusedBeforeBody}),
     * where Netty's would answer with an empty body at once. A body over the limit is a 413: when
     * Content-Length announced the size and nothing was read yet, the connection serves the next
     * request (the aggregator skips the body as it arrives, as Netty's own handler does); when part of
     * the body was read (chunked) or the client asked to close, it ends ({@link #answerThenClose}).
     */
    private static final class JsonLimitAggregator extends HttpObjectAggregator {
        /** What {@link #newContinueResponse} returns for a refusal: an empty buffer the encoder passes as nothing; the body is skipped. */
        private static final Object REFUSED = Unpooled.EMPTY_BUFFER;
        private final int max;

        JsonLimitAggregator(int max) {
            super(max);
            this.max = max;
        }

        /**
         * {@code Expect}. {@code 100-continue} with a body announced over the limit is refused with
         * the 413 instead of "100 Continue", so the client need not send the body; any other
         * expectation of an HTTP/1.1 request is refused with a 417. Either refusal ends the
         * connection: the request's framing still says a body follows, which the client may or may
         * not send, so nothing after it could be told apart from it. (Netty's own 417 reset its
         * decoder, so a body sent anyway was read as the next request, one that a proxy in front saw
         * as part of this one.) Whatever body comes is skipped.
         */
        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength, io.netty.channel.ChannelPipeline pipeline) {
            String expect = start.headers().get(HttpHeaderNames.EXPECT);
            ApiException refusal = null;
            if (expect != null && start.protocolVersion().compareTo(HttpVersion.HTTP_1_1) >= 0
                    && !expect.equalsIgnoreCase(HttpHeaderValues.CONTINUE.toString())) {
                refusal = new ApiException(417, "expectation_failed", "the expectation '" + expect + "' cannot be met",
                        "send Expect: 100-continue, or no Expect header");
            } else if (HttpUtil.is100ContinueExpected(start) && HttpUtil.getContentLength(start, -1L) > maxContentLength) {
                refusal = tooLarge();
            }
            if (refusal == null) {
                return super.newContinueResponse(start, maxContentLength, pipeline);
            }
            refuse(pipeline.context(this), start, refusal, false);
            return REFUSED;
        }

        @Override
        protected boolean ignoreContentAfterContinueResponse(Object msg) {
            return msg == REFUSED || super.ignoreContentAfterContinueResponse(msg);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            refuse(ctx, oversized, tooLarge(), !(oversized instanceof FullHttpMessage) && HttpUtil.isKeepAlive(oversized));
        }

        private ApiException tooLarge() {
            return new ApiException(413, "body_too_large", "the request body is larger than " + max + " bytes",
                    "send smaller requests (split pushes and batches)");
        }

        private static void refuse(ChannelHandlerContext ctx, HttpMessage start, ApiException refusal, boolean keepAlive) {
            HttpRequest head = (HttpRequest) start;
            DefaultFullHttpRequest refused = new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
                    Unpooled.EMPTY_BUFFER, head.headers().copy(), EmptyHttpHeaders.INSTANCE);
            refused.setDecoderResult(DecoderResult.failure(new RefusedBeforeBody(refusal, keepAlive)));
            ctx.fireChannelRead(refused);
        }
    }
}
