package dev.wsroute.proxy;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.wsroute.model.RouteId;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.PoolId;
import dev.wsroute.metrics.Meters;
import dev.wsroute.metrics.Meters.Counter;
import dev.wsroute.metrics.Meters.Timer;

/**
 * WebSocket-specific metrics. Callers pass typed values ({@link RouteId}, enums); label text is made here, one
 * value per route ("namespace/name", or "-" for what no route claims). Meters are looked up once per route and
 * cached: the hot path only adds to counters.
 */
public final class ProxyMetrics {
    private static final String NO_ROUTE = "-";

    private final Meters registry;
    private final ConcurrentHashMap<String, RouteMeters> routes = new ConcurrentHashMap<>();
    private final AtomicInteger clientConnections = new AtomicInteger();

    public ProxyMetrics(Meters registry) {
        this.registry = registry;
        registry.gauge("wsroute.client.connections", "Open client connections, HTTP and WebSocket", clientConnections,
                AtomicInteger::get);
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

    RouteMeters route(RouteId route) {
        String label = label(route);
        RouteMeters m = routes.get(label);
        return m != null ? m : routes.computeIfAbsent(label, RouteMeters::new);
    }

    void upgrade(RouteId route, int status) {
        route(route).counter("wsroute.websocket.upgrades", "WebSocket upgrade requests by the status answered",
                "status", Integer.toString(status)).increment();
    }

    void httpRequest(RouteId route, int status) {
        route(route).counter("wsroute.http.requests", "Plain HTTP requests by the status answered",
                "status", Integer.toString(status)).increment();
    }

    /** @param cause why the proxy closed it; null when the client or upstream did */
    void closed(RouteId route, CloseInitiator by, int code, CloseCause cause, long nanos) {
        RouteMeters m = route(route);
        m.counter("wsroute.websocket.closes", "Closed WebSocket sessions by who closed, the close code and (proxy) why",
                "by", by.label(), "code", Integer.toString(code), "reason", cause == null ? "" : cause.label()).increment();
        m.duration.record(nanos, TimeUnit.NANOSECONDS);
    }

    void drained(RouteId route) {
        route(route).counter("wsroute.websocket.drained", "WebSocket sessions closed with 1001 after a drain").increment();
    }

    void connectFailed(PoolId pool, Endpoint endpoint) {
        route(pool.route()).counter("wsroute.upstream.connect.failures", "Upstream connections refused, timed out or failed",
                "endpoint", endpoint.key()).increment();
    }

    /** Meters of one route, kept for the hot path; tagged counters are looked up in a small map, not the registry. */
    final class RouteMeters {
        private final String route;
        private final ConcurrentHashMap<List<String>, Counter> counters = new ConcurrentHashMap<>();
        final AtomicInteger active = new AtomicInteger();
        private final ConcurrentHashMap<String, AtomicInteger> endpoints = new ConcurrentHashMap<>();
        final Counter messagesUp;
        final Counter messagesDown;
        final Counter bytesUp;
        final Counter bytesDown;
        final Timer handshake;
        final Timer duration;

        Counter counter(String name, String description, String... tags) {
            List<String> key = new java.util.ArrayList<>(tags.length + 1);
            key.add(name);
            key.addAll(List.of(tags));
            Counter c = counters.get(key);
            return c != null ? c : counters.computeIfAbsent(key, k -> registry.counter(name, description, null, withRoute(tags)));
        }

        /** Open WebSockets of this route on one endpoint ({@code wsroute_endpoint_active}): how balanced the pool is. */
        AtomicInteger endpointActive(String endpoint) {
            AtomicInteger n = endpoints.get(endpoint);
            return n != null ? n : endpoints.computeIfAbsent(endpoint, e -> {
                AtomicInteger count = new AtomicInteger();
                registry.gauge("wsroute.endpoint.active", "Open WebSockets per endpoint", count, AtomicInteger::get,
                        "route", route, "endpoint", e);
                return count;
            });
        }

        RouteMeters(String route) {
            this.route = route;
            registry.gauge("wsroute.websocket.active", "Open WebSocket tunnels", active, AtomicInteger::get, "route", route);
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
