package dev.wsroute.proxy;

import java.util.function.Supplier;

import dev.wsroute.table.BalancerState;
import dev.wsroute.table.EndpointStats;
import dev.wsroute.table.Pool;
import dev.wsroute.table.RouteTableHolder;
import io.netty.channel.WriteBufferWaterMark;

/** What every connection handler shares: settings, the current table, counters, and the way to upstreams. */
final class ProxyContext {
    /** Small write queues: a slow reader pauses its peer early, so memory per tunnel stays bounded. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    final ProxySettings settings;
    final RouteTableHolder tables;
    final TunnelRegistry tunnels;
    final BalancerState balancer;
    final ProxyMetrics metrics;
    final AccessLog accessLog;
    final UpstreamPool httpPool;
    final UpstreamDialer dialer;
    /** Where plain HTTP that no route claims goes; null for 404. */
    final Supplier<Pool> defaultBackend;
    /** Where upgrades that no route claims go (sidecar, embedded); null for 404. */
    volatile Supplier<Pool> unclaimedUpgrades = () -> null;
    final Tunnel.Context tunnelContext;
    volatile int tlsPort;

    ProxyContext(ProxySettings settings, RouteTableHolder tables, ProxyMetrics metrics, Supplier<Pool> defaultBackend,
            Transport transport) {
        this.settings = settings;
        this.tables = tables;
        this.tunnels = new TunnelRegistry(tables, settings.drainPeriod());
        this.balancer = new BalancerState(new EndpointStats());
        this.metrics = metrics;
        this.accessLog = new AccessLog(settings.accessLog());
        this.httpPool = new UpstreamPool(settings.maxIdlePerEndpoint());
        this.defaultBackend = defaultBackend;
        this.dialer = new UpstreamDialer(transport, settings, balancer, metrics, httpPool);
        this.tunnelContext = new Tunnel.Context(tunnels, dialer, metrics, accessLog);
        tables.onSwap((old, fresh) -> balancer.retainPoolsOf(fresh));
    }
}
