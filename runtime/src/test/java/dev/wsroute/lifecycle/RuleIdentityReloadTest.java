package dev.wsroute.lifecycle;

import static dev.wsroute.lifecycle.LifecycleFixture.counter;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.WsClient;

/**
 * Reloads that insert, reorder and edit rules, through the real data plane with real backends: each rule keeps its
 * own health, connection count and sockets (known by its match, not by its position), and a socket drains when its
 * own rule no longer lists its endpoint, whatever the route's other rules list.
 */
class RuleIdentityReloadTest {
    private static final String PASSIVE = "healthCheck: {passive: {consecutiveFailures: 1, baseEjectionTime: 1m, maxEjectionPercent: 50}}";

    ControllableBackend x;
    ControllableBackend y;
    ProxyHarness px;

    @BeforeEach
    void start() throws Exception {
        px = LifecycleFixture.proxy(); // drain period 300ms
        x = ControllableBackend.start("x");
        y = ControllableBackend.start("y");
    }

    @AfterEach
    void stop() {
        px.close();
        x.close();
        y.close();
    }

    /** Route "chat" with these rules (YAML list items). */
    private static String route(String rules) {
        return """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat, namespace: default}
                spec:
                  rules:
                %s
                """.formatted(rules.indent(4));
    }

    private String rule(String path, String body, ControllableBackend... backends) {
        StringBuilder endpoints = new StringBuilder();
        for (ControllableBackend b : backends) {
            endpoints.append(endpoints.length() == 0 ? "" : ", ").append('"').append(b.endpoint()).append('"');
        }
        return """
                - match: {path: {value: %s}}
                  backends: [{endpoints: [%s]}]
                %s
                """.formatted(path, endpoints, body.indent(2));
    }

    private boolean ejected(int rule, String endpoint) {
        return px.dataPlane.health().endpoints().stream()
                .anyMatch(v -> v.rule().index() == rule && v.endpoint().equals(endpoint) && v.ejected());
    }

    private boolean reaches(String path, String backend) throws Exception {
        for (int i = 0; i < 10; i++) { // round robin over two endpoints: two tries would do
            try (WsClient c = WsClient.connect(px.ws(path), Map.of())) {
                if (backend.equals(c.roundTrip("whoami"))) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void anEjectionStaysWithItsRuleWhenARuleIsInsertedAboveIt() throws Exception {
        String lb = PASSIVE + "\nloadBalancer: {policy: RoundRobin}";
        px.routes(route(rule("/b", lb, x, y)));
        y.upgradeStatus.set(500);
        for (int i = 0; i < 20 && counter(px, "wsroute.endpoint.ejections", "endpoint", y.endpoint()) == 0; i++) {
            try (RawHttp raw = new RawHttp(px.port())) {
                raw.send(RawHttp.upgradeRequest("/b", "127.0.0.1")).readHead();
            }
        }
        assertThat(ejected(0, y.endpoint())).as("y ejected from /b").isTrue();
        y.upgradeStatus.set(0); // y answers again: only the ejection keeps /b away from it

        px.routes(route(rule("/a", lb, x, y) + rule("/b", lb, x, y)));

        assertThat(ejected(1, y.endpoint())).as("/b, now the second rule, still has y ejected").isTrue();
        assertThat(ejected(0, y.endpoint())).as("/a, inserted above, starts with y healthy").isFalse();
        assertThat(reaches("/b", "y")).as("/b sends nothing to its ejected endpoint").isFalse();
        assertThat(reaches("/a", "y")).as("/a does not inherit /b's ejection").isTrue();
    }

    @Test
    void maxConnectionsStillCountsARulesOpenSocketsAfterARuleIsInsertedAboveIt() throws Exception {
        px.routes(route(rule("/b", "maxConnections: 1", x)));
        try (WsClient b = WsClient.connect(px.ws("/b"), Map.of())) {
            assertThat(b.roundTrip("whoami")).isEqualTo("x");

            px.routes(route(rule("/a", "maxConnections: 1", x) + rule("/b", "maxConnections: 1", x)));

            try (RawHttp raw = new RawHttp(px.port())) {
                assertThat(RawHttp.status(raw.send(RawHttp.upgradeRequest("/b", "127.0.0.1")).readHead()))
                        .as("/b holds its one socket already").isEqualTo(503);
            }
            try (WsClient a = WsClient.connect(px.ws("/a"), Map.of())) {
                assertThat(a.roundTrip("whoami")).as("/a has none of /b's sockets counted against it").isEqualTo("x");
            }
            assertThat(b.roundTrip("still open")).isEqualTo("still open");
        }
    }

    @Test
    void anEndpointTakenOutOfOneRuleDrainsThatRulesSocketsEvenWhenAnotherRuleStillListsIt() throws Exception {
        px.routes(route(rule("/a", "", x) + rule("/b", "", x)));
        try (WsClient a = WsClient.connect(px.ws("/a"), Map.of()); WsClient b = WsClient.connect(px.ws("/b"), Map.of())) {
            assertThat(a.roundTrip("whoami")).isEqualTo("x");
            assertThat(b.roundTrip("whoami")).isEqualTo("x");

            px.routes(route(rule("/a", "", x) + rule("/b", "", y)));

            assertThat(b.awaitClose()).as("x was taken out of /b").isEqualTo(1001);
            assertThat(a.roundTrip("after the drain")).isEqualTo("after the drain");
            assertThat(a.closeCodeNow()).isNull();
        }
    }

    @Test
    void reorderingAndEditingRulesKeepsTheirSocketsAndAChangedMatchIsAnotherRule() throws Exception {
        px.routes(route(rule("/a", "", x) + rule("/b", "", x)));
        try (WsClient a = WsClient.connect(px.ws("/a"), Map.of()); WsClient b = WsClient.connect(px.ws("/b"), Map.of())) {
            assertThat(a.roundTrip("whoami")).isEqualTo("x");
            assertThat(b.roundTrip("whoami")).isEqualTo("x");

            // /b moves up and gets other timeouts and headers; /a's match changes: it is a new rule
            px.routes(route(rule("/b", "timeouts: {idle: 30m}\nrewrite: {setHeaders: [{name: X-New, value: '1'}]}", x)
                    + rule("/a2", "", x)));

            assertThat(a.awaitClose()).as("the rule it came through is gone").isEqualTo(1001);
            assertThat(b.roundTrip("after the drain")).isEqualTo("after the drain");
            assertThat(b.closeCodeNow()).isNull();
        }
    }
}
