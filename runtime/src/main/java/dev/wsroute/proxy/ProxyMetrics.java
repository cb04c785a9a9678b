package dev.wsroute.proxy;

import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

import dev.wsroute.log.LogThrottle;
import dev.wsroute.model.RouteId;
import dev.wsroute.tls.HandshakeFailure;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.PoolId;
import dev.wsroute.metrics.Meters;
import dev.wsroute.metrics.Meters.Counter;
import dev.wsroute.metrics.Meters.Timer;
import io.netty.util.collection.IntObjectHashMap;
import org.jboss.logging.Logger;

/**
 * WebSocket-specific metrics. Callers pass typed values ({@link RouteId}, enums); label text is made here, one
 * value per route ("namespace/name", or "-" for what no route claims). Meters are made once per route and label
 * values and cached by typed keys: counting a request, an upgrade or a close allocates nothing.
 * <p>
 * A route's series go with the route: when a table no longer has it, they stay while its WebSockets drain and go
 * with the last one (at once when none is open), so routes created and deleted (preview environments) leave nothing
 * behind; a route made again under that name starts new series.
 */
public final class ProxyMetrics {
    private static final Logger PROXY_PROTOCOL_LOG = Logger.getLogger(ProxyProtocolStage.class);
    private static final String NO_ROUTE = "-";
    /** Where a count goes once its route's meters are gone (a count racing the removal): nowhere. */
    private static final Counter NOWHERE = amount -> {
    };

    private final Meters registry;
    /** By {@link RouteId}, or {@link #NO_ROUTE} for what no route claims. */
    private final ConcurrentHashMap<Object, RouteMeters> routes = new ConcurrentHashMap<>();
    private final AtomicInteger clientConnections = new AtomicInteger();
    private final Meters.Counter refusedAtLimit;
    private final Meters.Counter acceptFailures;
    /** By {@link HandshakeFailure#ordinal()}: every reason's series from the start, so a rate() sees the first one. */
    private final Meters.Counter[] tlsHandshakeFailures = new Meters.Counter[HandshakeFailure.values().length];
    private final Meters.Counter tlsHandshakesFull;
    private final Meters.Counter tlsHandshakesResumed;
    /** By {@link ProxyProtocolStage.Failure#ordinal()}, every reason's series from the start. */
    private final Meters.Counter[] proxyProtocolErrors = new Meters.Counter[ProxyProtocolStage.Failure.values().length];
    private final LogThrottle proxyProtocolLog = new LogThrottle(System::nanoTime);
    private final Meters.Counter proxyProtocolAbsent;
    private final ConnectionLimitLog limitLog = new ConnectionLimitLog(System::nanoTime);
    /** The last table swapped in; null before the first (nothing is known to be gone yet). */
    private volatile RouteTable table;

    public ProxyMetrics(Meters registry) {
        this.registry = registry;
        registry.gauge("wsroute.client.connections", "Open client connections, HTTP and WebSocket", clientConnections,
                AtomicInteger::get);
        refusedAtLimit = registry.counter("wsroute.client.connections.refused",
                "Client connections closed at accept because max-connections were open", null);
        acceptFailures = registry.counter("wsroute.client.accept.failures",
                "Accepts that failed on a listener (no descriptor: the open-files limit is reached), retried every second", null);
        for (HandshakeFailure r : HandshakeFailure.values()) {
            tlsHandshakeFailures[r.ordinal()] = registry.counter("wsroute.tls.handshake.failures",
                    "Client TLS handshakes that failed, by a fixed reason", null, "reason", r.label());
        }
        String handshakes = "Client TLS handshakes that succeeded, by whether they resumed an earlier session (a ticket or the session cache)";
        tlsHandshakesFull = registry.counter("wsroute.tls.handshakes", handshakes, null, "resumed", "false");
        tlsHandshakesResumed = registry.counter("wsroute.tls.handshakes", handshakes, null, "resumed", "true");
        for (ProxyProtocolStage.Failure r : ProxyProtocolStage.Failure.values()) {
            proxyProtocolErrors[r.ordinal()] = registry.counter("wsroute.proxy.protocol.errors",
                    "Client connections closed for their PROXY protocol header (wsroute.listen.proxy-protocol), by a fixed reason",
                    null, "reason", r.label());
        }
        proxyProtocolAbsent = registry.counter("wsroute.proxy.protocol.absent",
                "Client connections served without a PROXY protocol header (wsroute.listen.proxy-protocol-optional)", null);
    }

