package dev.wsroute.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.micrometer.MicrometerMeters;
import dev.wsroute.status.StatusSnapshot.EndpointView;
import dev.wsroute.status.StatusSnapshot.RouteView;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;

/** The status model over our real data plane and real echo backends: sockets, traffic, draining and closes per endpoint. */
class StatusModelTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    EchoBackend a;
    EchoBackend b;
    ProxyHarness px;
    StatusModel model;

    @BeforeEach
    void start() throws Exception {
        a = EchoBackend.start("a");
        b = EchoBackend.start("b");
        px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "5m", "wsroute.limits.max-connections", "500"));
        model = new StatusModel(px.tables, px.dataPlane::openTunnels, () -> px.dataPlane.health().endpoints(), new MicrometerMeters(px.metrics), () -> null,
                () -> StatusModel.connections(px.dataPlane));
    }

    @AfterEach
    void stop() {
        px.close();
        a.close();
        b.close();
    }

    static String routes(String... endpoints) {
        return """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat, namespace: default}
                spec:
                  rules:
                    - match: {path: {type: Prefix, value: /ws}, headers: [{name: X-Tenant, value: secret-gold}]}
                      backends: [{endpoints: ["127.0.0.1:9"]}]
                    - match: {path: {type: Prefix, value: /}}
                      backends: [{endpoints: [%s]}]
                """.formatted(String.join(", ", endpoints));
    }

    @Test
    void showsEachEndpointWithItsOpenSocketsAndTraffic() throws Exception {
        px.routes(routes(a.endpoint()));
        model.sample();
        try (WsClient one = WsClient.connect(px.port(), "/x"); WsClient two = WsClient.connect(px.port(), "/y")) {
            assertThat(one.roundTrip("hello")).isEqualTo("hello");
            assertThat(two.roundTrip("hello")).isEqualTo("hello");
            EndpointView e = endpoint(model.sample(), 1, a.endpoint());
            assertThat(e.state()).isEqualTo("ready");
            assertThat(e.health()).isEqualTo("not checked");
            assertThat(e.openWebSockets()).isEqualTo(2);
            assertThat(e.bytesPerSecond()).isPositive();
            assertThat(e.messagesPerSecond()).isPositive();
            RouteView r = model.sample().routes().get(0);
            assertThat(r.rules().get(0).match()).isEqualTo("path Prefix /ws, header x-tenant").doesNotContain("secret-gold");
            assertThat(r.rules().get(0).endpoints()).extracting(EndpointView::openWebSockets).containsExactly(0);
        }
    }

    @Test
    void showsClientConnectionsBesideTheLimitInForce() throws Exception {
        px.routes(routes(a.endpoint()));
        try (WsClient c = WsClient.connect(px.port(), "/x")) {
            assertThat(c.roundTrip("hello")).isEqualTo("hello");
            StatusSnapshot.ClientConnections cc = model.sample().clientConnections();
            assertThat(cc.open()).isEqualTo(1);
            assertThat(cc.configuredLimit()).isEqualTo(500);
            assertThat(cc.limit()).isEqualTo(px.dataPlane.connectionLimit().effective()); // 500 unless ulimit -n is tiny
            assertThat(cc.limitReason() == null).as("a reason exactly when lowered: " + cc).isEqualTo(cc.limit() == 500);
        }
        assertThat(new StatusModel(px.tables, java.util.List::of, java.util.List::of, new MicrometerMeters(px.metrics),
                () -> null, () -> StatusModel.connections(null)).sample().clientConnections()).as("no data plane").isNull();
    }

    @Test
    void anEndpointGoneFromThePoolIsShownDrainingWhileItsSocketsStayOpen() throws Exception {
        px.routes(routes(a.endpoint()));
        try (WsClient c = WsClient.connect(px.port(), "/x")) {
            assertThat(c.roundTrip("before")).isEqualTo("before");
            px.routes(routes(b.endpoint()));
            StatusSnapshot s = model.sample();
            assertThat(endpoint(s, 1, a.endpoint())).extracting(EndpointView::state, EndpointView::openWebSockets)
                    .containsExactly("draining", 1);
            assertThat(endpoint(s, 1, b.endpoint())).extracting(EndpointView::state, EndpointView::openWebSockets)
                    .containsExactly("ready", 0);
        }
    }

    @Test
    void closesOfTheLastMinuteAreCountedByCode() throws Exception {
        px.routes(routes(a.endpoint()));
        model.sample();
        try (WsClient c = WsClient.connect(px.port(), "/x")) {
            c.ws.sendText("close-me", true); // the echo backend closes with 4000
            assertThat(c.awaitClose()).isEqualTo(4000);
        }
        await().atMost(WAIT).until(() -> Map.of("4000", 1L).equals(model.sample().routes().get(0).closesLastMinute()));
    }

    @Test
    void aRuleWithoutEndpointsSaysSo() {
        px.routes("""
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: empty}
                spec:
                  rules:
                    - backends: [{endpoints: ["127.0.0.1:9"]}]
                """, dev.wsroute.tls.TlsResolver.NONE, (route, backend) -> java.util.List.of());
        StatusSnapshot s = model.sample();
        assertThat(s.routes().get(0).rules().get(0).state()).isEqualTo("no ready endpoint");
        assertThat(s.routes().get(0).state()).isEqualTo("serving");
    }

    @Test
    void showsWhatTheHealthChecksSay() throws Exception {
        String refusing = dev.wsroute.testing.RawUpstream.refusedEndpoint();
        px.routes("""
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat, namespace: default}
                spec:
                  rules:
                    - match: {path: {type: Prefix, value: /unchecked}}
                      backends: [{endpoints: [%s]}]
                    - match: {path: {type: Prefix, value: /}}
                      backends: [{endpoints: [%s, %s]}]
                      healthCheck: {passive: {consecutiveFailures: 1, baseEjectionTime: 5m, maxEjectionPercent: 50}}
                """.formatted(a.endpoint(), a.endpoint(), refusing));
        await().atMost(WAIT).until(() -> {
            try (WsClient c = WsClient.connect(px.port(), "/x")) { // a refused connect moves on to the other endpoint
                assertThat(c.roundTrip("hello")).isEqualTo("hello");
            }
            return "unhealthy".equals(endpoint(model.sample(), 1, refusing).health());
        });
        assertThat(endpoint(model.sample(), 1, a.endpoint()).health()).isEqualTo("healthy");
        assertThat(endpoint(model.sample(), 0, a.endpoint()).health()).as("the same endpoint in a rule without checks")
                .isEqualTo("not checked");
    }

    private static EndpointView endpoint(StatusSnapshot s, int rule, String endpoint) {
        return s.routes().get(0).rules().get(rule).endpoints().stream().filter(e -> e.endpoint().equals(endpoint)).findFirst()
                .orElseThrow(() -> new AssertionError(endpoint + " not on the page: " + s));
    }
}
