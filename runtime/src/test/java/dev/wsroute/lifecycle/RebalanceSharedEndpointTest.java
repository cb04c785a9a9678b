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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import io.vertx.core.Vertx;

/**
 * rebalance on an endpoint that another rule also uses. LeastConnections counts an endpoint's sockets over every
 * rule, so rebalance must count them the same way: counted per rule, a rule whose sockets sit on the endpoint its
 * pool shares with a busy rule looked unbalanced for good, and each socket it shed with 1012 reconnected to the
 * same endpoint (the least loaded one) — a client was told to go every 1/maxClosesPerSecond s, forever.
 */
class RebalanceSharedEndpointTest {
    private static final int SOCKETS = 20;
    static Vertx vertx;
    static ControllableBackend a;
    static ControllableBackend b;
    static ControllableBackend c;
    static ControllableBackend d;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<WebSocket> sockets = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void backends() {
        vertx = Vertx.vertx();
        a = new ControllableBackend(vertx, "a");
        b = new ControllableBackend(vertx, "b");
        c = new ControllableBackend(vertx, "c");
        d = new ControllableBackend(vertx, "d");
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
        c.close();
        d.close();
        vertx.close();
    }

    /** /ws (rebalance) on a and b; /other on b alone; /ctl (rebalance) on {@code ctl}: its shedding shows the ticks. */
    private static String routes(String... ctl) {
        return """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat, namespace: default}
                spec:
                  rules:
                    - match: {path: {value: /ws}}
                      backends: [{endpoints: ["%s", "%s"]}]
                      rebalance: {tolerance: 20, maxClosesPerSecond: 20}
                    - match: {path: {value: /other}}
                      backends: [{endpoints: ["%s"]}]
                    - match: {path: {value: /ctl}}
                      backends: [{endpoints: [%s]}]
                      rebalance: {tolerance: 20, maxClosesPerSecond: 20}
                """.formatted(a.endpoint(), b.endpoint(), b.endpoint(), "\"" + String.join("\", \"", ctl) + "\"");
    }

    /** A client that records the closes it gets and, when {@code reconnect}, comes back as a well-behaved one does. */
    private void connect(String uri, List<Integer> closes, boolean reconnect) throws Exception {
        sockets.add(http.newWebSocketBuilder().buildAsync(URI.create(uri), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                closes.add(code);
                if (reconnect) {
                    try {
                        connect(uri, closes, true);
                    } catch (Exception e) {
                        closes.add(-1);
                    }
                }
                return null;
            }
        }).get(10, TimeUnit.SECONDS));
    }

    @Test
    void socketsBalancedOverTheRulesThatShareAnEndpointAreNotShedAgainAndAgain() throws Exception {
        List<Integer> wsCloses = new CopyOnWriteArrayList<>();
        List<Integer> ctlCloses = new CopyOnWriteArrayList<>();
        try (ProxyHarness px = LifecycleFixture.proxy()) {
            px.routes(routes(c.endpoint()));
            for (int i = 0; i < SOCKETS; i++) {
                connect(px.ws("/other"), new CopyOnWriteArrayList<>(), false);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> b.open.size() == SOCKETS);
            for (int i = 0; i < SOCKETS; i++) {
                connect(px.ws("/ws"), wsCloses, false);
                connect(px.ws("/ctl"), ctlCloses, true);
            }
            // LeastConnections put every /ws socket on a: b holds the 20 of /other. 20 and 20: balanced.
            await().atMost(Duration.ofSeconds(10)).until(() -> a.open.size() == SOCKETS && c.open.size() == SOCKETS);

            // A control: /ctl gets a second endpoint and sheds down to its share, on the rebalancer's ticks, which
            // look at /ws too. Once /ctl is balanced, /ws has been looked at on every one of them.
            px.routes(routes(c.endpoint(), d.endpoint()));
            double limit = SOCKETS / 2.0 * 1.2 + 1;
            await().atMost(Duration.ofSeconds(20)).until(() -> c.open.size() <= limit && c.open.size() + d.open.size() == SOCKETS
                    && d.open.size() > 0);
            assertThat(ctlCloses).isNotEmpty().allMatch(code -> code == 1012);

            assertThat(wsCloses).as("closes of /ws sockets, balanced with /other's on b").isEmpty();
            assertThat(a.open).hasSize(SOCKETS);
        } finally {
            sockets.forEach(WebSocket::abort);
        }
    }
}
