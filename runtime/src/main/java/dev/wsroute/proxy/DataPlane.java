package dev.wsroute.proxy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.lifecycle.HealthRegistry;
import dev.wsroute.metrics.Meters;
import dev.wsroute.table.Pool;
import dev.wsroute.table.RouteTableHolder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;

/**
 * The data plane: the plain and TLS listeners and everything behind them. It reads route tables from the holder
 * and never changes them; a new table affects only new requests and tunnels whose endpoint it dropped.
 */
public final class DataPlane implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DataPlane.class);

    private final WsRouteConfig config;
    private final Transport transport;
    private final ProxyContext px;
    private final DataPlaneLifecycle lifecycle;
    /** On every listener, for both ports: one throttled WARN for the lot. */
    private final AcceptFailures acceptFailures;
    private Listeners plain;
    private Listeners secure;
    private volatile boolean accepting;
    /** Made at start: the liveness probe reads it from another thread. */
    private volatile LoopHeartbeat heartbeat;
    /** Says nothing of its start and stop: a private data plane (the warm-up's), whose lines would read as the real one's. */
    private final boolean quiet;

    /**
     * @param meters where its meters go ({@link Meters#NONE} in an app without Micrometer)
     * @param health where endpoint health is kept (shared with whoever shows it: status, Events)
     */
    public DataPlane(WsRouteConfig config, RouteTableHolder tables, Meters meters, Supplier<Pool> defaultBackend,
            HealthRegistry health) {
        this(config, tables, meters, defaultBackend, health, AccessLogOutput.toConsole(), false);
    }

    private DataPlane(WsRouteConfig config, RouteTableHolder tables, Meters meters, Supplier<Pool> defaultBackend,
            HealthRegistry health, AccessLogOutput accessLog, boolean quiet) {
        this.config = config;
        this.quiet = quiet;
        this.transport = Transport.create(config.ioThreadCount(), Transport.kind(config.transport()), !quiet);
        this.px = new ProxyContext(config, tables, new ProxyMetrics(meters), defaultBackend, transport, accessLog);
        this.lifecycle = new DataPlaneLifecycle(px, transport, meters, health);
        this.acceptFailures = new AcceptFailures(px.metrics::acceptFailed);
    }

    public DataPlane(WsRouteConfig config, RouteTableHolder tables, Meters meters, Supplier<Pool> defaultBackend) {
        this(config, tables, meters, defaultBackend, new HealthRegistry(System::nanoTime));
    }

    /** Endpoint health of every rule with health checks, as this replica sees it (read-only views; listeners for Events). */
    public HealthRegistry health() {
        return lifecycle.health;
    }

    /** Which endpoints may take new connections (health checks plug in here); all of them by default. */
    public DataPlane endpointHealth(EndpointHealth health) {
        px.dialer.health = java.util.Objects.requireNonNull(health, "health");
        return this;
    }

    /** Told about connect failures, upgrade answers and tunnel ends (passive health checks listen here). */
    public DataPlane dialListener(DialListener listener) {
        px.dialer.listener = java.util.Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * A private data plane beside the real one (the warm-up's): it says nothing of its start and stop, and its access
     * log formats its lines as the real one's does but writes none. No default backend.
     */
    public static DataPlane quiet(WsRouteConfig config, RouteTableHolder tables, Meters meters) {
        return new DataPlane(config, tables, meters, () -> null, new HealthRegistry(System::nanoTime), AccessLogOutput.discarding(), true);
    }

    /** Binds the listeners; returns once they accept. A port that cannot be bound: {@link ListenerBindException}. */
    public DataPlane start() throws InterruptedException {
        plain = bind(config.listen().portToBind(), false);
        if (config.listen().tlsEnabled()) {
            secure = bind(config.listen().tlsPortToBind(), true);
            px.tlsPort = tlsPort();
        }
        accepting = true;
        heartbeat = new LoopHeartbeat(transport.group(), LoopHeartbeat.EVERY, System::nanoTime);
        lifecycle.start(transport.group().next());
        if (quiet) {
            return this;
        }
        LOG.infof("wsroute data plane (%s, %d I/O threads, %s) listening on %s:%d%s", transport.name(), config.ioThreadCount(),
                plain.count() > 1 ? "a listener per thread" : "one listener", config.listen().host(), port(),
                secure != null ? " and TLS on " + tlsPort() : "");
        logProxyProtocol();
        logCloseSpread();
        return this;
    }

    /** With wsroute.drain.close-spread set: one line saying how drains end, and whether the spread was cut to the period. */
    private void logCloseSpread() {
        DrainSchedule drains = px.tunnels.drains();
        if (!drains.spread().isZero() || drains.clamped()) { // else the default: every Close at the period's end
            LOG.infof("draining WebSockets get %s", drains.describe());
        }
    }

    /** What the listeners take a PROXY protocol header from; a WARN where that is anyone, or a list that does nothing. */
    private void logProxyProtocol() {
        TrustedPeers from = px.proxyProtocolFrom;
        if (from == null) {
            if (config.listen().proxyProtocolFrom().isPresent()) {
                warnIgnored("wsroute.listen.proxy-protocol-from");
            }
            if (config.listen().proxyProtocolOptional()) {
                warnIgnored("wsroute.listen.proxy-protocol-optional");
            }
        } else if (px.proxyProtocolOptional) {
            LOG.warnf("a PROXY protocol header is read where a connection starts with one (wsroute.listen.proxy-protocol),"
                    + " taken from %s; connections without one are served as direct clients (wsroute.listen.proxy-protocol-optional,"
                    + " counted in wsroute_proxy_protocol_absent_total): turn it off once every client comes through the balancer",
                    from);
        } else if (from.any()) {
            LOG.warn("every connection starts with a PROXY protocol header (wsroute.listen.proxy-protocol), taken from any"
                    + " peer: anyone who can reach the listeners directly can name any client address; let only the balancer"
                    + " reach them, or list its addresses in wsroute.listen.proxy-protocol-from");
        } else {
            LOG.infof("every connection starts with a PROXY protocol header (wsroute.listen.proxy-protocol), taken from %s", from);
        }
    }

    private static void warnIgnored(String setting) {
        LOG.warnf("%s is set but wsroute.listen.proxy-protocol is off: no PROXY header is read, and every client is the TCP peer",
                setting);
    }

    private Listeners bind(int port, boolean tls) throws InterruptedException {
        ClientInitializer clients = new ClientInitializer(px, tls);
        try {
            Listeners bound = Listeners.bind(transport, new InetSocketAddress(config.listen().host(), port), () -> clientBootstrap(transport), clients);
            for (io.netty.channel.Channel listener : bound.channels()) { // after Netty's acceptor, which pauses accepts a second
                listener.pipeline().addLast("accept-failures", acceptFailures);
            }
            return bound;
        } catch (Listeners.BindFailed e) {
            if (plain != null) {
                plain.close(); // the plain listeners bound; the TLS ones did not: release them too
            }
            transport.group().shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
            throw new ListenerBindException(tls, config.listen().host(), port, e.getCause());
        }
    }

    /** The server bootstrap of the client listeners, with all but its event loops and the acceptor ({@link Listeners#bind}). */
    static ServerBootstrap clientBootstrap(Transport transport) {
        return new ServerBootstrap()
                .channelFactory(transport.serverChannels())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                // reads run freely until a plain HTTP request asks for one-at-a-time reads (or an early-data
                // buffer fills): toggling read interest costs an epoll_ctl each way
                .childOption(ChannelOption.AUTO_READ, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, ProxyContext.RECV_ALLOCATOR)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, ProxyContext.WATER_MARK)
                .childHandler(ClientAcceptor.UNREACHED);
    }

    public int port() {
        return plain.port();
    }

    /** Token buckets of rateLimit.handshakesPerClient held, one per rule and client address (tests). */
    int handshakeBuckets() {
        return px.handshakeRate.size();
    }

    public int tlsPort() {
        return secure == null ? -1 : secure.port();
    }

    /** The plain listeners then the TLS ones (tests: one per event loop where the transport allows). */
    java.util.List<Channel> listeners() {
        java.util.List<Channel> all = new java.util.ArrayList<>(plain.channels());
        if (secure != null) {
            all.addAll(secure.channels());
        }
        return all;
    }

    /** The I/O threads (tests: what they hold). */
    io.netty.channel.EventLoopGroup loops() {
        return transport.group();
    }

    /** Connections in use per endpoint, upgrades in progress included (tests: counts return to 0). */
    dev.wsroute.table.EndpointStats endpointLoad() {
        return px.balancer.load();
    }

    /**
     * How long the I/O thread quietest now has not run a task it runs every few seconds: seconds at most on a loaded
     * proxy, growing without end on a wedged thread (liveness). Zero before start and from close on.
     */
    public Duration ioThreadSilence() {
        LoopHeartbeat h = heartbeat;
        return h == null ? Duration.ZERO : h.longestSilence();
    }

    /** The endpoints the plain-HTTP pool keeps idle-connection queues for, on any loop (tests). */
    java.util.Set<String> idleQueues() throws Exception {
        return px.httpPool.queued(transport.group());
    }

    public boolean accepting() {
        return accepting;
    }

    /** Open client connections, HTTP and WebSocket ({@code wsroute_client_connections}). */
    public int clientConnections() {
        return px.metrics.clientConnections().get();
    }

    /** The client-connection limit in force ({@code wsroute_client_connections_limit}), and why when it is not the configured one. */
    public ConnectionLimit connectionLimit() {
        return px.connectionLimit;
    }

    /**
     * The process is going away (SIGTERM; Quarkus's pre-shutdown): the listeners go on accepting, and serving new
     * requests and upgrades (the deregistration delay, while load balancers stop sending), but every HTTP answer from
     * now on carries {@code Connection: close}, so keep-alive clients move to another replica. {@link #close} follows.
     */
    public void leave() {
        if (!px.leaving) {
            px.leaving = true;
            LOG.info("shutting down: still accepting until the listeners close; HTTP answers now say Connection: close");
        }
    }

    /** Since {@link #leave} or {@link #close}. */
    public boolean leaving() {
        return px.leaving;
    }

    /** How many times the rebalancer has counted the open sockets (tests: a pace that does not depend on the clock). */
    public long rebalanceCounts() {
        return lifecycle.rebalanceCounts();
    }

    /** Open WebSocket tunnels. */
    public int tunnels() {
        return px.tunnels.size();
    }

    /** The open tunnels, live (tests: what their channels' pipelines hold). */
    Iterable<Tunnel> liveTunnels() {
        return px.tunnels.live();
    }

    /** A read-only sample of every open WebSocket tunnel (for the status page). */
    public java.util.List<OpenTunnel> openTunnels() {
        return px.tunnels.sample();
    }

    /**
     * With the listeners closed, connections waiting for a request close on every I/O thread (a keep-alive client then
     * opens its next connection to another replica, rather than keeping this one until the process ends, drain period
     * later); requests under way finish first, their answers saying {@code Connection: close}.
     */
    private void closeWaitingConnections() {
        px.listenersClosed = true; // before the walks: an exchange that ends after its loop's walk sees it
        for (io.netty.util.concurrent.EventExecutor loop : transport.group()) {
            loop.submit(LoopClock::listenersClosed).awaitUninterruptibly(2, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /**
     * Stops accepting, closes connections waiting for a request, lets open WebSockets run for the drain period, then
     * closes the rest with 1001 and waits briefly for the Close handshakes.
     */
    @Override
    public void close() {
        if (!accepting && plain == null) {
            return;
        }
        accepting = false;
        px.leaving = true;
        if (heartbeat != null) {
            heartbeat.stop();
        }
        if (plain != null) {
            plain.close();
        }
        if (secure != null) {
            secure.close();
        }
        plain = null;
        closeWaitingConnections();
        lifecycle.close();
        if (!quiet) {
            DrainSchedule drains = px.tunnels.drains();
            LOG.infof("draining %d WebSocket(s) for up to %ds: %s", px.tunnels.size(), drains.period().toSeconds(), drains.describe());
        }
        px.tunnels.drainAll();
        try {
            if (!px.tunnels.awaitEmpty(config.drain().period().plus(Duration.ofSeconds(3)))) {
                LOG.warnf("%d WebSocket(s) still open after the drain period; closing them", px.tunnels.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.group().shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        px.accessLog.close();
        if (!quiet) {
            LOG.info("wsroute data plane stopped");
        }
    }
}
