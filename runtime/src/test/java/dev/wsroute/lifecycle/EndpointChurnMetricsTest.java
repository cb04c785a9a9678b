package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;
import io.micrometer.core.instrument.Gauge;

/**
 * A rolling update seen in {@code wsroute_endpoint_active}: the series of an endpoint that left the pool counts its
 * draining sockets, and goes with the last of them, so every deploy does not leave one series per old pod behind.
 * A socket whose upgrade to the old pod was under way at the removal drains too.
 */
class EndpointChurnMetricsTest {
    ControllableBackend a;
    ControllableBackend b;
    ProxyHarness px;

    @BeforeEach
    void start() throws Exception {
        // a drain period long enough that a socket checked as still draining cannot have ended meanwhile on a loaded
        // machine (with 300ms a connect and a round trip on another socket outlasted it once)
        px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "5s"));
        a = ControllableBackend.start("a");
        b = ControllableBackend.start("b");
    }

    @AfterEach
    void stop() {
        px.close();
        a.close();
        b.close();
    }

    private Double active(ControllableBackend backend) {
        Gauge g = px.metrics.find("wsroute.endpoint.active").tags("route", "default/chat", "endpoint", backend.endpoint()).gauge();
        return g == null ? null : g.value();
    }

    @Test
    void anEndpointRolledAwayKeepsItsSeriesWhileItsSocketsDrainAndLosesItAfterTheLast() throws Exception {
        px.routes(LifecycleFixture.route("", a.endpoint()));
        try (WsClient onA = WsClient.connect(px.ws("/ws"), Map.of())) {
            assertThat(onA.roundTrip("whoami")).isEqualTo("a");
            assertThat(active(a)).isEqualTo(1.0);

            px.routes(LifecycleFixture.route("", b.endpoint())); // the new pod in, the old one out
            try (WsClient onB = WsClient.connect(px.ws("/ws"), Map.of())) {
                assertThat(onB.roundTrip("whoami")).isEqualTo("b");
                assertThat(active(a)).as("a's socket still open, draining").isEqualTo(1.0);

                assertThat(onA.awaitClose()).isEqualTo(1001);
                org.awaitility.Awaitility.await().until(() -> active(a) == null);
                assertThat(active(b)).as("b untouched").isEqualTo(1.0);
                assertThat(onB.closeCodeNow()).isNull();
            }
        }
    }

    @Test
    void anEndpointRolledAwayLosesItsEjectionAndConnectFailureSeries() throws Exception {
        String dead;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = "127.0.0.1:" + closed.getLocalPort(); // nothing listens there once closed: connects are refused
        }
        String passive = "healthCheck: {passive: {consecutiveFailures: 1, baseEjectionTime: 1m, maxEjectionPercent: 100}}"
                + "\nloadBalancer: {policy: RoundRobin}";
        px.routes(LifecycleFixture.route(passive, a.endpoint(), dead));
        a.upgradeStatus.set(500); // a answers 500 until ejected; the dead one refuses
        for (int i = 0; i < 20 && (LifecycleFixture.counter(px, "wsroute.endpoint.ejections", "endpoint", a.endpoint()) == 0
                || LifecycleFixture.counter(px, "wsroute.upstream.connect.failures", "endpoint", dead) == 0); i++) {
            try (RawHttp raw = new RawHttp(px.port())) {
                raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1")).readHead();
            }
        }
        assertThat(LifecycleFixture.counter(px, "wsroute.endpoint.ejections", "endpoint", a.endpoint())).isPositive();
        assertThat(LifecycleFixture.counter(px, "wsroute.upstream.connect.failures", "endpoint", dead)).isPositive();

        px.routes(LifecycleFixture.route(passive, b.endpoint())); // both rolled away

        for (String name : new String[] {"wsroute.endpoint.ejections", "wsroute.upstream.connect.failures", "wsroute.endpoint.healthy"}) {
            assertThat(px.metrics.find(name).tag("endpoint", a.endpoint()).meters()).as(name + " of a").isEmpty();
            assertThat(px.metrics.find(name).tag("endpoint", dead).meters()).as(name + " of the dead one").isEmpty();
        }
    }

    @Test
    void aNewPodOnTheAddressOfAnEjectedOneDoesNotInheritTheEjection() throws Exception {
        String passive = "healthCheck: {passive: {consecutiveFailures: 1, baseEjectionTime: 1m, maxEjectionPercent: 100}}";
        px.routes(LifecycleFixture.route(passive, a.endpoint(), b.endpoint()));
        a.upgradeStatus.set(500);
        for (int i = 0; i < 20 && !ejected(a.endpoint()); i++) {
            try (RawHttp raw = new RawHttp(px.port())) {
                raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1")).readHead();
            }
        }
        assertThat(ejected(a.endpoint())).isTrue();

        px.routes(LifecycleFixture.route(passive, b.endpoint())); // the failing pod is replaced ...
        a.upgradeStatus.set(0);
        px.routes(LifecycleFixture.route(passive, a.endpoint(), b.endpoint())); // ... by a new one that gets its IP

        assertThat(ejected(a.endpoint())).as("a new pod starts with a clean record").isFalse();
        assertThat(px.metrics.find("wsroute.endpoint.healthy").tag("endpoint", a.endpoint()).gauge().value()).isEqualTo(1.0);
    }

    private boolean ejected(String endpoint) {
        return px.dataPlane.health().endpoints().stream().anyMatch(v -> v.endpoint().equals(endpoint) && v.ejected());
    }

    @Test
    void anUpgradeInFlightWhileItsEndpointIsRemovedDrainsOnceItCompletes() throws Exception {
        try (HeldUpgradeBackend held = new HeldUpgradeBackend()) {
            px.routes(LifecycleFixture.route("", held.endpoint()));
            CompletableFuture<WsClient> upgrading = CompletableFuture.supplyAsync(() -> {
                try {
                    return WsClient.connect(px.ws("/ws"), Map.of());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(held.requestSeen.await(30, TimeUnit.SECONDS)).as("the upgrade reached the old pod").isTrue();

            px.routes(LifecycleFixture.route("", b.endpoint())); // the pod goes while its 101 is on the way
            held.release.countDown();

            try (WsClient late = upgrading.get(30, TimeUnit.SECONDS)) {
                assertThat(late.awaitClose()).as("drained like the sockets open at the removal").isEqualTo(1001);
            }
            org.awaitility.Awaitility.await().until(() -> gauge(held.endpoint()) == null);
        }
    }

    private Double gauge(String endpoint) {
        Gauge g = px.metrics.find("wsroute.endpoint.active").tags("route", "default/chat", "endpoint", endpoint).gauge();
        return g == null ? null : g.value();
    }

    /** A backend that answers its one upgrade with 101 only when released, then keeps the socket open. */
    static final class HeldUpgradeBackend implements AutoCloseable {
        final CountDownLatch requestSeen = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final ServerSocket server;
        private final Thread thread;
        private volatile Socket accepted;

        HeldUpgradeBackend() throws Exception {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(this::serve, "held-upgrade-backend");
            thread.setDaemon(true);
            thread.start();
        }

        String endpoint() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        private void serve() {
            try {
                Socket s = server.accept();
                accepted = s;
                InputStream in = s.getInputStream();
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    int c = in.read();
                    if (c < 0) {
                        return;
                    }
                    head.append((char) c);
                }
                String key = head.toString().lines().filter(l -> l.regionMatches(true, 0, "Sec-WebSocket-Key:", 0, 18))
                        .findFirst().orElseThrow().substring(18).trim();
                requestSeen.countDown();
                release.await();
                String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                        .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
                s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                while (in.read() >= 0) { // whatever comes (the proxy's Close), until the proxy closes
                }
            } catch (Exception e) {
                // closed by the test
            }
        }

        @Override
        public void close() throws Exception {
            release.countDown();
            server.close();
            Socket s = accepted;
            if (s != null) {
                s.close();
            }
        }
    }

    @Test
    void anEndpointRemovedWithNoSocketOpenLosesItsSeriesAtOnceAndGetsItBackWhenItReturns() throws Exception {
        px.routes(LifecycleFixture.route("", a.endpoint()));
        try (WsClient onA = WsClient.connect(px.ws("/ws"), Map.of())) {
            assertThat(onA.roundTrip("whoami")).isEqualTo("a");
        }
        org.awaitility.Awaitility.await().until(() -> active(a) == 0.0);

        px.routes(LifecycleFixture.route("", b.endpoint()));
        assertThat(active(a)).as("no socket on a: its series goes with the swap").isNull();

        px.routes(LifecycleFixture.route("", a.endpoint())); // the same address again (a new pod with a reused IP)
        try (WsClient onA = WsClient.connect(px.ws("/ws"), Map.of())) {
            assertThat(onA.roundTrip("whoami")).isEqualTo("a");
            assertThat(active(a)).isEqualTo(1.0);
        }
    }
}
