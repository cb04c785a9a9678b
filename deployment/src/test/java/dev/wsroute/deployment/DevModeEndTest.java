package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.wsroute.testing.WsClient;
import io.quarkus.test.QuarkusDevModeTest;
import io.vertx.core.Vertx;

/**
 * When dev mode ends (q or Ctrl-C in {@code quarkus:dev}), the data plane closes with it: a WebSocket open through the
 * listener to a route's backend gets Close 1001, the listener stops accepting and its I/O threads end. Before, the
 * extension's HotReplacementSetup was in the deployment module, where dev mode never loads it: the data plane outlived
 * dev mode (its WebSockets were dropped by the JVM's exit without a Close frame: 1006 at the client), and in a JVM that
 * goes on (tests) the listener kept its port and threads.
 */
class DevModeEndTest {
    static final Path ROUTES = DevModeListener.emptyRoutesFile("devmode-end-routes");

    @RegisterExtension
    static final QuarkusDevModeTest APP = DevModeListener.helloApp("wsroute.routes-file=%s\n".formatted(ROUTES));

    static int port;
    static WsClient ws;
    static Vertx vertx;

    @Test
    void aWebSocketIsOpenThroughTheListenerWhenDevModeEnds() throws Exception {
        port = DevModeListener.port(APP);
        assertThat(DevModeListener.get(port, "/hello").body()).isEqualTo("hello");
        vertx = Vertx.vertx();
        DevModeListener.echoRoutedUnderWs(vertx, ROUTES);
        ws = Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> WsClient.connect(port, "/ws"), w -> w != null);
        ws.ws.sendText("open", true).get(10, TimeUnit.SECONDS);
        assertThat(ws.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("open");
    }

    /** After QuarkusDevModeTest has ended dev mode (it does after each test). */
    @AfterAll
    static void theDataPlaneClosesWhenDevModeEnds() throws Exception {
        try {
            assertThat(ws.closeCode.get(30, TimeUnit.SECONDS)).as("the WebSocket's close code").isEqualTo(1001);
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("wsroute-io-"));
                try (Socket s = new Socket("127.0.0.1", port)) {
                    throw new AssertionError("the listener still accepts on " + port + " after dev mode ended");
                } catch (ConnectException refused) {
                    // closed, as it should be
                }
            });
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
