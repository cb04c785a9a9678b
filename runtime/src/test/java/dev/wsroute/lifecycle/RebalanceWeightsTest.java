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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import io.vertx.core.Vertx;

/**
 * rebalance where the balancer does not spread evenly by design. Weighted backends: LeastConnections gives each
 * endpoint sockets in proportion to its weight, and rebalancing measured against the mean took the heavier endpoint
 * for overloaded for good; each socket it shed with 1012 came back to it. ConsistentHash: a client told to reconnect
 * hashes to the same endpoint again. Both closed sockets at maxClosesPerSecond, forever, and moved none. Now the
 * weighted endpoint is measured against its share, and a ConsistentHash rule is not shed at all. A control rule
 * (/ctl) that does need rebalancing shows the rebalancer's ticks went by meanwhile.
 */
class RebalanceWeightsTest {
    private static final int SOCKETS = 20;
    private static final Duration WAIT = Duration.ofSeconds(30); // a bound against a hang on a loaded machine
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

    @AfterEach
    void abort() {
        sockets.forEach(WebSocket::abort);
        sockets.clear();
    }

    /** /ws as {@code ws} says, over a and b; /ctl (rebalance) on {@code ctl}: its shedding shows the ticks. */
    private static String routes(String ws, String... ctl) {
        return """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat, namespace: default}
                spec:
                  rules:
                    - match: {path: {value: /ws}}
                %s
                      rebalance: {tolerance: 20, maxClosesPerSecond: 20}
                    - match: {path: {value: /ctl}}
                      backends: [{endpoints: [%s]}]
                      rebalance: {tolerance: 20, maxClosesPerSecond: 20}
                """.formatted(ws.indent(6).stripTrailing(), "\"" + String.join("\", \"", ctl) + "\"");
    }

    /** A client that records the closes it gets and, when {@code reconnect}, comes back as a well-behaved one does. */
    private void connect(String uri, String user, List<Integer> closes, boolean reconnect) throws Exception {
        sockets.add(http.newWebSocketBuilder().header("X-User", user).buildAsync(URI.create(uri), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                closes.add(code);
                if (reconnect) {
                    try {
                        connect(uri, user, closes, true);
                    } catch (Exception e) {
                        closes.add(-1);
                    }
                }
                return null;
            }
        }).get(10, TimeUnit.SECONDS));
    }

    /** Opens /ws and /ctl sockets, then gives /ctl a second endpoint and waits until it has shed down to its share. */
    private List<Integer> openThenRebalanceTheControl(ProxyHarness px, String ws) throws Exception {
        List<Integer> wsCloses = new CopyOnWriteArrayList<>();
        List<Integer> ctlCloses = new CopyOnWriteArrayList<>();
        px.routes(routes(ws, c.endpoint()));
        for (int i = 0; i < SOCKETS; i++) {
            connect(px.ws("/ws"), "tenant-1", wsCloses, false);
            connect(px.ws("/ctl"), "user-" + i, ctlCloses, true);
        }
        await().atMost(WAIT).until(() -> a.open.size() + b.open.size() == SOCKETS && c.open.size() == SOCKETS);
        px.routes(routes(ws, c.endpoint(), d.endpoint()));
        double limit = SOCKETS / 2.0 * 1.2 + 1;
        await().atMost(WAIT).until(() -> c.open.size() <= limit && c.open.size() + d.open.size() == SOCKETS && d.open.size() > 0);
        assertThat(ctlCloses).isNotEmpty().allMatch(code -> code == 1012);
        return wsCloses;
    }

    @Test
    void aBackendWeightedThreeToOneKeepsItsThreeQuartersAndNoSocketIsShed() throws Exception {
        try (ProxyHarness px = LifecycleFixture.proxy()) {
            List<Integer> wsCloses = openThenRebalanceTheControl(px, """
                    backends: [{endpoints: ["%s"], weight: 3}, {endpoints: ["%s"], weight: 1}]
                    loadBalancer: {policy: LeastConnections}""".formatted(a.endpoint(), b.endpoint()));
            assertThat(wsCloses).as("closes of /ws sockets, spread 3:1 as weighted (a %d, b %d)", a.open.size(), b.open.size())
                    .isEmpty();
            assertThat(a.open.size()).isBetween(14, 16);
        }
    }

    @Test
    void aConsistentHashRuleIsNotShedWhenOneKeyHoldsEverySocket() throws Exception {
        try (ProxyHarness px = LifecycleFixture.proxy()) {
            List<Integer> wsCloses = openThenRebalanceTheControl(px, """
                    backends: [{endpoints: ["%s", "%s"]}]
                    loadBalancer: {policy: ConsistentHash, hashOn: {header: X-User}}""".formatted(a.endpoint(), b.endpoint()));
            assertThat(a.open.size() * b.open.size()).as("one tenant, one endpoint").isZero();
            assertThat(wsCloses).as("closes of /ws sockets, all of one tenant on one endpoint").isEmpty();
        }
    }
}