    /** A connection was served without a PROXY header: its first bytes are none, or its peer's is not taken (optional). */
    void proxyProtocolAbsent() {
        proxyProtocolAbsent.increment();
    }

    /**
     * A client connection was closed for its PROXY protocol header (none, malformed, late, from a peer not trusted):
     * counted, and logged at most once a minute (a scan or a misconfigured balancer repeats it on every connection).
     */
    void proxyProtocolFailed(ProxyProtocolStage.Failure reason, SocketAddress peer) {
        proxyProtocolErrors[reason.ordinal()].increment();
        long n = proxyProtocolLog.count();
        if (n > 0) {
            PROXY_PROTOCOL_LOG.warnf("closed a connection from %s: PROXY protocol header %s (wsroute.listen.proxy-protocol is on; %d such closes"
                    + " since the last line, wsroute_proxy_protocol_errors_total counts them by reason)", peer, switch (reason) {
                        case MISSING -> "missing (its first bytes are no PROXY signature)";
                        case MALFORMED -> "malformed";
                        case TIMEOUT -> "not complete within wsroute.limits.request-header-timeout";
                        case UNTRUSTED_PEER -> "not taken from this peer (not in wsroute.listen.proxy-protocol-from)";
                    }, n);
        }
    }

    /** A client's TLS handshake failed (the connection is closed quietly). */
    void tlsHandshakeFailed(HandshakeFailure reason) {
        tlsHandshakeFailures[reason.ordinal()].increment();
    }

    /** A client's TLS handshake succeeded: a full one, or one that resumed a session without the certificate's work. */
    void tlsHandshakeDone(boolean resumed) {
        (resumed ? tlsHandshakesResumed : tlsHandshakesFull).increment();
    }

    Meters registry() {
        return registry;
    }

    /** The route label of a metric or log line. */
    static String label(RouteId route) {
        return route == null ? NO_ROUTE : route.toString();
    }

    AtomicInteger clientConnections() {
        return clientConnections;
    }

    /** An accept failed on a listener (see {@link AcceptFailures}). */
    void acceptFailed() {
        acceptFailures.increment();
    }

    /** A connection closed at accept: max-connections ({@code limit}) were open. */
    void refusedAtLimit(int limit) {
        refusedAtLimit.increment();
        limitLog.refused(limit);
    }

    /**
     * The route's meters. Made on first use; made as already gone from the table when the last table has no such
     * route (a count that comes after the route's removal), so that they go again after that count (see
     * {@link #released}) instead of staying for good. Decided under the key's lock, as the swap's retiring is.
     */
    RouteMeters route(RouteId route) {
        Object key = route == null ? NO_ROUTE : route;
        RouteMeters m = routes.get(key);
        return m != null ? m : routes.computeIfAbsent(key, k -> new RouteMeters(k, label(route), route != null && !routed(route)));
    }

    private boolean routed(RouteId route) {
        RouteTable t = table;
        return t == null || t.route(route) != null;
    }

    /** The route's meters in the map now, null if none (tests). */
    RouteMeters current(RouteId route) {
        return routes.get(route == null ? NO_ROUTE : route);
    }

    /**
     * A WebSocket of the route opened: its meters, held (not removed) until {@link #tunnelClosed}. Meters there are
     * taken without the key's lock; meters closed meanwhile (gone with their route) are made anew under it.
     */
    RouteMeters tunnelOpened(RouteId route) {
        Object key = route == null ? NO_ROUTE : route;
        RouteMeters m = routes.get(key);
        if (m != null && m.active.take()) {
            return m;
        }
        return routes.compute(key, (k, old) -> {
            RouteMeters held = old != null && old.active.take() ? old : null;
            if (held == null) { // none, or closed and leaving the map (its remover gives up the key's lock first)
                held = new RouteMeters(k, label(route), route != null && !routed(route));
                held.active.take();
            }
            return held;
        });
    }

    /** That WebSocket closed (its close already counted): the meters of a removed route go with the last one. */
    void tunnelClosed(RouteMeters m) {
        m.active.giveBack();
        released(m);
    }

    /** After a count in {@code m}: if its route is gone from the table and no WebSocket holds it, its series go. */
    private void released(RouteMeters m) {
        if (m.retired && m.active.count() == 0) {
            routes.computeIfPresent(m.id, (k, g) -> g == m && g.retired ? g.unlessUsed() : g);
        }
    }

    void upgrade(RouteId route, int status) {
        RouteMeters m = route(route);
        m.upgrades.of(status).increment();
        released(m);
    }

