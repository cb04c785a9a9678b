package dev.wsroute.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetAddress;
import java.util.Set;

/**
 * Echo backend for the bench: on one loopback port, answers WebSocket upgrades on any path and
 * echoes every data frame, and answers any other HTTP request with a small fixed body (keep-alive).
 *
 * <pre>java -cp wsroute-bench.jar dev.wsroute.bench.EchoBackend --port 7001 --threads 1</pre>
 */
public final class EchoBackend {
    static final int MAX_FRAME = 1 << 20;

    private EchoBackend() {
    }

    public static void main(String[] argv) throws InterruptedException {
        Args args = new Args(argv, Set.of("host", "port", "threads"));
        InetAddress host = args.loopback("host", "127.0.0.1");
        int port = args.integer("port", 7001);
        EventLoopGroup boss = Transport.group(1);
        EventLoopGroup workers = Transport.group(args.integer("threads", 1));
        try {
            Channel server = bind(host, port, boss, workers);
            System.out.println("LISTENING echo-backend " + server.localAddress() + " transport=" + Transport.name());
            System.out.flush();
            server.closeFuture().sync();
        } finally {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
        }
    }

    /** The echo backend's listening channel on {@code host:port} (0: an ephemeral port). */
    static Channel bind(InetAddress host, int port, EventLoopGroup boss, EventLoopGroup workers)
            throws InterruptedException {
        return new ServerBootstrap()
                .group(boss, workers)
                .channel(Transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("http", new HttpServerCodec())
                                .addLast("aggregator", new HttpObjectAggregator(64 * 1024))
                                .addLast("request", new BackendRequestHandler());
                    }
                })
                .bind(host, port).sync().channel();
    }
}
