package dev.wsroute.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.wsroute.runtime.WsRouteRuntime;
import dev.wsroute.testing.WsClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** A Quarkus app with the extension: WebSockets go to the routes file's pool, other HTTP to the app itself. */
@QuarkusTest
@QuarkusTestResource(EchoBackendResource.class)
class EmbeddedWsRouteTest {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Inject
    WsRouteRuntime wsroute;

    /** The management interface's root path (/q), on its actual port. */
    @TestHTTPResource(value = "", management = true)
    URL management;

    private String base(String scheme) {
        return scheme + "://127.0.0.1:" + wsroute.dataPlane().port();
    }

    @Test
    void plainHttpThatNoRouteClaimsReachesTheAppsOwnEndpoint() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base("http") + "/hello")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello from the app (forwarded for 127.0.0.1)");
    }

    @Test
    void webSocketsOnTheSamePortGoToTheRoutedPool() throws Exception {
        WsClient ws = WsClient.connect(wsroute.dataPlane().port(), "/chat/room");
        assertThat(ws.roundTrip("through the embedded listener")).isEqualTo("through the embedded listener");
        ws.sendClose();
    }

    @Test
    void healthAndWebSocketMetricsAreOnTheManagementInterface() throws Exception {
        String mgmtBase = management.toString().replaceAll("/$", "");
        HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create(mgmtBase + "/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("wsroute-ready").contains("\"listening\": true");
        webSocketsOnTheSamePortGoToTheRoutedPool();
        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create(mgmtBase + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("wsroute_websocket_upgrades_total{route=\"default/chat\",status=\"101\"}");
        assertThat(metrics.body()).contains("wsroute_client_connections");
    }
}
