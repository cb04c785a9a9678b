package dev.wsroute.proxy;

import java.util.function.Supplier;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.EndpointStats;
import dev.wsroute.table.Pool;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.UpstreamHandlers;
import dev.wsroute.tls.UpstreamTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;

/** What every connection handler shares: settings, the current table, counters, and how to reach upstreams. */
final class ProxyContext {
    /** Small write queues: a slow reader pauses its peer early, so memory per tunnel stays bounded. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    final WsRouteConfig config;
    final RouteTableHolder tables;
    final TunnelRegistry tunnels;
    final EndpointStats stats;
    final ProxyMetrics metrics;
    final AccessLog accessLog;
    final UpstreamPool httpPool;
    final Supplier<Pool> defaultBackend;
    final Tunnel.Context tunnelContext;
    volatile int tlsPort;
    private final Bootstrap upstream;

    ProxyContext(WsRouteConfig config, RouteTableHolder tables, ProxyMetrics metrics, Supplier<Pool> defaultBackend,
            Transport transport) {
        this.config = config;
        this.tables = tables;
        this.tunnels = new TunnelRegistry(tables, config.drain().period());
        this.stats = new EndpointStats();
        this.metrics = metrics;
        this.accessLog = new AccessLog(config.accessLog().enabled());
        this.httpPool = new UpstreamPool(config.upstream().maxIdlePerEndpoint());
        this.defaultBackend = defaultBackend;
        this.tunnelContext = new Tunnel.Context(tunnels, stats, metrics, accessLog);
        this.upstream = new Bootstrap().channel(transport.channel())
                .option(ChannelOption.AUTO_READ, false) // TCP_NODELAY: Netty's default on Linux, not set again
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.upstream().connectTimeout().toMillis());
    }

    /**
     * Connects to an endpoint on the caller's event loop, so both sides of a connection share one thread.
     * {@code autoRead}: read as data comes (WebSocket upstreams) or only when asked (plain HTTP exchanges).
     */
    ChannelFuture connect(EventLoop loop, Endpoint endpoint, UpstreamTls tls, boolean autoRead, ChannelHandler... handlers) {
        Bootstrap b = upstream.clone(loop);
        if (autoRead) {
            b.option(ChannelOption.AUTO_READ, true);
        }
        return b.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (tls != null) {
                    ch.pipeline().addLast("tls", UpstreamHandlers.newUpstreamHandler(ch.alloc(), tls,
                            endpoint.address().getHostString(), endpoint.address().getPort()));
                }
                ch.pipeline().addLast(handlers);
            }
        }).connect(endpoint.address());
    }
}
