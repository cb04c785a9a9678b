package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;

/**
 * Many deploys of a backend as an operator scrapes them, in an app that gives every meter a common tag (Quarkus'
 * documented {@code MeterFilter.commonTags} bean, applied to the global registry wsroute registers in): pods rolled
 * away and routes deleted must take their series with them there too. Without it every rollout left a
 * {@code wsroute_upstream_connect_failures_total} series per gone pod, and a deleted route every counter and timer.
 */
class CommonTagsChurnMetricsTest {
    ProxyHarness px;
    final List<ControllableBackend> backends = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "300ms"), () -> null,
                MeterFilter.commonTags(List.of(Tag.of("env", "prod"))));
    }

    @AfterEach
    void stop() {
        px.close();
        backends.forEach(ControllableBackend::close);
    }

    private static String deadEndpoint() throws Exception {
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + closed.getLocalPort(); // nothing listens there once closed: connects are refused
        }
    }

    private List<String> endpointSeries() {
        return px.metrics.getMeters().stream().filter(m -> m.getId().getTag("endpoint") != null)
                .map(m -> m.getId().getName() + "{" + m.getId().getTag("endpoint") + "}").sorted().toList();
    }

    @Test
    void fiftyRolloutsOfAThreePodBackendLeaveTheSeriesOfTheLastPodsOnly() throws Exception {
        String rule = "loadBalancer: {policy: RoundRobin}"
                + "\nhealthCheck: {passive: {consecutiveFailures: 1, baseEjectionTime: 1m, maxEjectionPercent: 100}}";
        WsClient previous = null;
        Set<String> pods = Set.of();
        for (int rollout = 0; rollout < 50; rollout++) {
            ControllableBackend one = ControllableBackend.start("one" + rollout);
            ControllableBackend two = ControllableBackend.start("two" + rollout);
            String crashing = deadEndpoint(); // the third pod of the set refuses connections
            pods = Set.of(one.endpoint(), two.endpoint(), crashing);
            px.routes(LifecycleFixture.route(rule, one.endpoint(), two.endpoint(), crashing));
            if (previous != null) {
                assertThat(previous.awaitClose()).as("the old pod's socket drained").isEqualTo(1001);
                previous.close();
                backends.forEach(ControllableBackend::close);
                backends.clear();
            }
            backends.add(one);
            backends.add(two);
            for (int i = 0; i < 20 && LifecycleFixture.counter(px, "wsroute.upstream.connect.failures", "endpoint", crashing) == 0; i++) {
                try (RawHttp raw = new RawHttp(px.port())) {
                    raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1")).readHead();
                }
            }
            assertThat(LifecycleFixture.counter(px, "wsroute.upstream.connect.failures", "endpoint", crashing)).isPositive();
            Awaitility.await().until(() -> LifecycleFixture.counter(px, "wsroute.endpoint.ejections", "endpoint", crashing) == 1);
            previous = WsClient.connect(px.ws("/ws"), Map.of());
        }
        String open = previous.roundTrip("whoami");
        assertThat(open).as("a socket on one of the last pods").isIn("one49", "two49");
        Set<String> last = pods;
        Awaitility.await().untilAsserted(() -> assertThat(endpointSeries())
                .as("only the last three pods have series").allMatch(s -> last.stream().anyMatch(s::contains)));
        previous.close();
    }

    @Test
    void aDeletedRouteLosesEveryCounterAndTimer() throws Exception {
        ControllableBackend a = ControllableBackend.start("a");
        backends.add(a);
        px.routes(LifecycleFixture.route("", a.endpoint()));
        try (WsClient ws = WsClient.connect(px.ws("/ws"), Map.of())) {
            assertThat(ws.roundTrip("whoami")).isEqualTo("a");
            ws.sendClose();
            assertThat(ws.awaitClose()).isEqualTo(1000);
        }
        Awaitility.await().until(() -> LifecycleFixture.counter(px, "wsroute.websocket.closes", "route", "default/chat") == 1);

        px.routes(LifecycleFixture.route("", a.endpoint()).replace("name: chat", "name: other").replace("value: /ws", "value: /other"));

        Awaitility.await().untilAsserted(() -> assertThat(px.metrics.getMeters().stream()
                .filter(m -> "default/chat".equals(m.getId().getTag("route"))).map(Meter::getId).map(Meter.Id::getName))
                .as("series of the deleted route").isEmpty());
    }
}
