package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.model.Backend;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;
import dev.wsroute.tls.TlsResolver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Vertx;

/**
 * A backend deploy as a user's cluster does it, with everything a rule can ask for switched on at once: three pods
 * replaced one by one (the new one ready, the old one terminating but serving, then gone), while 30 clients that
 * reconnect whenever their socket closes keep a storm going (idle timeout, max lifetime, rebalancing and the drains of
 * the old pods all close sockets). Counted, never timed: every close the clients saw has a documented code and is
 * counted once in the metrics; no socket is left on a gone pod; and once the clients leave, everything the data plane
 * counts is back to exactly nothing — LeastConnections' counts, the open-socket gauges, the client connections — and
 * the rule's maxConnections takes exactly its limit again.
 */
class BackendDeployChurnTest {
    private static final Duration WAIT = Duration.ofSeconds(60); // a bound against a hang on a loaded machine
    private static final int CLIENTS = 30;
    private static final int MAX_CONNECTIONS = 60;
    private static final String RULE = """
            loadBalancer: {policy: LeastConnections}
            maxConnections: %d
            timeouts: {idle: 2s, maxDuration: 3s}
            healthCheck: {passive: {consecutiveFailures: 3, baseEjectionTime: 1s}}
            rebalance: {tolerance: 20, maxClosesPerSecond: 50}""".formatted(MAX_CONNECTIONS);

