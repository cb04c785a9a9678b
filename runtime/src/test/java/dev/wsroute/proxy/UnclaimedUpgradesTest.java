package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.Pool;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Upgrades that no route claims go where unclaimed plain HTTP goes, the default backend (the embedding app, or the
 * app container in sidecar mode), tunnelled like any other, while claimed ones still go to their route.
 */
class UnclaimedUpgradesTest {
    static Vertx vertx;
    static EchoBackend routed;
    static EchoBackend app;
    ProxyHarness px;

    @BeforeAll
    static void backends() {
        vertx = Vertx.vertx();
        routed = new EchoBackend(vertx, "routed");
        app = new EchoBackend(vertx, "app");
    }

    @AfterAll
    static void stop() {
        routed.close();
        app.close();
        vertx.close();
    }

    @BeforeEach
    void proxy() throws Exception {
        Pool appPool = Pool.defaultBackend(List.of(Endpoint.of("127.0.0.1", app.port(), 1)));
        px = new ProxyHarness(TestConfig.wsroute(), () -> appPool);
        px.routes(WebSocketProxyTest.route("chat", "[]", """
                - match: {path: {type: Prefix, value: /chat}}
                  backends: [{endpoints: [%s]}]
                """.formatted(routed.endpoint())));
    }

    @AfterEach
    void stopProxy() {
        px.close();
    }

    @Test
    void anUnclaimedUpgradeReachesTheAppAndEchoes() throws Exception {
        try (WsClient c = WsClient.connect(px.ws("/app/socket?x=1"), Map.of())) {
            JsonObject seen = new JsonObject(c.roundTrip("whoami"));
            assertThat(seen.getString("backend")).isEqualTo("app");
            assertThat(seen.getString("uri")).as("passed through unedited").isEqualTo("/app/socket?x=1");
            assertThat(seen.getJsonObject("headers").getString("x-forwarded-for")).isEqualTo("127.0.0.1");
            assertThat(c.roundTrip("hello")).isEqualTo("hello");
        }
        try (WsClient c = WsClient.connect(px.ws("/chat/room"), Map.of())) {
            assertThat(new JsonObject(c.roundTrip("whoami")).getString("backend")).isEqualTo("routed");
        }
        assertThat(px.metrics.get("wsroute.websocket.upgrades").tag("route", "-").tag("status", "101").counter().count()).isEqualTo(1);
    }

    @Test
    void withoutADefaultBackendAnUnclaimedUpgradeIs404() throws Exception {
        px.close();
        px = new ProxyHarness(TestConfig.wsroute(), () -> null);
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(RawHttp.status(raw.send(RawHttp.upgradeRequest("/app/socket", "x")).readResponse())).isEqualTo(404);
        }
    }
}
