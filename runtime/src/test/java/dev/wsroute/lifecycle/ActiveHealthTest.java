package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawUpstream;
import dev.wsroute.testing.WsClient;
import io.micrometer.core.instrument.Gauge;

/**
 * healthCheck.active through the real data plane: an endpoint whose checks fail takes no new connections while
 * its open sockets carry on; when no endpoint passes, every one takes connections (fail open) and the metric says so.
 */
class ActiveHealthTest {
    ControllableBackend a;
    ControllableBackend b;
    ProxyHarness px;

    @BeforeEach
    void proxy() throws Exception {
        px = LifecycleFixture.proxy();
        a = ControllableBackend.start("a");
        b = ControllableBackend.start("b");
        // 3 s to answer a probe: one slow probe of the endpoint that must stay healthy would fail the test on a loaded
        // machine (one failure is enough with unhealthyThreshold 1)
        px.routes(LifecycleFixture.route(
                "healthCheck: {active: {type: HTTP, path: /health, interval: 3s, timeout: 3s, healthyThreshold: 1, unhealthyThreshold: 1}}",
                a.endpoint(), b.endpoint()));
    }

    @AfterEach
    void stopAll() {
        px.close();
        a.close();
        b.close();
    }

    private boolean healthy(ControllableBackend backend) {
        return px.dataPlane.health().endpoints().stream().filter(v -> v.endpoint().equals(backend.endpoint()))
                .allMatch(EndpointView::healthy);
    }

    private double gauge(String name, String... tags) {
        Gauge g = px.metrics.find(name).tags(tags).gauge();
        return g == null ? Double.NaN : g.value();
    }

    @Test
    void anUnhealthyEndpointTakesNoNewConnectionsAndItsOpenSocketsStay() throws Exception {
        WsClient onB = null;
        List<WsClient> onA = new ArrayList<>(); // left open: LeastConnections then prefers b
        for (int i = 0; i < 200 && onB == null; i++) {
            WsClient c = WsClient.connect(px.ws("/ws"), Map.of());
            if ("b".equals(c.roundTrip("whoami"))) {
                onB = c;
            } else {
                onA.add(c);
            }
        }
        onA.forEach(WsClient::close);
        assertThat(onB).as("a socket on b").isNotNull();
        b.healthStatus.set(500);
        await().atMost(Duration.ofSeconds(20)).until(() -> !healthy(b));
        assertThat(gauge("wsroute.endpoint.healthy", "endpoint", b.endpoint())).isZero();
        for (int i = 0; i < 20; i++) {
            try (WsClient c = WsClient.connect(px.ws("/ws"), Map.of())) {
                assertThat(c.roundTrip("whoami")).isEqualTo("a");
            }
        }
        assertThat(onB.roundTrip("still open")).isEqualTo("still open");
        b.healthStatus.set(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> healthy(b));
        assertThat(gauge("wsroute.endpoint.healthy", "endpoint", b.endpoint())).isEqualTo(1);
        onB.close();
    }

    /**
     * An operator drops a rule's active check (its path was wrong, say) and keeps the passive one: nothing probes any
     * more, so what the probes said must go with them. It stayed: the endpoint they had failed took no new connection
     * for as long as it stayed in the pool, with no probe left that could ever bring it back.
     */
    @Test
    void anEndpointTheActiveCheckFailedTakesConnectionsAgainWhenTheRuleKeepsOnlyAPassiveCheck() throws Exception {
        b.healthStatus.set(500);
        await().atMost(Duration.ofSeconds(20)).until(() -> !healthy(b));
        px.routes(LifecycleFixture.route("healthCheck: {passive: {consecutiveFailures: 3}}", a.endpoint(), b.endpoint()));
        assertThat(healthy(b)).as("no probe runs any more: b is healthy again").isTrue();
        assertThat(gauge("wsroute.endpoint.healthy", "endpoint", b.endpoint())).isEqualTo(1);
        try (WsClient onA = WsClient.connect(px.ws("/ws"), Map.of()); WsClient next = WsClient.connect(px.ws("/ws"), Map.of())) {
            // LeastConnections: with one socket open on one endpoint, the next goes to the other
            assertThat(List.of(onA.roundTrip("whoami"), next.roundTrip("whoami"))).containsExactlyInAnyOrder("a", "b");
        }
    }

    /**
     * Endpoint churn and route edits, 300 tables: endpoints come and go, the check's interval changes, the route is
     * deleted and made again. Once the route is gone for good, its endpoints get no probe connection any more while
     * a route left alone throughout goes on being probed at its pace, and only its endpoint is checked.
     */
    @Test
    void probesStopWithTheirEndpointOrRouteThroughThreeHundredEdits() throws Exception {
        List<RawUpstream> churned = new ArrayList<>();
        try (RawUpstream sentinel = new RawUpstream(RawUpstream.Mode.SILENT)) {
            for (int i = 0; i < 4; i++) {
                churned.add(new RawUpstream(RawUpstream.Mode.SILENT)); // TCP probes pass: accepted, then closed by the prober
            }
            String kept = LifecycleFixture.route("healthCheck: {active: {type: TCP, interval: 100ms, timeout: 100ms}}",
                    sentinel.endpoint()).replace("name: chat", "name: kept").replace("/ws", "/kept");
            java.util.Random random = new java.util.Random(18);
            for (int i = 0; i < 300; i++) {
                List<String> endpoints = new ArrayList<>();
                churned.stream().filter(u -> random.nextBoolean()).forEach(u -> endpoints.add(u.endpoint()));
                if (endpoints.isEmpty() || i % 10 == 9) {
                    px.routes(kept); // chat deleted
                } else {
                    px.routes(kept + "---\n" + LifecycleFixture.route("healthCheck: {active: {type: TCP, interval: %dms, timeout: 100ms}}"
                            .formatted(100 * (1 + i % 3)), endpoints.toArray(String[]::new)));
                }
            }
            px.routes(kept);
            int settled = sentinel.accepted.get() + 2; // probes already out when chat went: they end meanwhile
            await().atMost(Duration.ofSeconds(20)).until(() -> sentinel.accepted.get() >= settled);
            int[] before = churned.stream().mapToInt(u -> u.accepted.get()).toArray();
            int later = sentinel.accepted.get() + 5;
            await().atMost(Duration.ofSeconds(20)).until(() -> sentinel.accepted.get() >= later);
            assertThat(churned.stream().mapToInt(u -> u.accepted.get()).toArray()).as("probe connections to gone endpoints")
                    .isEqualTo(before);
            assertThat(px.dataPlane.health().endpoints()).extracting(EndpointView::endpoint).containsExactly(sentinel.endpoint());
        } finally {
            for (RawUpstream u : churned) {
                u.close();
            }
        }
    }

    @Test
    void whenNoEndpointIsHealthyEveryReadyOneTakesConnectionsAndTheMetricSaysSo() throws Exception {
        a.healthStatus.set(503);
        b.healthStatus.set(503);
        await().atMost(Duration.ofSeconds(20)).until(() -> !healthy(a) && !healthy(b));
        try (WsClient c = WsClient.connect(px.ws("/ws"), Map.of())) {
            assertThat(c.roundTrip("whoami")).isIn("a", "b");
        }
        assertThat(gauge("wsroute.pool.fail.open", "route", "default/chat")).isEqualTo(1);
        a.healthStatus.set(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> healthy(a));
        try (WsClient c = WsClient.connect(px.ws("/ws"), Map.of())) {
            assertThat(c.roundTrip("whoami")).isEqualTo("a");
        }
        assertThat(gauge("wsroute.pool.fail.open", "route", "default/chat")).isZero();
    }
}
