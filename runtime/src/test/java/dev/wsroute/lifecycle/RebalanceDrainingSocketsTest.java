package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.model.Backend;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;
import dev.wsroute.tls.TlsResolver;
import io.vertx.core.Vertx;

/**
 * Rebalancing beside sockets that drain. A draining socket (on a terminating pod the rule falls back to, or of a route
 * just deleted) gets Close 1001 when its drain ends, as the README promises; it is not shed with 1012 before, and it is
 * not load that makes the rebalancer shed the sockets beside it, which stay. Before, the rebalancer counted draining
 * sockets as sheddable load: it sent 1012 to sockets on a terminating pod, and closed the sockets of a route that
 * shared an endpoint with a deleted route while the deleted route's sockets drained away.
 */
class RebalanceDrainingSocketsTest {
    private static final Duration WAIT = Duration.ofSeconds(30); // a bound against a hang on a loaded machine
    private static final String REBALANCE = "rebalance: {tolerance: 0, maxClosesPerSecond: 100}";
    private Vertx vertx;
    private ControllableBackend a;
    private ControllableBackend t;
    private ProxyHarness px;
    private final List<WsClient> clients = new ArrayList<>();
    /** Endpoints whose pods are terminating but still serving (EndpointSlice serving: true, terminating: true). */
    private final Set<String> terminating = ConcurrentHashMap.newKeySet();
    private final EndpointSource slices = new EndpointSource() {
        @Override
        public List<Backend.HostPort> resolve(RouteId route, Backend backend) {
            return backend.endpoints().stream().filter(hp -> !terminating.contains(hp.toString())).toList();
        }

        @Override
        public List<Backend.HostPort> terminating(RouteId route, Backend backend) {
            return backend.endpoints().stream().filter(hp -> terminating.contains(hp.toString())).toList();
        }
    };

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        a = new ControllableBackend(vertx, "a");
        t = new ControllableBackend(vertx, "t");
        // the drain outlasts many rebalancing ticks (every 100 ms): time for a wrong 1012 to show
        px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "3s"));
    }

    @AfterEach
    void stop() {
        clients.forEach(WsClient::close);
        px.close();
        a.close();
        t.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private WsClient connect(String path) throws Exception {
        WsClient c = WsClient.connect(px.port(), path);
        clients.add(c);
        return c;
    }

    @Test
    void socketsOnATerminatingPodTheRuleFallsBackToGetClose1001AtTheEndOfTheirDrainNot1012() throws Exception {
        px.routes(LifecycleFixture.route(REBALANCE, t.endpoint()), TlsResolver.NONE, slices);
        List<WsClient> onT = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            onT.add(connect("/ws"));
        }
        await().atMost(WAIT).until(() -> t.open.size() == 10);

        // t's pod is terminating (still serving) and its backend has no ready pod; another backend's pod, a, is ready
        terminating.add(t.endpoint());
        px.routes("""
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat, namespace: default}
                spec:
                  rules:
                    - match: {path: {value: /ws}}
                      backends: [{endpoints: ["%s"]}, {endpoints: ["%s"]}]
                      %s
                """.formatted(a.endpoint(), t.endpoint(), REBALANCE), TlsResolver.NONE, slices);

        for (WsClient c : onT) {
            assertThat(c.awaitClose()).as("a socket on the terminating pod drains, then gets 1001").isEqualTo(1001);
        }
        await().atMost(WAIT).until(() -> t.closeCodesReceived.size() == 10);
        assertThat(t.closeCodesReceived).as("the pod's side of each").containsOnly(1001);
        assertThat(LifecycleFixture.counter(px, "wsroute.websocket.closes", "reason", "rebalance")).isZero();
        assertThat(LifecycleFixture.counter(px, "wsroute.websocket.closes", "reason", "drain")).isEqualTo(10);
        assertThat(LifecycleFixture.counter(px, "wsroute.websocket.drained")).isEqualTo(10);
    }

    @Test
    void socketsOfADeletedRouteDrainingOffASharedEndpointDoNotMakeTheRebalancerCloseTheSocketsBesideThem() throws Exception {
        String chat = """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat, namespace: default}
                spec:
                  rules:
                    - match: {path: {value: /ws}}
                      backends: [{endpoints: ["%s", "%s"]}]
                      loadBalancer: {policy: LeastConnections}
                      %s
                """;
        String feed = """
                ---
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: feed, namespace: default}
                spec:
                  rules:
                    - match: {path: {value: /feed}}
                      backends: [{endpoints: ["%s"]}]
                """.formatted(a.endpoint());
        px.routes(chat.formatted(a.endpoint(), t.endpoint(), "") + feed);
        WsClient chat1 = connect("/ws");
        WsClient chat2 = connect("/ws");
        assertThat(List.of(chat1.roundTrip("whoami"), chat2.roundTrip("whoami"))).as("LeastConnections: one each")
                .containsExactlyInAnyOrder("a", "t");
        List<WsClient> feeds = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            feeds.add(connect("/feed"));
        }
        await().atMost(WAIT).until(() -> a.open.size() == 11);

        // the feed route is deleted (its 10 sockets on a drain) and chat turns rebalancing on
        px.routes(chat.formatted(a.endpoint(), t.endpoint(), REBALANCE));

        for (WsClient c : feeds) {
            assertThat(c.awaitClose()).as("the deleted route's sockets drain, then get 1001").isEqualTo(1001);
        }
        assertThat(chat1.closeCodeNow()).as("chat's socket on a stays: the load there was draining away").isNull();
        assertThat(chat2.closeCodeNow()).isNull();
        assertThat(List.of(chat1.roundTrip("whoami"), chat2.roundTrip("whoami"))).containsExactlyInAnyOrder("a", "t");
        assertThat(LifecycleFixture.counter(px, "wsroute.websocket.closes", "reason", "rebalance")).isZero();
    }
}
