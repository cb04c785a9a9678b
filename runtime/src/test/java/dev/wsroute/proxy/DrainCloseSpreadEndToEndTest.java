package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.lifecycle.LifecycleFixture;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsEchoServer;
import io.micrometer.core.instrument.Counter;

/**
 * wsroute.drain.close-spread end to end, with the JDK's own WebSocket client: 20 sockets on a pod that leaves, and 20
 * on a proxy that stops, each get Close 1001 within the (short) drain period, every one counted as drained. Counts
 * only, never times: when within the period each Close came is {@link DrainCloseSpreadTest}'s to show.
 */
class DrainCloseSpreadEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(30); // a bound against a hang on a loaded machine
    private static final int CLIENTS = 20;

    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<Integer, AtomicInteger> closeCodes = new ConcurrentHashMap<>();
    private final List<WebSocket> sockets = new ArrayList<>();
    private WsEchoServer leaving;
    private WsEchoServer staying;
    private ProxyHarness px;

    @BeforeEach
    void start() throws Exception {
        leaving = WsEchoServer.plain();
        staying = WsEchoServer.plain();
        px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "1s", "wsroute.drain.close-spread", "1s"));
    }

    @AfterEach
    void stop() {
        sockets.forEach(WebSocket::abort);
        px.close();
        leaving.close();
        staying.close();
    }

    private void connectAll() throws Exception {
        for (int i = 0; i < CLIENTS; i++) {
            sockets.add(http.newWebSocketBuilder().buildAsync(URI.create(px.ws("/ws")), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                    closeCodes.computeIfAbsent(statusCode, c -> new AtomicInteger()).incrementAndGet();
                    return null;
                }
            }).get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
    }

    private int closes(int code) {
        AtomicInteger n = closeCodes.get(code);
        return n == null ? 0 : n.get();
    }

    private double drained() {
        Counter c = px.metrics.find("wsroute.websocket.drained").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void everySocketOfALeavingPodGetsClose1001AndIsCountedAsDrained() throws Exception {
        px.routes(LifecycleFixture.route("", "127.0.0.1:" + leaving.port()));
        connectAll();

        px.routes(LifecycleFixture.route("", "127.0.0.1:" + staying.port())); // the pod leaves, another takes its place

        await().atMost(WAIT).until(() -> closes(1001) == CLIENTS);
        await().atMost(WAIT).until(() -> drained() == CLIENTS);
        assertThat(closeCodes.keySet()).as("only 1001").containsExactly(1001);
    }

    @Test
    void everySocketGetsClose1001WhenTheProxyStops() throws Exception {
        px.routes(LifecycleFixture.route("", "127.0.0.1:" + leaving.port()));
        connectAll();

        px.close(); // drains, then returns once every socket is closed (or the period + 3 s passed)

        await().atMost(WAIT).until(() -> closes(1001) == CLIENTS);
        assertThat(drained()).isEqualTo(CLIENTS);
        assertThat(closeCodes.keySet()).as("only 1001").containsExactly(1001);
    }
}
