package dev.wsroute.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.ssl.SslContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.function.Supplier;

/** Where the load goes (a loopback host, port and path) and how client channels are made. */
final class Target {
    final InetSocketAddress address;
    final String path;
    final URI wsUri;
    private final Bootstrap base;
    private final SslContext tls;
    /** Non-null when connections resume TLS sessions: makes the context (and session cache) of a client of its own. */
    private final Supplier<SslContext> returningClient;

    /**
     * {@code tls}: null for plain TCP (ws://, http://), else the client context (wss://). {@code resumeSessions}: each
     * new connection offers the session of one before (a returning client), else every one is a full handshake.
     */
    Target(InetAddress host, int port, String path, EventLoopGroup group, Supplier<SslContext> tls, boolean resumeSessions) {
        this.address = new InetSocketAddress(host, port);
        this.path = path;
        this.tls = tls == null ? null : tls.get();
        this.returningClient = tls != null && resumeSessions ? tls : null;
        this.wsUri = URI.create((tls == null ? "ws://" : "wss://") + host.getHostAddress() + ":" + port + path);
        this.base = new Bootstrap()
                .group(group)
                .channel(Transport.channel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
    }

    private Target(Target of, SslContext tls) {
        this.address = of.address;
        this.path = of.path;
        this.wsUri = of.wsUri;
        this.base = of.base;
        this.tls = tls;
        this.returningClient = of.returningClient;
    }

    /**
     * As one returning client sees it: with session resumption, connections made through the copy share a session cache
     * of their own (a browser's), not every worker's (one session cache for 50 workers in a storm hands out its one
     * TLS 1.3 session to few of them); otherwise this target itself.
     */
    Target oneClient() {
        return returningClient == null ? this : new Target(this, returningClient.get());
    }

    String hostHeader() {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /** Connects a WebSocket client; the listener gets the events of this connection. */
    ChannelFuture connectWebSocket(WsListener listener) {
        return connect(base.clone(), () -> new WsClientHandler(wsUri, listener), 8 * 1024);
    }

    /** As {@link #connectWebSocket(WsListener)}, with the channel on the given event loop. */
    ChannelFuture connectWebSocket(WsListener listener, EventLoop loop) {
        return connect(base.clone(loop), () -> new WsClientHandler(wsUri, listener), 8 * 1024);
    }

    /** Connects an HTTP/1.1 client whose last handler gets aggregated responses. */
    ChannelFuture connectHttp(Supplier<? extends ChannelHandler> handler) {
        return connect(base.clone(), handler, 1 << 20);
    }

    private ChannelFuture connect(Bootstrap fresh, Supplier<? extends ChannelHandler> handler, int maxResponse) {
        return fresh.handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (tls != null) {
                    // with the peer's host and port the JDK's client caches sessions and offers them; without, it does
                    // not (and sends no SNI), so every connection is a full handshake
                    ch.pipeline().addLast("tls", returningClient != null
                            ? tls.newHandler(ch.alloc(), address.getHostString(), address.getPort())
                            : tls.newHandler(ch.alloc()));
                }
                ch.pipeline().addLast("http", new HttpClientCodec())
                        .addLast("aggregator", new HttpObjectAggregator(maxResponse))
                        .addLast("client", handler.get());
            }
        }).connect(address);
    }
}
