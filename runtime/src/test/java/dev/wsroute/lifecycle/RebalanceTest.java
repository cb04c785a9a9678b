package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import io.vertx.core.Vertx;

/**
 * rebalance after scale-out: two endpoints hold 200 sockets, a third appears; sockets on the loaded endpoints get
 * Close 1012, clients (the JDK's, reconnecting as a well-behaved client does) come back and LeastConnections places
 * them on the new endpoint, until every endpoint is within tolerance. Closes never exceed maxClosesPerSecond.
 */
class RebalanceTest {
    private static final int SOCKETS = 200;
    /** Low enough that pacing shows over seconds (38 closes take about 4 s), so that a 2 s stall cannot hide it. */
    private static final int RATE = 10;
    static Vertx vertx;
    static ControllableBackend a;
    static ControllableBackend b;
    static ControllableBackend c;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ConcurrentLinkedQueue<Long> closeTimes = new ConcurrentLinkedQueue<>();
    private final CopyOnWriteArrayList<Integer> closeCodes = new CopyOnWriteArrayList<>();
    private final List<WebSocket> sockets = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void backends() {
        vertx = Vertx.vertx();
        a = new ControllableBackend(vertx, "a");
        b = new ControllableBackend(vertx, "b");
        c = new ControllableBackend(vertx, "c");
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
        c.close();
        vertx.close();
    }

    /** A client that reconnects when the proxy asks it to (1012). */
    private void connect(String uri) throws Exception {
        sockets.add(http.newWebSocketBuilder().buildAsync(URI.create(uri), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                closeTimes.add(System.nanoTime());
                closeCodes.add(code);
                try {
                    connect(uri);
                } catch (Exception e) {
                    closeCodes.add(-1);
                }
                return null;
            }
        }).get(10, TimeUnit.SECONDS));
    }

    private static int open() {
        return a.open.size() + b.open.size() + c.open.size();
    }

    /**
     * Scale-out from one endpoint to three, one of which fails its active check: the unhealthy one is no target (it
     * gets no socket) and the sockets split between the two healthy ones, each close a 1012, no more closes than the
     * split needs (a loop would show as more), and never more than RATE in any second: N closes paced at RATE per
     * second take at least N / RATE - 1 seconds, so N <= RATE x (seconds from the scale-out to the last close + 1).
     * That bound only loosens on a slow machine; unpaced, the closes would all come within a tick or two.
     */
    @Test
    void aScaleOutFromOneToThreeWithOneUnhealthyMovesSocketsOnlyToTheHealthyOneAtTheRate() throws Exception {
        String rule = """
                rebalance: {tolerance: 20, maxClosesPerSecond: %d}
                healthCheck: {active: {type: HTTP, path: /health, interval: 2s, timeout: 2s, healthyThreshold: 1, unhealthyThreshold: 1}}"""
                .formatted(RATE);
        int count = 150;
        c.healthStatus.set(500);
        try (ProxyHarness px = LifecycleFixture.proxy()) {
            px.routes(LifecycleFixture.route(rule, a.endpoint(), c.endpoint()));
            await().atMost(Duration.ofSeconds(20)).until(() -> px.dataPlane.health().endpoints().stream()
                    .anyMatch(v -> v.endpoint().equals(c.endpoint()) && !v.healthy()));
            int cUpgrades = c.upgrades.get();
            for (int i = 0; i < count; i++) {
                connect(px.ws("/ws"));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> a.open.size() == count);

            long scaledOut = System.nanoTime();
            px.routes(LifecycleFixture.route(rule, a.endpoint(), b.endpoint(), c.endpoint()));
            double limit = count / 2.0 * 1.2 + 1; // c is no target: the share is half
            await().atMost(Duration.ofSeconds(60)).until(() -> open() == count && a.open.size() <= limit && b.open.size() <= limit
                    && closeCodes.size() == closeTimes.size());

            assertThat(c.upgrades.get()).as("upgrades to the unhealthy endpoint").isEqualTo(cUpgrades);
            assertThat(closeCodes).isNotEmpty().allMatch(code -> code == 1012);
            assertThat(closeCodes.size()).as("closes").isLessThanOrEqualTo(count - (int) limit + 2);
            long last = closeTimes.stream().mapToLong(Long::longValue).max().orElseThrow();
            double seconds = (last - scaledOut) / 1e9;
            assertThat((double) closeCodes.size()).as("%d closes within %.1f s of the scale-out", closeCodes.size(), seconds)
                    .isLessThanOrEqualTo(RATE * (seconds + 1));
        } finally {
            c.healthStatus.set(200);
            sockets.forEach(WebSocket::abort);
        }
    }

    @Test
    void aThirdEndpointGetsItsShareWithEveryClose1012AndTheRateWithinTheLimit() throws Exception {
        String rule = "rebalance: {tolerance: 20, maxClosesPerSecond: %d}".formatted(RATE);
        try (ProxyHarness px = LifecycleFixture.proxy()) {
            px.routes(LifecycleFixture.route(rule, a.endpoint(), b.endpoint()));
            for (int i = 0; i < SOCKETS; i++) {
                connect(px.ws("/ws"));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> open() == SOCKETS);
            assertThat(a.open.size()).isBetween(99, 101); // LeastConnections
            assertThat(closeCodes).isEmpty();

            px.routes(LifecycleFixture.route(rule, a.endpoint(), b.endpoint(), c.endpoint()));
            double limit = SOCKETS / 3.0 * 1.2 + 1;
            await().atMost(Duration.ofSeconds(60)).until(() -> open() == SOCKETS && a.open.size() <= limit
                    && b.open.size() <= limit && c.open.size() <= limit && closeCodes.size() == closeTimes.size());

            assertThat(closeCodes).isNotEmpty().allMatch(code -> code == 1012);
            // no more than needed: each of a and b sheds down to the limit, once
            assertThat(closeCodes.size()).isLessThanOrEqualTo(2 * (SOCKETS / 2 - (int) limit) + 2);
            List<Long> times = new ArrayList<>(closeTimes);
            Collections.sort(times);
            // The proxy spaces closes so that no second holds more than RATE. The client sees them late and sometimes
            // bunched: a loaded machine (or a 2 s GC pause) delays deliveries, then hands over all that came meanwhile
            // at once. What the client can tell for sure is the pace over the whole shedding: N closes at RATE per second
            // span at least (N / RATE - 1) seconds, less a stall of up to 2 s, and no second holds more than the
            // 3 x RATE closes of a stall of 2 s and the second after it. Unpaced, all of them would come within a tick.
            long needed = (long) ((times.size() / (double) RATE - 1) * 1_000_000_000L);
            assertThat(times.get(times.size() - 1) - times.get(0)).as("span of %d closes, ns", times.size())
                    .isGreaterThanOrEqualTo(needed - 2_000_000_000L);
            for (int i = 0; i < times.size(); i++) {
                long from = times.get(i);
                long inWindow = times.stream().filter(t -> t >= from && t < from + 1_000_000_000L).count();
                assertThat(inWindow).as("closes within 1 s of close %d", i).isLessThanOrEqualTo(RATE * 3);
            }
        } finally {
            sockets.forEach(WebSocket::abort);
        }
    }
}
