package dev.wsroute.proxy;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.tls.CertificateExpiryMetrics;
import dev.wsroute.lifecycle.HandshakeRateLimiter;
import dev.wsroute.log.QueryInLog;
import dev.wsroute.table.BalancerState;
import dev.wsroute.table.EndpointStats;
import dev.wsroute.table.Pool;
import dev.wsroute.table.PoolId;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RouteTableHolder;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;

/** What every connection handler shares: settings, the current table, counters, and the way to upstreams. */
final class ProxyContext {
    /** Small write queues: a slow reader pauses its peer early, so memory per tunnel stays bounded. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);
    /**
     * One read-size policy for every channel, client and upstream: it holds no per-channel state (each channel keeps
     * its own handle), and Netty would otherwise make one per channel, kept as long as the connection is open. Up to
     * 16 reads per readiness (Netty's own for stream channels, set explicitly because a channel made with a shared
     * policy sets it, one set without does not): the write queue's high water mark stops them sooner.
     */
    static final RecvByteBufAllocator RECV_ALLOCATOR = new AdaptiveRecvByteBufAllocator().maxMessagesPerRead(16);

    final WsRouteConfig config;
    final RouteTableHolder tables;
    final TunnelRegistry tunnels;
    final BalancerState balancer;
    final ProxyMetrics metrics;
    final AccessLog accessLog;
    final UpstreamPool httpPool;
    final UpstreamDialer dialer;
    /** Where requests and upgrades that no route claims go (the embedding app, the sidecar's app container); null: 404. */
    final Supplier<Pool> defaultBackend;
    final Tunnel.Context tunnelContext;
    /** rateLimit.handshakesPerClient: buckets per rule and client address. */
    final HandshakeRateLimiter handshakeRate = new HandshakeRateLimiter(System::nanoTime);
    final DroppedTrailers droppedTrailers = new DroppedTrailers(System::nanoTime);
    volatile int tlsPort;
    /**
     * The process is shutting down (the deregistration delay, then the drain): every HTTP answer from now on says
     * {@code Connection: close} and ends its connection, so keep-alive clients reconnect, to another replica.
     */
    volatile boolean leaving;
    /**
     * The listeners closed (the end of the shutdown delay): connections waiting for a request were closed, and one
     * whose exchange ends from now on closes too rather than wait for a request until the process ends.
     */
    volatile boolean listenersClosed;
    /** wsroute.limits.max-connections, or less if that many do not fit in the open-files limit ({@link FileDescriptorBudget}). */
    final int maxConnections;
    /** {@link #maxConnections} with what it was made from (status page). */
    final ConnectionLimit connectionLimit;
    /**
     * On every client connection's close future: one listener for all of them, not one per connection; it holds the
     * counter only, so a close future does not keep a finished handshake's receiver alive for the connection's life.
     */
    final ChannelFutureListener clientClosed;
    private final boolean defaultBackendTrustsForwarded;
    /** wsroute.listen.proxy-protocol-from: the peers a PROXY protocol header is taken from; null: the setting is off. */
    final TrustedPeers proxyProtocolFrom;
    /** wsroute.listen.proxy-protocol-optional (with the protocol on): a connection without the header is served as it is. */
    final boolean proxyProtocolOptional;

    ProxyContext(WsRouteConfig config, RouteTableHolder tables, ProxyMetrics metrics, Supplier<Pool> defaultBackend,
            Transport transport) {
        this(config, tables, metrics, defaultBackend, transport, AccessLogOutput.toConsole());
    }

    ProxyContext(WsRouteConfig config, RouteTableHolder tables, ProxyMetrics metrics, Supplier<Pool> defaultBackend,
            Transport transport, AccessLogOutput accessLogOutput) {
        this.config = config;
        this.tables = tables;
        this.tunnels = new TunnelRegistry(tables, new DrainSchedule(config.drain().period(), config.drain().closeSpread()));
        this.balancer = new BalancerState(new EndpointStats());
        this.metrics = metrics;
        this.connectionLimit = FileDescriptorBudget.forThisProcess(config.limits().maxConnections(), config.upstream().maxIdle());
        this.maxConnections = connectionLimit.effective();
        metrics.registry().gauge("wsroute.client.connections.limit", "Client connections taken at most (max-connections, or what the open-files limit allows)",
                this, px -> px.maxConnections);
        this.accessLog = new AccessLog(config.accessLog().enabled(), config.accessLog().queueLines(),
                QueryInLog.parse(config.accessLog().query()).orElse(QueryInLog.REDACTED), accessLogOutput,
                metrics.registry());
        this.httpPool = new UpstreamPool(config.upstream().maxIdlePerEndpoint(), config.upstream().maxIdle(),
                config.ioThreadCount());
        this.defaultBackendTrustsForwarded = config.defaultBackend().trustForwarded();
        this.proxyProtocolFrom = config.listen().proxyProtocol()
                ? config.listen().proxyProtocolFrom().map(TrustedPeers::of).orElse(TrustedPeers.ANY)
                : null;
        this.proxyProtocolOptional = proxyProtocolFrom != null && config.listen().proxyProtocolOptional();
        this.defaultBackend = defaultBackend;
        this.dialer = new UpstreamDialer(transport, config, balancer, metrics, httpPool);
        this.tunnelContext = new Tunnel.Context(tunnels, dialer, metrics, accessLog);
        AtomicInteger open = metrics.clientConnections();
        this.clientClosed = f -> open.decrementAndGet();
        tables.onSwap((old, fresh) -> balancer.retainPoolsOf(fresh));
        tables.onSwap((old, fresh) -> forgetUnlistedEndpoints(fresh, transport));
        tables.onSwap((old, fresh) -> metrics.swapped(old, fresh));
        CertificateExpiryMetrics expiry = new CertificateExpiryMetrics(metrics.registry());
        tables.onSwap((old, fresh) -> expiry.tableChanged(fresh.certificates()));
        expiry.tableChanged(tables.current().certificates());
    }

    /** After a swap: what is kept per endpoint (counts, idle connections) goes for those no pool lists any more. */
    private void forgetUnlistedEndpoints(RouteTable fresh, Transport transport) {
        Set<String> listed = fresh.endpointKeys();
        Pool fallback = defaultBackend.get(); // not the table's, but picked from too
        if (fallback != null) {
            fallback.endpoints().forEach(e -> listed.add(e.key()));
        }
        balancer.load().retain(listed);
        httpPool.retain(listed, transport.group());
    }

    /** What the client's own forwarding fields become on a request to this pool ({@link ForwardedHeaders}). */
    ForwardedHeaders.Upstream forwardingTo(PoolId pool) {
        return ForwardedHeaders.Upstream.of(pool, defaultBackendTrustsForwarded);
    }
}
