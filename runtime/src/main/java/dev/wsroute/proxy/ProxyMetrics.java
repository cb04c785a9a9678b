package dev.wsroute.proxy;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.wsroute.model.RouteId;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.PoolId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * WebSocket-specific metrics. Callers pass typed values ({@link RouteId}, enums); label text is made here, one
 * value per route ("namespace/name", or "-" for what no route claims). Meters are looked up once per route and
 * cached: the hot path only adds to counters.
 */
public final class ProxyMetrics {
    private static final String NO_ROUTE = "-";

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, RouteMeters> routes = new ConcurrentHashMap<>();
    private final AtomicInteger clientConnections = new AtomicInteger();

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("wsroute.client.connections", clientConnections, AtomicInteger::get)
                .description("Open client connections, HTTP and WebSocket").register(registry);
    }

    MeterRegistry registry() {
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
            return c != null ? c : counters.computeIfAbsent(key, k -> Counter.builder(name).description(description)
                    .tag("route", route).tags(tags).register(registry));
        }

        /** Open WebSockets of this route on one endpoint ({@code wsroute_endpoint_active}): how balanced the pool is. */
        AtomicInteger endpointActive(String endpoint) {
            AtomicInteger n = endpoints.get(endpoint);
            return n != null ? n : endpoints.computeIfAbsent(endpoint, e -> {
                AtomicInteger count = new AtomicInteger();
                Gauge.builder("wsroute.endpoint.active", count, AtomicInteger::get).description("Open WebSockets per endpoint")
                        .tag("route", route).tag("endpoint", e).register(registry);
                return count;
            });
        }

        RouteMeters(String route) {
            this.route = route;
            Gauge.builder("wsroute.websocket.active", active, AtomicInteger::get).description("Open WebSocket tunnels")
                    .tag("route", route).register(registry);
            messagesUp = Counter.builder("wsroute.websocket.messages").description("WebSocket messages relayed")
                    .tag("route", route).tag("direction", "upstream").register(registry);
            messagesDown = Counter.builder("wsroute.websocket.messages").description("WebSocket messages relayed")
                    .tag("route", route).tag("direction", "downstream").register(registry);
            bytesUp = Counter.builder("wsroute.websocket.bytes").description("WebSocket bytes relayed").baseUnit("bytes")
                    .tag("route", route).tag("direction", "upstream").register(registry);
            bytesDown = Counter.builder("wsroute.websocket.bytes").description("WebSocket bytes relayed").baseUnit("bytes")
                    .tag("route", route).tag("direction", "downstream").register(registry);
            handshake = Timer.builder("wsroute.websocket.handshake").description("Upgrade request to 101 relayed")
                    .tag("route", route).register(registry);
            duration = Timer.builder("wsroute.websocket.session").description("WebSocket session length")
                    .tag("route", route).register(registry);
        }
    }
}
