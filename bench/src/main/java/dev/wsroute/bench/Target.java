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

    /** {@code tls}: null for plain TCP (ws://, http://), else the client context (wss://). */
    Target(InetAddress host, int port, String path, EventLoopGroup group, SslContext tls) {
        this.address = new InetSocketAddress(host, port);
        this.path = path;
        this.tls = tls;
        this.wsUri = URI.create((tls == null ? "ws://" : "wss://") + host.getHostAddress() + ":" + port + path);
        this.base = new Bootstrap()
                .group(group)
                .channel(Transport.channel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
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
                    // no peer host: no SNI and no session resumption, so every connection is a full handshake
                    ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                }
                ch.pipeline().addLast("http", new HttpClientCodec())
                        .addLast("aggregator", new HttpObjectAggregator(maxResponse))
                        .addLast("client", handler.get());
            }
        }).connect(address);
    }
}
