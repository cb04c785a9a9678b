package dev.wsroute.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import dev.wsroute.runtime.WsRouteRuntime;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** A Quarkus app with the extension: WebSockets go to the routes file's pool, other HTTP to the app itself. */
@QuarkusTest
@QuarkusTestResource(EchoBackendResource.class)
class EmbeddedWsRouteTest {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Inject
    WsRouteRuntime wsroute;

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
        LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(URI.create(base("ws") + "/chat/room"), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                got.add(data.toString());
                w.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        ws.sendText("through the embedded listener", true).get(5, TimeUnit.SECONDS);
        assertThat(got.poll(5, TimeUnit.SECONDS)).isEqualTo("through the embedded listener");
        ws.sendClose(1000, "done").get(5, TimeUnit.SECONDS);
    }

    @Test
    void healthAndWebSocketMetricsAreOnTheManagementInterface() throws Exception {
        int mgmt = ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
        String mgmtBase = "http://127.0.0.1:" + (mgmt == 0 ? 9001 : mgmt);
        HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create(mgmtBase + "/q/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("wsroute-ready").contains("\"listening\": true");
        webSocketsOnTheSamePortGoToTheRoutedPool();
        HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create(mgmtBase + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("wsroute_websocket_upgrades_total{route=\"default/chat\",status=\"101\"}");
        assertThat(metrics.body()).contains("wsroute_client_connections");
    }
}
