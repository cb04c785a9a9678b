package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.WsClient;
import io.micrometer.core.instrument.Gauge;

/**
 * Routes created and deleted (a preview environment per pull request) seen in {@code /q/metrics}: a deleted route's
 * series stay, counting, while its sockets drain, and go with the last of them (at once when none is open); the
 * route made again under its name starts new series. Without this every deleted route's series stayed for good.
 */
class RouteChurnMetricsTest {
    private static final String CHAT = "default/chat";
    private static final String PASSIVE = "healthCheck: {passive: {consecutiveFailures: 5, baseEjectionTime: 1m}}";

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

    /** Another route, on another path: the table is not empty without "chat". */
    private String other() {
        return LifecycleFixture.route("", b.endpoint()).replace("name: chat", "name: other").replace("value: /ws", "value: /other");
    }

    /** The names of every series labelled with that route. */
    private List<String> seriesOf(String route) {
        return px.metrics.getMeters().stream().filter(m -> route.equals(m.getId().getTag("route")))
                .map(m -> m.getId().getName()).sorted().toList();
    }

    private Double active(String route) {
        Gauge g = px.metrics.find("wsroute.websocket.active").tag("route", route).gauge();
        return g == null ? null : g.value();
    }

    @Test
    void aDeletedRouteKeepsItsSeriesWhileItsSocketDrainsAndLosesThemWithTheLast() throws Exception {
        px.routes(LifecycleFixture.route(PASSIVE, a.endpoint()) + "---\n" + other());
        try (WsClient onOther = WsClient.connect(px.ws("/other"), Map.of())) {
            assertThat(onOther.roundTrip("whoami")).isEqualTo("b");
        }
        try (WsClient done = WsClient.connect(px.ws("/ws"), Map.of())) {
            assertThat(done.roundTrip("whoami")).isEqualTo("a");
        }
        try (WsClient open = WsClient.connect(px.ws("/ws"), Map.of())) {
            assertThat(open.roundTrip("whoami")).isEqualTo("a");
            Awaitility.await().until(() -> LifecycleFixture.counter(px, "wsroute.websocket.closes", "route", CHAT) == 1);
            assertThat(seriesOf(CHAT)).contains("wsroute.websocket.upgrades", "wsroute.websocket.messages",
                    "wsroute.websocket.bytes", "wsroute.websocket.handshake", "wsroute.websocket.session",
                    "wsroute.websocket.closes", "wsroute.websocket.active", "wsroute.endpoint.active",
                    "wsroute.endpoint.healthy", "wsroute.pool.fail.open");

            px.routes(other()); // chat deleted, one socket still open on it
            assertThat(active(CHAT)).as("the draining socket still counted").isEqualTo(1.0);
            assertThat(seriesOf(CHAT)).contains("wsroute.websocket.upgrades", "wsroute.websocket.closes");

            assertThat(open.awaitClose()).isEqualTo(1001);
            Awaitility.await().untilAsserted(() -> assertThat(seriesOf(CHAT)).as("series of the deleted route").isEmpty());
        }
        assertThat(seriesOf("default/other")).as("the other route untouched").contains("wsroute.websocket.upgrades");

        px.routes(LifecycleFixture.route(PASSIVE, a.endpoint()) + "---\n" + other()); // made again under that name
        try (WsClient again = WsClient.connect(px.ws("/ws"), Map.of())) {
            assertThat(again.roundTrip("whoami")).isEqualTo("a");
            assertThat(LifecycleFixture.counter(px, "wsroute.websocket.upgrades", "route", CHAT, "status", "101"))
                    .as("new series, counted from 0").isEqualTo(1.0);
            assertThat(LifecycleFixture.counter(px, "wsroute.websocket.drained", "route", CHAT)).isZero();
            assertThat(active(CHAT)).isEqualTo(1.0);
        }
    }

    @Test
    void aRouteDeletedWithNoSocketOpenLosesItsSeriesAtOnce() throws Exception {
        px.routes(LifecycleFixture.route("", a.endpoint()) + "---\n" + other());
        try (WsClient c = WsClient.connect(px.ws("/ws"), Map.of())) {
            assertThat(c.roundTrip("whoami")).isEqualTo("a");
        }
        Awaitility.await().until(() -> LifecycleFixture.counter(px, "wsroute.websocket.closes", "route", CHAT) == 1);

        px.routes(other());

        assertThat(seriesOf(CHAT)).as("gone with the swap").isEmpty();
    }

    @Test
    void aRouteDeletedAndAddedBackWhileItsSocketDrainsKeepsItsSeries() throws Exception {
        px.routes(LifecycleFixture.route("", a.endpoint()));
        try (WsClient open = WsClient.connect(px.ws("/ws"), Map.of())) {
            assertThat(open.roundTrip("whoami")).isEqualTo("a");
            px.routes(other());
            px.routes(LifecycleFixture.route("", a.endpoint()) + "---\n" + other()); // back before the drain ends
            assertThat(open.roundTrip("still here")).isEqualTo("still here");
        } // the client closes it
        Awaitility.await().until(() -> active(CHAT) != null && active(CHAT) == 0.0);
        assertThat(seriesOf(CHAT)).as("the route is back: its series stay").contains("wsroute.websocket.upgrades",
                "wsroute.websocket.closes");
    }
}
