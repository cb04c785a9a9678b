package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;

/**
 * The end of the shutdown delay ({@link DataPlane#close} after {@link DataPlane#leave}): connections that wait for a
 * request — kept alive after an answer, or opened and silent — close with the listeners, before the WebSockets'
 * drain, so their clients reconnect to another replica now. Before, they stayed open through the whole drain and
 * were cut only when the process stopped (a client sending on one meanwhile was still served by a replica that had
 * left its Service). The open WebSocket is untouched: it drains as before.
 */
class ShutdownIdleConnectionsTest {
    private static final Duration WAIT = Duration.ofSeconds(30); // a bound against a hang on a loaded machine
    private static final String GET = "GET /page HTTP/1.1\r\nHost: x\r\n\r\n";

    @Test
    void connectionsWaitingForARequestCloseWhenTheListenersCloseWhileWebSocketsDrain() throws Exception {
        // a drain far longer than the test: close() is still draining the WebSocket while the others must be gone
        try (EchoBackend backend = EchoBackend.named("app");
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "10m"))) {
            px.routes("""
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: web, namespace: default}
                    spec:
                      rules:
                        - match: {path: {value: /ws}}
                          backends: [{endpoints: ["%1$s"]}]
                      http:
                        backends: [{endpoints: ["%1$s"]}]
                    """.formatted(backend.endpoint()));
            try (WsClient ws = WsClient.connect(px.port(), "/ws"); // closed by the test, or at last aborted: the drain ends
                    Socket kept = new Socket("127.0.0.1", px.port()); Socket silent = new Socket("127.0.0.1", px.port())) {
                assertThat(ws.roundTrip("hi")).isEqualTo("app:hi");
                kept.setSoTimeout((int) WAIT.toMillis());
                silent.setSoTimeout((int) WAIT.toMillis());
                kept.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
                String head = RawHttp.head(kept.getInputStream()).toLowerCase(Locale.ROOT);
                assertThat(head).startsWith("http/1.1 200").doesNotContain("connection: close");
                kept.getInputStream().readNBytes(contentLength(head));
                await().atMost(WAIT).until(() -> px.clientConnections() == 3); // the silent one accepted too

                px.dataPlane.leave(); // SIGTERM: the delay begins; neither connection sends anything during it
                CompletableFuture<Void> stopped = CompletableFuture.runAsync(px::close); // the delay's end

                assertThat(endOfStream(kept)).as("the idle keep-alive connection closes with the listeners").isTrue();
                assertThat(endOfStream(silent)).as("so does a connection that never sent a request").isTrue();
                assertThat(ws.closeCodeNow()).as("the WebSocket is still draining").isNull();
                assertThat(stopped).isNotDone();
                await().atMost(WAIT).until(() -> px.clientConnections() == 1);

                assertThat(ws.roundTrip("still")).as("the draining WebSocket still relays").isEqualTo("app:still");
                ws.sendClose(); // its client leaves: the drain is over
                stopped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }

    /** Whether the server ended the connection (EOF or reset) within the socket's timeout; false when it timed out. */
    private static boolean endOfStream(Socket s) throws IOException {
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.startsWith("content-length:")) {
                return Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        throw new AssertionError("no content-length in " + head);
    }
}
