package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;


import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.wsroute.testing.WsClient;
import io.quarkus.test.QuarkusDevModeTest;
import io.vertx.core.Vertx;

/**
 * Dev mode: the request that triggers a live reload is answered after the reload (not cut), the listener stays on
 * its port, a WebSocket open through it survives the reload (no drain), and the data plane it kept counts into the
 * new app's metrics registry; the Dev UI card's JSON-RPC methods give the live figures.
 */
class DevModeReloadTest {
    static final Path ROUTES = DevModeListener.emptyRoutesFile("devmode-routes");
    static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final QuarkusDevModeTest APP = DevModeListener.helloApp("wsroute.routes-file=%s\n".formatted(ROUTES));

    @Test
    void theRequestThatTriggersAReloadIsAnsweredAfterItAndOpenWebSocketsStay() throws Exception {
        int port = DevModeListener.port(APP);
        assertThat(DevModeListener.get(port, "/hello").body()).isEqualTo("hello");

        Vertx vertx = Vertx.vertx();
        try {
            DevModeListener.echoRoutedUnderWs(vertx, ROUTES);
            WsClient ws = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> WsClient.connect(port, "/ws"), w -> w != null);
            ws.ws.sendText("before the reload", true).get(10, TimeUnit.SECONDS);
            assertThat(ws.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("before the reload");

            APP.modifySourceFile(DevModeHelloRoutes.class, s -> s.replace("rc.end(\"hello\")", "rc.end(\"hello again\")"));
            HttpResponse<String> afterReload = DevModeListener.get(port, "/hello");
            assertThat(afterReload.statusCode()).isEqualTo(200);
            assertThat(afterReload.body()).isEqualTo("hello again");

            ws.ws.sendText("after the reload", true).get(10, TimeUnit.SECONDS);
            assertThat(ws.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("after the reload");
            // the new app's registry (its /q/metrics, through the listener) has the open WebSocket and the one
            // message sent since the reload; the first app's registry, gone with it, had the one before
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(DevModeListener.get(port, "/q/metrics").body())
                    .containsPattern("(?m)^wsroute_websocket_active\\{route=\"[^\"]*echo\"} 1\\.0$")
                    .containsPattern("(?m)^wsroute_websocket_messages_total\\{direction=\"upstream\",route=\"[^\"]*echo\"} 1\\.0$"));
            // the Dev UI card's figures, asked the way the Dev UI asks (JSON-RPC on its WebSocket), are the live ones:
            // open through the listener are the echo WebSocket and the JSON-RPC one asking
            assertThat(devUi(port, "listenerUrl")).isEqualTo("http://localhost:" + port + "/");
            assertThat(devUi(port, "routes")).isEqualTo("1");
            assertThat(devUi(port, "openWebSockets")).isEqualTo("2");
            ws.ws.sendClose(1000, "done").get(10, TimeUnit.SECONDS);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> devUi(port, "openWebSockets"), "1"::equals);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** Calls a method of the card's JSON-RPC service ({@code <extension>_<method>}) on the Dev UI's WebSocket, through the listener. */
    private static String devUi(int port, String method) throws Exception {
        try (WsClient rpc = WsClient.connect(port, "/q/dev-ui/json-rpc-ws")) {
            rpc.ws.sendText("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"quarkus-wsroute_" + method + "\",\"params\":{}}", true)
                    .get(10, TimeUnit.SECONDS);
            while (true) {
                String answer = rpc.messages.poll(30, TimeUnit.SECONDS);
                assertThat(answer).as("an answer to " + method).isNotNull();
                JsonNode json = JSON.readTree(answer);
                if (json.path("id").asInt() == 7) {
                    JsonNode result = json.path("result");
                    assertThat(result.isMissingNode()).as(answer).isFalse();
                    return result.has("object") ? result.get("object").asText() : result.asText();
                }
            }
        }
    }
}