    private final HttpClient http = HttpClient.newHttpClient();
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    /** Close codes the clients got, by code; handshake refusals by status. */
    /** Closes the clients got by code (a code seen only on closes that crossed a leave: listed, with no count). */
    private final Map<Integer, AtomicInteger> closeCodes = new ConcurrentHashMap<>();
    private final AtomicInteger crossedLeave = new AtomicInteger();
    private final Map<Integer, AtomicInteger> refusals = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private volatile boolean reconnecting = true;
    private final Set<String> listed = ConcurrentHashMap.newKeySet();
    private final Set<String> terminating = ConcurrentHashMap.newKeySet();
    /** The EndpointSlices: every listed pod, ready unless terminating (then still serving). */
    private final EndpointSource slices = new EndpointSource() {
        @Override
        public List<Backend.HostPort> resolve(RouteId route, Backend backend) {
            return backend.endpoints().stream().filter(hp -> !terminating.contains(hp.toString())).toList();
        }

        @Override
        public List<Backend.HostPort> terminating(RouteId route, Backend backend) {
            return backend.endpoints().stream().filter(hp -> terminating.contains(hp.toString())).toList();
        }
    };
    private Vertx vertx;
    private ProxyHarness px;
    private final List<ControllableBackend> pods = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "500ms"));
    }

    @AfterEach
    void stop() {
        reconnecting = false;
        timers.shutdownNow();
        clients.forEach(Client::abort);
        px.close();
        pods.forEach(ControllableBackend::close);
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private ControllableBackend pod(String name) {
        ControllableBackend p = new ControllableBackend(vertx, name);
        pods.add(p);
        return p;
    }

    /** Publishes the table the slices make now. */
    private void publish() {
        publish(RULE);
    }

    private void publish(String rule) {
        String endpoints = listed.stream().sorted().map(e -> "\"" + e + "\"").collect(Collectors.joining(", "));
        px.routes("""
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat, namespace: default}
                spec:
                  rules:
                    - match: {path: {value: /ws}}
                      backends: [{endpoints: [%s]}]
                %s
                """.formatted(endpoints, rule.indent(6)), TlsResolver.NONE, slices);
    }

    @Test
    void aRollingDeployUnderAReconnectStormEndsWithEveryCloseDocumentedAndEveryCountBackToZero() throws Exception {
        List<ControllableBackend> old = List.of(pod("p1"), pod("p2"), pod("p3"));
        old.forEach(p -> listed.add(p.endpoint()));
        publish();
        for (int i = 0; i < CLIENTS; i++) {
            Client c = new Client(px.ws("/ws"), i % 2 == 0); // half of them chat (max lifetime), half stay quiet (idle)
            clients.add(c);
            c.connect();
        }
        await().atMost(WAIT).until(() -> open.get() == CLIENTS);

        List<ControllableBackend> fresh = new ArrayList<>();
        for (int i = 0; i < old.size(); i++) {
            ControllableBackend next = pod("q" + (i + 1));
            fresh.add(next);
            listed.add(next.endpoint()); // the new pod is ready
            publish();
            ControllableBackend leaving = old.get(i);
            terminating.add(leaving.endpoint()); // the old one terminating, still serving: its sockets drain
            publish();
            await().atMost(WAIT).until(() -> leaving.open.isEmpty());
            listed.remove(leaving.endpoint()); // then gone from the slice
            terminating.remove(leaving.endpoint());
            publish();
            await().atMost(WAIT).until(() -> open.get() == CLIENTS); // the storm settles on the pods left
            assertThat(leaving.open).as("no socket left on %s", leaving.name()).isEmpty();
            leaving.stop(); // the pod's process ends
        }
        // a few rounds of lifetimes and idle timeouts on the new pods
        int closesSoFar = closes();
        await().atMost(WAIT).until(() -> closes() >= closesSoFar + 2 * CLIENTS && open.get() == CLIENTS);

        reconnecting = false;
        for (Client c : clients) {
            c.leave();
        }
        await().atMost(WAIT).until(() -> px.dataPlane.tunnels() == 0 && px.clientConnections() == 0);

        // every close the clients saw is one the README documents (1000: the echo of their own when they left), and
        // each the proxy made is counted once
        assertThat(closeCodes.keySet()).as("close codes the clients got").isSubsetOf(1000, 1001, 1012);
        assertThat(refusals.keySet()).as("upgrades refused, by status").isEmpty();
        // each close the proxy made is counted once: exactly those a client got while it stayed, plus at most those that
        // crossed its leave (its 1000 and the proxy's 1001 on the wire at once: counted by whichever side the proxy saw
        // first). A client's close callback and the proxy's count run on different threads: wait for both.
        await().atMost(WAIT).untilAsserted(() -> assertThat(closesCounted("idle") + closesCounted("max-duration")
                + closesCounted("drain") + closesCounted("rebalance")).as("proxy closes counted")
                .isBetween((double) closes(1001) + closes(1012), (double) closes(1001) + closes(1012) + crossedLeave.get()));
        assertThat(closesCounted("drain")).as("drains counted").isPositive();
        assertThat(closesCounted("idle")).as("idle timeouts counted").isPositive();
        assertThat(closesCounted("max-duration")).as("lifetimes counted").isPositive();
        assertThat(px.metrics.find("wsroute.websocket.closes").tag("by", "upstream").meters()).as("no upstream gone").isEmpty();

        // and everything counted is back to nothing
        EndpointStatsView load = new EndpointStatsView(px.dataPlane.endpointLoad());
        for (ControllableBackend p : pods) {
            assertThat(load.active(p)).as("LeastConnections' count of %s", p.name()).isZero();
        }
        assertThat(px.dataPlane.endpointLoad().size()).as("counts kept: the new pods only").isEqualTo(fresh.size());
        assertThat(gauge("wsroute.websocket.active", "route", "default/chat")).isZero();
        for (ControllableBackend p : fresh) {
            assertThat(gauge("wsroute.endpoint.active", "route", "default/chat", "endpoint", p.endpoint())).as(p.name()).isZero();
        }
        for (ControllableBackend p : old) {
            assertThat(px.metrics.find("wsroute.endpoint.active").tag("endpoint", p.endpoint()).meters()).as(p.name()).isEmpty();
        }
        assertThat(px.dataPlane.openTunnels()).isEmpty();

        // the rule takes exactly its maxConnections again: its count came back to 0 through every kind of close (the
        // rule edited to close nothing by itself meanwhile: an edit keeps its identity, and its count)
        publish("loadBalancer: {policy: LeastConnections}\nmaxConnections: " + MAX_CONNECTIONS);
        List<WsClient> full = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS; i++) {
                full.add(WsClient.connect(px.port(), "/ws"));
            }
            assertThat(refusal()).as("one over the limit").isEqualTo(503);
        } finally {
            full.forEach(WsClient::close);
        }
    }

    private int refusal() {
        try (WsClient extra = WsClient.connect(px.port(), "/ws")) {
            return 101;
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof WebSocketHandshakeException refused) {
                    return refused.getResponse().statusCode();
                }
            }
            throw new AssertionError(e);
        }
    }

    /** Sockets the proxy or the pods closed under the clients. */
    private int closes() {
        return closes(1001) + closes(1012) + closes(-1);
    }

    private int closes(int code) {
        AtomicInteger n = closeCodes.get(code);
        return n == null ? 0 : n.get();
    }

    private double closesCounted(String reason) {
        return px.metrics.find("wsroute.websocket.closes").tags("by", "proxy", "reason", reason).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private double gauge(String name, String... tags) {
        Gauge g = px.metrics.find(name).tags(tags).gauge();
        return g == null ? Double.NaN : g.value();
    }

    /** LeastConnections' count of a pod's endpoint. */
    private record EndpointStatsView(dev.wsroute.table.EndpointStats stats) {
        int active(ControllableBackend p) {
            return stats.active(Endpoint.of("127.0.0.1", p.port(), 1));
        }
    }

    /** A client that keeps one socket open: it reconnects when it closes, and retries a refused attempt. */
    private final class Client implements WebSocket.Listener {
        private final String uri;
        private final boolean chatty;
        private volatile WebSocket socket;

        Client(String uri, boolean chatty) {
            this.uri = uri;
            this.chatty = chatty;
        }

        void connect() {
            if (!reconnecting) {
                return;
            }
            http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(URI.create(uri), this)
                    .whenComplete((ws, failure) -> {
                        if (failure != null) {
                            Throwable t = failure.getCause() != null ? failure.getCause() : failure;
                            int status = t instanceof WebSocketHandshakeException r ? r.getResponse().statusCode() : -1;
                            refusals.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                            timers.schedule(this::connect, 50, TimeUnit.MILLISECONDS);
                        }
                    });
        }

        @Override
        public void onOpen(WebSocket ws) {
            socket = ws;
            open.incrementAndGet();
            ws.request(1);
            if (!reconnecting) { // opened as the test ends: it leaves too
                leave();
                return;
            }
            if (chatty) {
                chat(ws);
            }
        }

        /** A message every 300 ms keeps the socket from the idle timeout: its lifetime ends it. */
        private void chat(WebSocket ws) {
            if (socket == ws && reconnecting) {
                ws.sendText("hi", true);
                timers.schedule(() -> chat(ws), 300, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            if (ws != socket) { // it left: 1000 is the echo of its own Close, anything else crossed it
                closeCodes.putIfAbsent(code, new AtomicInteger());
                if (code != WebSocket.NORMAL_CLOSURE) {
                    crossedLeave.incrementAndGet();
                }
            } else {
                closeCodes.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
                socket = null;
                open.decrementAndGet();
                connect();
            }
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            if (ws == socket) {
                socket = null;
                closeCodes.computeIfAbsent(-1, c -> new AtomicInteger()).incrementAndGet();
                open.decrementAndGet();
                connect();
            }
        }

        /** Leaves for good: a normal Close. */
        void leave() {
            WebSocket ws = socket;
            socket = null;
            if (ws != null) {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
            }
        }

        void abort() {
            WebSocket ws = socket;
            socket = null;
            if (ws != null) {
                ws.abort();
            }
        }
    }
}
