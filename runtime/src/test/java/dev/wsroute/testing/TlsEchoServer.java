package dev.wsroute.testing;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

import dev.wsroute.tls.ServerCertificates;
import dev.wsroute.tls.SniMapping;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;

/**
 * A TLS echo server on 127.0.0.1, port 0, terminating with {@link SniHandler} over wsroute's {@link SniMapping}, as the
 * data plane does. It echoes bytes and records the SNI name of each connection (or "" for none).
 */
public final class TlsEchoServer implements AutoCloseable {
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel channel;
    private final Queue<String> sniSeen = new ConcurrentLinkedQueue<>();

    private TlsEchoServer(Supplier<ServerCertificates> certificates) throws InterruptedException {
        channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new SniHandler(new SniMapping(certificates)), new Echo());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    /** Serves whatever certificates the supplier returns at each handshake. */
    public static TlsEchoServer start(Supplier<ServerCertificates> certificates) throws InterruptedException {
        return new TlsEchoServer(certificates);
    }

    /** Serves one context to every client, whatever its SNI. */
    public static TlsEchoServer start(SslContext context) throws InterruptedException {
        ServerCertificates only = new ServerCertificates(Map.of(), context);
        return new TlsEchoServer(() -> only);
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** SNI names of the handshakes so far, in order; "" for a client that sent none. */
    public Queue<String> sniSeen() {
        return sniSeen;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SniCompletionEvent sni) {
                sniSeen.add(sni.hostname() == null ? "" : sni.hostname());
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // no certificate, a refused protocol, a reset: the handshake fails, the client sees it
        }
    }
}
