package dev.wsroute.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The floor of any proxy built on Netty 4.1: a byte relay with the channel life cycle wsroute has (accept, the first
 * bytes read, an upstream connection opened on the same I/O thread, bytes relayed both ways with backpressure, each
 * side closed when the other closes) and nothing else: no parsing, no routing, no headers added. Each client
 * connection keeps its upstream connection (round robin over the backends). In the bench it shows how much of a
 * proxy's CPU per operation is Netty's own.
 *
 * <pre>java -cp wsroute-bench.jar dev.wsroute.bench.NettyRelay --port 7400 --backends 7001,7002 --threads 2</pre>
 */
public final class NettyRelay {
    private NettyRelay() {
    }

    public static void main(String[] argv) throws InterruptedException {
        Args args = new Args(argv, Set.of("host", "port", "backends", "threads"));
        InetAddress host = args.loopback("host", "127.0.0.1");
        int port = args.integer("port", 7400);
        List<InetSocketAddress> backends = Arrays.stream(args.str("backends", "7001,7002").split(","))
                .map(p -> new InetSocketAddress(host, Integer.parseInt(p.trim()))).toList();
        EventLoopGroup group = Transport.group(args.integer("threads", 2));
        AtomicInteger next = new AtomicInteger();
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(Transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ClientSide(backends.get(Math.floorMod(next.getAndIncrement(), backends.size()))));
                        }
                    })
                    .bind(host, port).sync().channel();
            System.out.println("LISTENING netty-relay " + server.localAddress() + " transport=" + Transport.name());
            System.out.flush();
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    /** Connects upstream on the first bytes, as a proxy does once it has read a request head. */
    private static final class ClientSide extends ChannelInboundHandlerAdapter {
        private final InetSocketAddress backend;
        private Channel upstream;

        ClientSide(InetSocketAddress backend) {
            this.backend = backend;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (upstream != null) {
                Relay.forward(ctx.channel(), upstream, msg);
                return;
            }
            Channel client = ctx.channel();
            client.config().setAutoRead(false);
            ChannelFuture connect = new Bootstrap().group(client.eventLoop()).channel(Transport.channel())
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new Relay(client))
                    .connect(backend);
            upstream = connect.channel();
            connect.addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    client.close();
                    return;
                }
                f.channel().writeAndFlush(msg);
                f.channel().config().setAutoRead(true);
                client.config().setAutoRead(true);
            });
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (upstream != null) {
                upstream.config().setAutoRead(ctx.channel().isWritable());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (upstream != null) {
                Relay.closeAfterFlush(upstream);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The upstream side, and the relay both sides share: reads pause while the other side cannot take more. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel client;

        Relay(Channel client) {
            this.client = client;
        }

        static void forward(Channel from, Channel to, Object msg) {
            to.writeAndFlush(msg);
            if (!to.isWritable()) {
                from.config().setAutoRead(false);
            }
        }

        static void closeAfterFlush(Channel ch) {
            if (ch.isActive()) {
                ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            forward(ctx.channel(), client, msg);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            client.config().setAutoRead(ctx.channel().isWritable());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeAfterFlush(client);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
