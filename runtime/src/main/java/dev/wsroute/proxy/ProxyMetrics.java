package dev.wsroute.proxy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** WebSocket-specific metrics. Meters are looked up once per route and cached: the hot path only adds to counters. */
public final class ProxyMetrics {
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, RouteMeters> routes = new ConcurrentHashMap<>();
    private final AtomicInteger clientConnections = new AtomicInteger();

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("wsroute.client.connections", clientConnections, AtomicInteger::get)
                .description("Open client connections, HTTP and WebSocket").register(registry);
    }

    AtomicInteger clientConnections() {
        return clientConnections;
    }

    RouteMeters route(String route) {
        return routes.computeIfAbsent(route, RouteMeters::new);
    }

    void upgrade(String route, int status) {
        Counter.builder("wsroute.websocket.upgrades").description("WebSocket upgrade requests by the status answered")
                .tag("route", route).tag("status", Integer.toString(status)).register(registry).increment();
    }

    void httpRequest(String route, int status) {
        Counter.builder("wsroute.http.requests").description("Plain HTTP requests by the status answered")
                .tag("route", route).tag("status", Integer.toString(status)).register(registry).increment();
    }

    void closed(String route, String by, int code, long nanos) {
        Counter.builder("wsroute.websocket.closes").description("Closed WebSocket sessions by who closed and the close code")
                .tag("route", route).tag("by", by).tag("code", Integer.toString(code)).register(registry).increment();
        route(route).duration.record(nanos, TimeUnit.NANOSECONDS);
    }

    void drained(String route) {
        Counter.builder("wsroute.websocket.drained").description("WebSocket sessions closed with 1001 after a drain")
                .tag("route", route).register(registry).increment();
    }

    /** Meters of one route, kept for the hot path. */
    final class RouteMeters {
        final AtomicInteger active = new AtomicInteger();
        final Counter messagesUp;
        final Counter messagesDown;
        final Counter bytesUp;
        final Counter bytesDown;
        final Timer handshake;
        final Timer duration;

        RouteMeters(String route) {
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
