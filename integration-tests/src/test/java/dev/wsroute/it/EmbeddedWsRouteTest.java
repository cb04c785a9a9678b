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

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The README's embedding walk-through as a test: an app with the extension and a routes file, no port settings.
 * Through the listener: the app's /hello and its own @WebSocket, and /ws routed to a backend.
 */
@QuarkusTest
@QuarkusTestResource(EchoBackendResource.class)
class EmbeddedWsRouteTest {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** The listener's port in tests: any free one, published once bound. */
    @ConfigProperty(name = "wsroute.listen.test-port")
    int listener;

    /** The management interface's port in tests, published the same way. */
    @ConfigProperty(name = "quarkus.management.test-port")
    int management;

    @Test
    void theAppsOwnHttpEndpointAnswersThroughTheListener() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener + "/hello")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello from the app (forwarded for 127.0.0.1)");
    }

    /**
     * The app trusts the listener's forwarding fields (README step 2) and Quarkus takes the first X-Forwarded-For
     * element: a client's own fields must not reach it as if the listener vouched for them.
     */
    @Test
    void forwardingFieldsAClientForgedDoNotReachTheApp() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener + "/hello/client"))
                .header("X-Forwarded-For", "203.0.113.9")
                .header("Forwarded", "for=203.0.113.9;proto=https")
                .header("X-Forwarded-Ssl", "on")
                .header("X-Forwarded-Port", "4443")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("127.0.0.1 http 127.0.0.1:" + listener);
        HttpResponse<String> hello = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener + "/hello"))
                .header("X-Forwarded-For", "203.0.113.9").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(hello.body()).isEqualTo("hello from the app (forwarded for 127.0.0.1)");
    }

    @Test
    void aForgedXForwardedForDoesNotReachTheAppsOwnWebSocket() throws Exception {
        LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        WebSocket ws = HTTP.newWebSocketBuilder().header("X-Forwarded-For", "203.0.113.9")
                .buildAsync(URI.create("ws://127.0.0.1:" + listener + "/chat"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        got.add(data.toString());
                        w.request(1);
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
        ws.sendText("hi", true).get(30, TimeUnit.SECONDS);
        assertThat(got.poll(30, TimeUnit.SECONDS)).isEqualTo("app got 'hi' from 127.0.0.1");
        ws.sendClose(1000, "done").get(30, TimeUnit.SECONDS);
    }

    @Test
    void theAppsOwnWebSocketAnswersThroughTheListener() throws Exception {
        assertThat(echo("/chat", "hi")).isEqualTo("app got 'hi' from 127.0.0.1");
    }

    @Test
    void aRoutedPathGoesToItsBackend() throws Exception {
        assertThat(echo("/ws/room", "through the listener")).isEqualTo("through the listener");
    }

    @Test
    void healthAndMetricsAreOnTheManagementInterface() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/q/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("wsroute-ready").contains("\"listening\": true");
        echo("/ws/metrics", "counted");
        String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(body).contains("wsroute_websocket_upgrades_total{route=\"default/echo\",status=\"101\"}");
        assertThat(body).contains("wsroute_client_connections");
    }

    /** Sends one text message over a new WebSocket through the listener and returns the first answer. */
    private String echo(String path, String message) throws Exception {
        LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        WebSocket ws = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + listener + path), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                got.add(data.toString());
                w.request(1);
                return null;
            }
        }).get(30, TimeUnit.SECONDS);
        ws.sendText(message, true).get(30, TimeUnit.SECONDS);
        String answer = got.poll(30, TimeUnit.SECONDS);
        ws.sendClose(1000, "done").get(30, TimeUnit.SECONDS);
        return answer;
    }
}
