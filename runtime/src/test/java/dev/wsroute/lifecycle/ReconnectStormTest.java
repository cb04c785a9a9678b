package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import io.vertx.core.Vertx;

/**
 * One of three endpoints dies under 192 sockets; its 64 clients reconnect at once and LeastConnections (which
 * counts upgrades in progress) lands them evenly on the other two: 96 each, ±1.
 */
class ReconnectStormTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<WebSocket> sockets = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger failed = new AtomicInteger();

    private void connect(String uri) {
        http.newWebSocketBuilder().buildAsync(URI.create(uri), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                connect(uri); // reconnect at once, as a storm does
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                connect(uri);
            }
        }).whenComplete((ws, e) -> {
            if (ws != null) {
                sockets.add(ws);
            } else {
                failed.incrementAndGet();
            }
        });
    }

    @Test
    void theClientsOfADeadEndpointSpreadEvenlyOverTheOthers() throws Exception {
        Vertx vertx = Vertx.vertx();
        ControllableBackend a = new ControllableBackend(vertx, "a");
        ControllableBackend b = new ControllableBackend(vertx, "b");
        ControllableBackend c = new ControllableBackend(vertx, "c");
        try (ProxyHarness px = LifecycleFixture.proxy()) {
            px.routes(LifecycleFixture.route("timeouts: {idle: 1h}", a.endpoint(), b.endpoint(), c.endpoint()));
            for (int i = 0; i < 192; i++) {
                connect(px.ws("/ws"));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> a.open.size() + b.open.size() + c.open.size() == 192);
            assertThat(List.of(a.open.size(), b.open.size(), c.open.size())).allMatch(n -> n >= 63 && n <= 65);
            c.stop(); // dies: its clients get 1011 and come back at once
            await().atMost(Duration.ofSeconds(60)).until(() -> a.open.size() + b.open.size() == 192);
            assertThat(Math.abs(a.open.size() - b.open.size())).as("a %d, b %d", a.open.size(), b.open.size()).isLessThanOrEqualTo(2);
            assertThat(failed).hasValue(0);
        } finally {
            sockets.forEach(WebSocket::abort);
            a.close();
            b.close();
            vertx.close();
        }
    }
}
