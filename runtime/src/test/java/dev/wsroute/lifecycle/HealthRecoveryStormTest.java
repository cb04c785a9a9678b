package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import io.micrometer.core.instrument.Gauge;

/**
 * Health under churn, as a user's pool goes through it: every endpoint failing its checks (fail open: sockets stay,
 * new ones still land), one recovering just as a storm of new clients arrives (the storm lands on it alone, the pool
 * stops failing open), and a pod whose readiness flaps faster than the drain period (its sockets stay; they drain
 * only once it is gone for good, each with one Close 1001).
 */
class HealthRecoveryStormTest {
    private static final Duration WAIT = Duration.ofSeconds(30); // a bound against a hang on a loaded machine
    private static final String RULE = """
            loadBalancer: {policy: LeastConnections}
            healthCheck:
              active: {type: HTTP, path: /health, interval: 3s, timeout: 3s, healthyThreshold: 1, unhealthyThreshold: 1}
              passive: {consecutiveFailures: 3, baseEjectionTime: 30s, maxEjectionPercent: 100}""";
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<WebSocket> sockets = new CopyOnWriteArrayList<>();
    private final List<Integer> closes = new CopyOnWriteArrayList<>();
    private ControllableBackend a;
    private ControllableBackend b;
    private ProxyHarness px;

    @BeforeEach
    void start() throws Exception {
        px = LifecycleFixture.proxy(); // drain period 300ms
        a = ControllableBackend.start("a");
        b = ControllableBackend.start("b");
        px.routes(LifecycleFixture.route(RULE, a.endpoint(), b.endpoint()));
    }

    @AfterEach
    void stop() {
        sockets.forEach(WebSocket::abort);
        px.close();
        a.close();
        b.close();
    }

    private CompletableFuture<WebSocket> connect() {
        return http.newWebSocketBuilder().buildAsync(URI.create(px.ws("/ws")), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                closes.add(code);
                return null;
            }
        }).thenApply(ws -> {
            sockets.add(ws);
            return ws;
        });
    }

    private boolean healthy(ControllableBackend backend) {
        return px.dataPlane.health().endpoints().stream().filter(v -> v.endpoint().equals(backend.endpoint()))
                .allMatch(EndpointView::healthy);
    }

    private double failOpen() {
        Gauge g = px.metrics.find("wsroute.pool.fail.open").tags("route", "default/chat").gauge();
        return g == null ? Double.NaN : g.value();
    }

    @Test
    void failOpenThenAStormOnTheRecoveredEndpointThenAFlappingPod() throws Exception {
        for (int i = 0; i < 10; i++) {
            connect().get(10, TimeUnit.SECONDS);
        }
        await().atMost(WAIT).until(() -> a.open.size() == 5 && b.open.size() == 5);

        // every endpoint fails its checks: fail open, and nothing open is closed
        a.healthStatus.set(503);
        b.healthStatus.set(503);
        await().atMost(WAIT).until(() -> !healthy(a) && !healthy(b));
        assertThat(failOpen()).isEqualTo(1);
        for (int i = 0; i < 4; i++) {
            connect().get(10, TimeUnit.SECONDS); // still taken
        }
        await().atMost(WAIT).until(() -> a.open.size() + b.open.size() == 14);

        // b recovers as a storm of 20 arrives at once: all of it on b, none refused
        int onA = a.open.size();
        int onB = b.open.size();
        b.healthStatus.set(200);
        await().atMost(WAIT).until(() -> healthy(b));
        List<CompletableFuture<WebSocket>> storm = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            storm.add(connect());
        }
        CompletableFuture.allOf(storm.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> b.open.size() == onB + 20);
        assertThat(a.open).as("a, still failing its checks, took none of the storm").hasSize(onA);
        assertThat(failOpen()).isZero();
        assertThat(closes).as("no socket was closed by any of it").isEmpty();

        // a's readiness flaps: out of the slices and back, faster than the drain period; its sockets stay
        a.healthStatus.set(200);
        int aSockets = a.open.size();
        for (int i = 0; i < 5; i++) {
            px.routes(LifecycleFixture.route(RULE, b.endpoint()));
            px.routes(LifecycleFixture.route(RULE, a.endpoint(), b.endpoint()));
        }
        px.routes(LifecycleFixture.route(RULE, b.endpoint())); // then gone for good: they drain
        await().atMost(WAIT).until(() -> closes.size() >= aSockets && a.open.isEmpty());
        assertThat(closes).as("one Close 1001 per socket on a, only after its last removal").hasSize(aSockets).containsOnly(1001);
        assertThat(b.open).hasSize(onB + 20);
        await().atMost(WAIT).until(() -> LifecycleFixture.counter(px, "wsroute.websocket.drained") == aSockets);
    }
}
