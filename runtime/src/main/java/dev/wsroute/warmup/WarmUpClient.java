package dev.wsroute.warmup;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLException;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * The warm-up's clients: WebSocket sessions as a reconnect storm makes them (connect, upgrade, one 64-byte message
 * echoed, Close 1000, close), a few at a time, over TLS too where asked (a full handshake each, trusting only the
 * warm-up's own certificate), and plain GETs on keep-alive connections, until the counts asked for are done. Netty's
 * own client codecs.
 */
final class WarmUpClient {
    /** Sessions under way at once (plain, and over TLS), and keep-alive connections for the requests. */
    static final int SESSION_WORKERS = 16;
    static final int TLS_SESSION_WORKERS = 4;
    static final int HTTP_CONNECTIONS = 4;
    /** A data plane that fails this many is not one to warm: the warm-up gives up. */
    static final int MAX_FAILURES = 100;
    private static final String MESSAGE = "w".repeat(64);
    private static final byte[] MESSAGE_BYTES = MESSAGE.getBytes(StandardCharsets.US_ASCII);

    /** What was done, and the first failure, if any. */
    record Counts(int sessions, int tlsSessions, int requests, int failures, String firstFailure) {
    }

    /** The TLS listener of the data plane being warmed, and the one certificate to trust there. */
    record Tls(int port, X509Certificate certificate) {
    }

    /** Sessions of one kind: where they go, with TLS or not, how many are left and how many were done. */
    private record Sessions(InetSocketAddress target, SslContext tls, URI uri, URI queried, AtomicInteger left, AtomicInteger done) {
        /** Named as clients name a host (the host match and, over TLS, the SNI look-up run); connected to {@code target}. */
        static Sessions to(InetSocketAddress target, SslContext tls) {
            String uri = (tls == null ? "ws://" : "wss://") + WarmUp.HOST + ":" + target.getPort() + "/warm-up";
            return new Sessions(target, tls, URI.create(uri), URI.create(uri + "?client=warm-up"), new AtomicInteger(), new AtomicInteger());
        }
    }

    private final Bootstrap bootstrap;
    private final InetSocketAddress target;
    private final Sessions plain;
    private final Sessions secure;
    private final AtomicInteger requestsLeft = new AtomicInteger();
    private final AtomicInteger requestsDone = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private final AtomicInteger workers = new AtomicInteger();
    private final CompletableFuture<Counts> done = new CompletableFuture<>();

    /** @param tls the data plane's TLS listener, or null: no sessions over TLS */
    WarmUpClient(EventLoopGroup group, InetSocketAddress target, Tls tls) throws SSLException {
        this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true);
        this.target = target;
        this.plain = Sessions.to(target, null);
        this.secure = tls == null ? null
                : Sessions.to(new InetSocketAddress(target.getAddress(), tls.port()),
                        SslContextBuilder.forClient().trustManager(tls.certificate()).build());
    }

    /**
     * Runs {@code sessions} sessions, {@code tlsSessions} over TLS (it must have been given a TLS listener for them)
     * and {@code requests} requests; completes when all are done or failed.
     */
    CompletableFuture<Counts> run(int sessions, int tlsSessions, int requests) {
        if (tlsSessions > 0 && secure == null) {
            throw new IllegalArgumentException("wss:// sessions asked for, and no TLS listener given");
        }
        plain.left.set(sessions);
        int sessionWorkers = Math.min(SESSION_WORKERS, sessions);
        int tlsWorkers = Math.min(TLS_SESSION_WORKERS, tlsSessions);
        if (tlsWorkers > 0) {
            secure.left.set(tlsSessions);
        }
        requestsLeft.set(requests);
        int httpWorkers = Math.min(HTTP_CONNECTIONS, requests);
        workers.set(sessionWorkers + tlsWorkers + httpWorkers);
        if (workers.get() == 0) {
            done.complete(counts());
        }
        for (int i = 0; i < sessionWorkers; i++) {
            nextSession(plain);
        }
        for (int i = 0; i < tlsWorkers; i++) {
            nextSession(secure);
        }
        for (int i = 0; i < httpWorkers; i++) {
            nextHttpConnection();
        }
        return done;
    }

    private Counts counts() {
        return new Counts(plain.done.get(), secure == null ? 0 : secure.done.get(), requestsDone.get(), failures.get(), firstFailure.get());
    }

    /** A worker whose share is done (or that met too many failures) stops; the last one completes the run. */
    private void workerDone() {
        if (workers.decrementAndGet() == 0) {
            done.complete(counts());
        }
    }

    private void failed(Throwable cause) {
        firstFailure.compareAndSet(null, String.valueOf(cause));
        failures.incrementAndGet();
    }

    private boolean stopped() {
        return done.isDone() || failures.get() >= MAX_FAILURES;
    }

    private void nextSession(Sessions kind) {
        int ticket = kind.left.getAndDecrement();
        if (stopped() || ticket <= 0) {
            workerDone();
            return;
        }
        // every other one differs as clients do (a query, a binary message, a Close with a reason): code compiled for
        // one kind only would be thrown away and compiled again when the first real session of the other came
        boolean odd = ticket % 2 == 1;
        Session session = new Session(WebSocketClientHandshakerFactory.newHandshaker(odd ? kind.queried : kind.uri, WebSocketVersion.V13,
                null, false, EmptyHttpHeaders.INSTANCE, WarmUpEcho.MAX_FRAME), odd);
        connect(kind.target, kind.tls, session, () -> {
            if (session.closed) {
                kind.done.incrementAndGet();
            } else if (session.connected) { // else its connect failed, and was counted then
                failed(new IllegalStateException("a warm-up session ended before its Close"));
            }
            nextSession(kind);
        });
    }

    private void nextHttpConnection() {
        if (stopped() || requestsLeft.get() <= 0) {
            workerDone();
            return;
        }
        connect(target, null, new Requests(), this::nextHttpConnection);
    }

    /**
     * Opens a connection to {@code to} with {@code handler}, over TLS where {@code tls} is given (SNI: the warm-up's
     * host name); when it closes, whatever happened, {@code then} runs.
     */
    private void connect(InetSocketAddress to, SslContext tls, ChannelHandler handler, Runnable then) {
        bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (tls != null) {
                    ch.pipeline().addLast(tls.newHandler(ch.alloc(), WarmUp.HOST, to.getPort()));
                }
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(WarmUpEcho.MAX_FRAME), handler);
            }
        }).connect(to).addListener(f -> {
            if (!f.isSuccess()) {
                failed(f.cause());
                then.run();
            } else {
                ((ChannelFuture) f).channel().closeFuture().addListener(c -> then.run());
            }
        });
    }

    /** One session: the upgrade, one message echoed, the Close handshake. */
    private final class Session extends SimpleChannelInboundHandler<Object> {
        private final WebSocketClientHandshaker handshaker;
        /** Every other session: a query, a binary message, a Close with a reason. */
        private final boolean odd;
        /** Connected (a session that never was is counted where its connect failed). */
        private volatile boolean connected;
        /** The echo server's Close came: the session ended as it should (read when the channel has closed). */
        private volatile boolean closed;

        Session(WebSocketClientHandshaker handshaker, boolean odd) {
            this.handshaker = handshaker;
            this.odd = odd;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connected = true;
            handshaker.handshake(ctx.channel());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (!handshaker.isHandshakeComplete()) {
                handshaker.finishHandshake(ctx.channel(), (FullHttpResponse) msg); // throws unless a valid 101
                ctx.writeAndFlush(odd ? new BinaryWebSocketFrame(Unpooled.wrappedBuffer(MESSAGE_BYTES)) : new TextWebSocketFrame(MESSAGE));
            } else if (msg instanceof CloseWebSocketFrame) {
                closed = true;
                ctx.close();
            } else if (msg instanceof WebSocketFrame) {
                ctx.writeAndFlush(new CloseWebSocketFrame(1000, odd ? "bye" : null));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            firstFailure.compareAndSet(null, String.valueOf(cause));
            ctx.close(); // counted as a failure when it closes
        }
    }

    /** Requests one after another on one keep-alive connection, while any are left. */
    private final class Requests extends SimpleChannelInboundHandler<FullHttpResponse> {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            send(ctx);
        }

        private void send(ChannelHandlerContext ctx) {
            if (stopped() || requestsLeft.getAndDecrement() <= 0) {
                ctx.close();
                return;
            }
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/warm-up");
            req.headers().set(HttpHeaderNames.HOST, plain.uri.getAuthority());
            ctx.writeAndFlush(req);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
            if (res.status().equals(HttpResponseStatus.OK)) {
                requestsDone.incrementAndGet();
                send(ctx);
            } else {
                failed(new IllegalStateException("a warm-up request was answered " + res.status()));
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failed(cause);
            ctx.close();
        }
    }
}
