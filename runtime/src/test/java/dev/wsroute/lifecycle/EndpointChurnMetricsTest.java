package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.WsClient;
import io.micrometer.core.instrument.Gauge;

/**
 * A rolling update seen in {@code wsroute_endpoint_active}: the series of an endpoint that left the pool counts its
 * draining sockets, and goes with the last of them, so every deploy does not leave one series per old pod behind.
 */
class EndpointChurnMetricsTest {
    ControllableBackend a;
    ControllableBackend b;
    ProxyHarness px;

    @BeforeEach
    void start() throws Exception {
        px = LifecycleFixture.proxy(); // drain period 300ms
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