    /**
     * An upgrade answered 101: counted, with the time from request to 101, in the meters its tunnel holds (no look-up
     * by route; held, they need no {@link #released} check).
     */
    void upgradedIn(RouteMeters m, long handshakeNanos) {
        m.upgrades.of(101).increment();
        m.handshake.record(handshakeNanos, TimeUnit.NANOSECONDS);
    }

    /** {@link #upgradedIn} without meters held (tests). */
    void upgraded(RouteId route, long handshakeNanos) {
        RouteMeters m = route(route);
        upgradedIn(m, handshakeNanos);
        released(m);
    }

    void httpRequest(RouteId route, int status) {
        RouteMeters m = route(route);
        m.httpRequests.of(status).increment();
        released(m);
    }

    /**
     * A WebSocket session closed, counted in the meters its tunnel holds until {@link #tunnelClosed}, which comes after.
     *
     * @param cause why the proxy closed it; null when the client or upstream did
     */
    void closedIn(RouteMeters m, CloseInitiator by, int code, CloseCause cause, long nanos) {
        m.closes(by, code, cause).increment();
        m.duration.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** {@link #closedIn} without meters held (tests). */
    void closed(RouteId route, CloseInitiator by, int code, CloseCause cause, long nanos) {
        RouteMeters m = route(route);
        closedIn(m, by, code, cause, nanos);
        released(m);
    }

    void drained(RouteId route) {
        RouteMeters m = route(route);
        m.counter("wsroute.websocket.drained", "WebSocket sessions closed with 1001 after a drain").increment();
        released(m);
    }

    /** After a table swap: the series of routes it removed and of endpoints their pools no longer list go. */
    void swapped(RouteTable old, RouteTable fresh) {
        retainRoutesOf(old, fresh);
        retainEndpointsOf(old, fresh);
    }

    /**
     * Routes the new table lacks are retired: their meters go now if no WebSocket holds them, else with the last one;
     * a route back before that keeps them. Per route id under its key's lock, after {@link #table} is set, so meters
     * made meanwhile either are seen here or read the new table themselves.
     */
    private void retainRoutesOf(RouteTable old, RouteTable fresh) {
        table = fresh;
        for (CompiledRoute r : old.routes()) {
            if (fresh.route(r.route().id()) == null) {
                routes.computeIfPresent(r.route().id(), (k, m) -> {
                    m.retired = true;
                    return m.unlessUsed();
                });
            }
        }
        for (CompiledRoute r : fresh.routes()) {
            if (old.route(r.route().id()) == null) {
                routes.computeIfPresent(r.route().id(), (k, m) -> {
                    m.retired = false;
                    return m;
                });
            }
        }
    }

    /**
     * After a table swap: each route's {@code wsroute_endpoint_active} series of an endpoint its pools no longer list
     * goes once its last socket there has closed (at once when none is open), and its
     * {@code wsroute_upstream_connect_failures_total} series at once, so pods rolled away leave no series behind;
     * what no route claims (the default backend) keeps its series.
     */
    private void retainEndpointsOf(RouteTable old, RouteTable table) {
        for (Map.Entry<Object, RouteMeters> e : routes.entrySet()) {
            if (e.getKey() instanceof RouteId id) {
                CompiledRoute route = table.route(id);
                if (route != null && route == old.route(id)) {
                    continue; // reused as it was: the same endpoints (an endpoint event touches only its Service's routes)
                }
                e.getValue().retainEndpoints(route == null ? Set.of() : route.endpointKeys());
            }
        }
    }

    /** Fields that must not be trailers were dropped from a chunked body; {@code from}: "client" or "upstream". */
    void trailerFieldsDropped(RouteId route, String from) {
        RouteMeters m = route(route);
        m.counter("wsroute.http.trailer.fields.dropped", "Chunked bodies that had fields that must not be trailers dropped",
                "from", from).increment();
        released(m);
    }

    void connectFailed(PoolId pool, Endpoint endpoint) {
        RouteMeters m = route(pool.route());
        m.counter("wsroute.upstream.connect.failures", "Upstream connections refused, timed out or failed",
                "endpoint", endpoint.key()).increment();
        released(m);
    }

    /**
     * Close code (0–65535, or what {@link CloseCodeLabels} counts it as), who closed and the proxy's reason in one int:
     * the key of a close counter.
     */
    static int closeKey(CloseInitiator by, int code, CloseCause cause) {
        return (code & 0x1FFFF) << 8 | by.ordinal() << 4 | (cause == null ? 0 : cause.ordinal() + 1);
    }

    /** Meters of one route, kept for the hot path; tagged counters are looked up in a small map, not the registry. */
    final class RouteMeters {
        /** Its key in {@link #routes}. */
        private final Object id;
        private final String route;
        private final ConcurrentHashMap<List<String>, Counter> counters = new ConcurrentHashMap<>();
        /** Open WebSockets of the route: they hold its meters. */
        final HoldCount active = new HoldCount();
        private final Meters.Registration activeGauge;
        /** Set while the last table has no such route: the meters go when no WebSocket holds them. */
        volatile boolean retired;
        /** Out of the registry (guarded by this): nothing new is registered for it, a late count goes nowhere. */
        private boolean gone;
        private final ConcurrentHashMap<String, EndpointGauge> endpoints = new ConcurrentHashMap<>();
        final Counter messagesUp;
        final Counter messagesDown;
        final Counter bytesUp;
        final Counter bytesDown;
        final Timer handshake;
        final Timer duration;
        final ByStatus upgrades;
        final ByStatus httpRequests;
        /** {@code wsroute.websocket.closes} by {@link #closeKey}; replaced (copy on write) when a new key appears. */
        private volatile IntObjectHashMap<Counter> closes = new IntObjectHashMap<>();
        private final CloseCodeLabels codeLabels = new CloseCodeLabels();

        Counter counter(String name, String description, String... tags) {
            List<String> key = new java.util.ArrayList<>(tags.length + 1);
            key.add(name);
            key.addAll(List.of(tags));
            Counter c = counters.get(key);
            return c != null ? c : newCounter(key, description);
        }

        /** In step with {@link #unlessUsed}: a counter made after the removal would be a series nothing removes. */
        private synchronized Counter newCounter(List<String> key, String description) {
            if (gone) {
                return NOWHERE;
            }
            String[] tags = key.subList(1, key.size()).toArray(String[]::new);
            return counters.computeIfAbsent(key, k -> registry.counter(key.get(0), description, null, withRoute(tags)));
        }

        /**
         * Null (out of the map, and every series of the route out of the registry) when no WebSocket holds it; else
         * itself. Called under its key's lock in {@link #routes}.
         */
        RouteMeters unlessUsed() {
            if (!active.closeUnlessHeld()) {
                return this;
            }
            synchronized (this) {
                gone = true;
                activeGauge.remove();
                for (String direction : new String[] {"upstream", "downstream"}) {
                    registry.remove("wsroute.websocket.messages", "route", route, "direction", direction);
                    registry.remove("wsroute.websocket.bytes", "route", route, "direction", direction);
                }
                registry.remove("wsroute.websocket.handshake", "route", route);
                registry.remove("wsroute.websocket.session", "route", route);
                for (List<String> key : counters.keySet()) {
                    registry.remove(key.get(0), withRoute(key.subList(1, key.size()).toArray(String[]::new)));
                }
                counters.clear();
                endpoints.values().forEach(g -> { // none held: a socket holds its endpoint's only while it holds the route's
                    g.open.closeUnlessHeld();
                    g.registration.remove();
                });
                endpoints.clear();
            }
            return null;
        }

        /**
         * A socket of this route opened on the endpoint: counted in its {@code wsroute_endpoint_active} series (how
         * balanced the pool is), made on the first one. A series is removed only once closed with no socket counted
         * in it ({@link HoldCount}), so it is never removed with a socket just counted in it.
         *
         * @param listed whether the current table lists the endpoint for the socket's pool: a series made for a socket
         *        whose upgrade completed after its endpoint left goes with that socket
         */
        EndpointGauge endpointOpened(String endpoint, boolean listed) {
            EndpointGauge g = endpoints.get(endpoint);
            if (g != null && g.open.take()) {
                return g;
            }
            return endpoints.compute(endpoint, (e, old) -> {
                EndpointGauge gauge = old != null && old.open.take() ? old : null;
                if (gauge == null) {
                    gauge = new EndpointGauge(e);
                    gauge.listed = listed;
                    gauge.open.take();
                }
                return gauge;
            });
        }

        /** The endpoint's series in the map now, null if none (tests). */
        EndpointGauge current(String endpoint) {
            return endpoints.get(endpoint);
        }

        /** That socket closed: the series goes with the last one when the route's pools no longer list the endpoint. */
        void endpointClosed(String endpoint, EndpointGauge gauge) {
            if (gauge.open.giveBack() == 0 && !gauge.listed) {
                // listed again meanwhile (a swap between the count and the lock): it stays, showing 0
                endpoints.computeIfPresent(endpoint, (e, g) -> g == gauge && !g.listed ? g.unlessUnused() : g);
            }
        }

        void retainEndpoints(Set<String> listed) {
            for (List<String> key : counters.keySet()) { // [name, "endpoint", endpoint]: connect failures
                if (key.size() == 3 && "endpoint".equals(key.get(1)) && !listed.contains(key.get(2)) && counters.remove(key) != null) {
                    registry.remove(key.get(0), withRoute(key.get(1), key.get(2)));
                }
            }
            for (String endpoint : endpoints.keySet()) {
                endpoints.computeIfPresent(endpoint, (e, g) -> {
                    g.listed = listed.contains(e);
                    return g.listed ? g : g.unlessUnused();
                });
            }
        }

        /** One {@code wsroute_endpoint_active} series. */
        final class EndpointGauge {
            final HoldCount open = new HoldCount();
            /** Whether the route's pools listed the endpoint at the last table swap. */
            volatile boolean listed = true;
            private final Meters.Registration registration;

            EndpointGauge(String endpoint) {
                registration = registry.gauge("wsroute.endpoint.active", "Open WebSockets per endpoint", open, HoldCount::count,
                        "route", route, "endpoint", endpoint);
            }

            /** Null (out of the map, and of the registry) when no socket is open on it; else itself. */
            EndpointGauge unlessUnused() {
                if (!open.closeUnlessHeld()) {
                    return this;
                }
                registration.remove();
                return null;
            }
        }

        RouteMeters(Object id, String route, boolean retired) {
            this.id = id;
            this.route = route;
            this.retired = retired;
            activeGauge = registry.gauge("wsroute.websocket.active", "Open WebSocket tunnels", active, HoldCount::count, "route", route);
            messagesUp = registry.counter("wsroute.websocket.messages", "WebSocket messages relayed", null,
                    "route", route, "direction", "upstream");
            messagesDown = registry.counter("wsroute.websocket.messages", "WebSocket messages relayed", null,
                    "route", route, "direction", "downstream");
            bytesUp = registry.counter("wsroute.websocket.bytes", "WebSocket bytes relayed", "bytes",
                    "route", route, "direction", "upstream");
            bytesDown = registry.counter("wsroute.websocket.bytes", "WebSocket bytes relayed", "bytes",
                    "route", route, "direction", "downstream");
            handshake = registry.timer("wsroute.websocket.handshake", "Upgrade request to 101 relayed", "route", route);
            duration = registry.timer("wsroute.websocket.session", "WebSocket session length", "route", route);
            upgrades = new ByStatus("wsroute.websocket.upgrades", "WebSocket upgrade requests by the status answered");
            httpRequests = new ByStatus("wsroute.http.requests", "Plain HTTP requests by the status answered");
        }

        Counter closes(CloseInitiator by, int code, CloseCause cause) {
            Counter c = closes.get(closeKey(by, code, cause)); // a code with a label of its own, seen before
            return c != null ? c : newClosesCounter(by, code, cause);
        }

        private synchronized Counter newClosesCounter(CloseInitiator by, int code, CloseCause cause) {
            int countedAs = codeLabels.countedAs(code); // codes that share a label share a key: the map stays as small
            int key = closeKey(by, countedAs, cause);
            Counter c = closes.get(key);
            if (c == null) {
                c = counter("wsroute.websocket.closes", "Closed WebSocket sessions by who closed, the close code and (proxy) why",
                        "by", by.label(), "code", CloseCodeLabels.label(countedAs), "reason", cause == null ? "" : cause.label());
                IntObjectHashMap<Counter> next = new IntObjectHashMap<>(closes.size() + 1);
                next.putAll(closes);
                next.put(key, c);
                closes = next;
            }
            return c;
        }

        /** A status counter family of this route ({@code status} label), one slot per status code 0–999. */
        final class ByStatus {
            private final String name;
            private final String description;
            private final AtomicReferenceArray<Counter> counters = new AtomicReferenceArray<>(1000);

            ByStatus(String name, String description) {
                this.name = name;
                this.description = description;
            }

            Counter of(int status) {
                if (status < 0 || status >= counters.length()) {
                    return counter(name, description, "status", Integer.toString(status));
                }
                Counter c = counters.get(status);
                if (c == null) {
                    c = counter(name, description, "status", Integer.toString(status));
                    counters.set(status, c); // counter() hands out one Counter per status: a race sets the same one
                }
                return c;
            }
        }

        private String[] withRoute(String... tags) {
            String[] all = new String[tags.length + 2];
            all[0] = "route";
            all[1] = route;
            System.arraycopy(tags, 0, all, 2, tags.length);
            return all;
        }
    }
}
