package dev.wsroute.operator.cluster;

import static dev.wsroute.operator.cluster.Fixtures.route;
import static dev.wsroute.operator.cluster.Fixtures.service;
import static dev.wsroute.operator.cluster.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.api.PoolStatus;
import dev.wsroute.api.RouteCondition;
import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.runtime.WsRouteRuntime;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.WsClient;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * A rolling update of a backend Deployment as the EndpointSlice controller shows it: the new pod joins ready, the old
 * one turns terminating (ready false, serving true) and then leaves; the new pod's slice is replaced by one of another
 * name. New upgrades go to the new pod only, the old pod's socket drains (1001), the new pod's never notices, and the
 * status, the status page and {@code wsroute_endpoint_active} tell the truth at each step and leave nothing behind.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = RegisterCrd.class)
class RollingUpdateTest {
    private static final Duration WAIT = Duration.ofSeconds(60); // a bound against a hang on a loaded machine
    private static final String NS = "rollout";

    @Inject
    KubernetesClient client;
    @Inject
    RouteTableHolder holder;
    @Inject
    WsRouteRuntime runtime;
    @Inject
    MeterRegistry registry;
    @TestHTTPResource(value = "/wsroute/api/status", management = true)
    URL statusJson;
    @TestHTTPResource(value = "/metrics", management = true)
    URL metrics;
    private final List<EchoBackend> pods = new ArrayList<>();

    @AfterEach
    void stopPods() {
        pods.forEach(EchoBackend::close);
        // both tests' routes claim any host: the one left behind would hold it against the next (HostConflict)
        for (String ns : List.of(NS, "rename")) {
            client.resources(WebSocketRoute.class).inNamespace(ns).delete();
            await().atMost(WAIT).until(() -> holder.current().route(new RouteId(ns, "echo")) == null);
        }
    }

    @Test
    void socketsRideThroughARollingUpdateAndTheOldPodLeavesNothingBehind() throws Exception {
        int a = pod("a");
        int b = pod("b");
        client.resource(service(NS, "echo", 80, "ws")).create();
        client.resource(slice(NS, "echo-a", "echo", "ws", a, List.of("127.0.0.1"), List.of())).create();
        client.resource(route(NS, "echo", List.of(), "/ws", "echo", "80")).create();
        await().atMost(WAIT).until(() -> endpoints().equals(List.of(key(a))));
        int proxy = runtime.dataPlane().port();

        WsClient onA = WsClient.connect(proxy, "/ws");
        assertThat(onA.roundTrip("hello")).isEqualTo("a:hello");

        // the new pod is ready
        client.resource(slice(NS, "echo-b", "echo", "ws", b, List.of("127.0.0.1"), List.of())).create();
        await().atMost(WAIT).until(() -> endpoints().size() == 2);
        WsClient onB = WsClient.connect(proxy, "/ws");
        assertThat(onB.roundTrip("hi")).isEqualTo("b:hi");

        // the old pod terminates: still serving, no longer ready; it takes no new upgrade, its socket drains
        client.resource(Fixtures.terminating(NS, "echo-a", "echo", "ws", a)).update();
        await().atMost(WAIT).until(() -> endpoints().equals(List.of(key(b))));
        for (int i = 0; i < 3; i++) {
            try (WsClient fresh = WsClient.connect(proxy, "/ws")) {
                assertThat(fresh.roundTrip("new " + i)).isEqualTo("b:new " + i);
            }
        }
        await().atMost(WAIT).until(() -> status() != null && status().endpoints == 1
                && backendEndpoints().stream().anyMatch(e -> e.port == a && Boolean.FALSE.equals(e.ready)));
        assertThat(condition("Ready").status).isEqualTo("True");

        assertThat(onA.awaitClose()).as("the terminating pod's socket drains").isEqualTo(1001);
        await().atMost(WAIT).until(() -> active(a) == null);
        assertThat(active(b)).isEqualTo(1.0);
        assertThat(get(metrics)).contains("wsroute_endpoint_active{endpoint=\"" + key(b) + "\",route=\"" + NS + "/echo\"} 1.0")
                .doesNotContain("wsroute_endpoint_active{endpoint=\"" + key(a));

        // the old pod is gone
        client.resource(slice(NS, "echo-a", "echo", "ws", a, List.of(), List.of())).update();
        await().atMost(WAIT).until(() -> backendEndpoints().stream().noneMatch(e -> e.port == a));

        // the controller replaces b's slice by one of another name: added first, then the old one deleted
        client.resource(slice(NS, "echo-b-2", "echo", "ws", b, List.of("127.0.0.1"), List.of())).create();
        client.resources(EndpointSlice.class).inNamespace(NS).withName("echo-b").delete();
        await().atMost(WAIT).until(() -> client.resources(EndpointSlice.class).inNamespace(NS).withName("echo-b").get() == null);
        assertThat(onB.roundTrip("still there?")).isEqualTo("b:still there?");
        assertThat(endpoints()).isEqualTo(List.of(key(b)));

        // the new pod terminates too (nothing replaces it): while it still serves, new connections go to it (as
        // kube-proxy falls back to serving terminating endpoints) and its sockets drain; once it stops serving, none is left
        client.resource(Fixtures.terminating(NS, "echo-b-2", "echo", "ws", b)).update();
        await().atMost(WAIT).until(() -> "TerminatingEndpointsOnly".equals(condition("Ready").reason));
        assertThat(condition("Ready").status).isEqualTo("True");
        EndpointSlice stopped = Fixtures.terminating(NS, "echo-b-2", "echo", "ws", b);
        stopped.getEndpoints().get(0).getConditions().setServing(false);
        client.resource(stopped).update();
        await().atMost(WAIT).until(() -> "False".equals(condition("Ready").status));
        assertThat(condition("Ready").reason).isEqualTo("NoReadyEndpoints");
        long generation = client.resources(WebSocketRoute.class).inNamespace(NS).withName("echo").get().getMetadata().getGeneration();
        assertThat(status().observedGeneration).as("slices change no generation").isEqualTo(generation);
        assertThat(condition("Ready").observedGeneration).isEqualTo(generation);
        assertThat(onB.awaitClose()).isEqualTo(1001);
        await().atMost(WAIT).until(() -> active(b) == null);

        String page = get(statusJson);
        assertThat(page).as("the status page lists no endpoint of the old pod").doesNotContain(key(a));
        assertThat(registry.find("wsroute.endpoint.active").tag("route", NS + "/echo").gauges())
                .as("no series per rolled pod").isEmpty();
        assertThat(get(metrics)).as("nor in the scrape").contains("wsroute_websocket_active")
                .doesNotContain("wsroute_endpoint_active{endpoint=\"" + key(a)).doesNotContain("wsroute_endpoint_active{endpoint=\"" + key(b));
    }

    private static String get(URL url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url.toString().replace("://0.0.0.0:", "://127.0.0.1:")))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aServicePortRenamedBeforeItsSlicesFollowCutsNoSocket() throws Exception {
        String ns = "rename";
        int b = pod("b");
        int c = pod("c");
        client.resource(service(ns, "echo", 80, "ws")).create();
        client.resource(slice(ns, "echo-b", "echo", "ws", b, List.of("127.0.0.1"), List.of())).create();
        client.resource(slice(ns, "echo-c", "echo", "ws", c, List.of("127.0.0.1"), List.of())).create();
        client.resource(route(ns, "echo", List.of(), "/ws", "echo", "80")).create(); // by number: the rename keeps the port
        await().atMost(WAIT).until(() -> endpoints(ns).size() == 2);
        int proxy = runtime.dataPlane().port();
        WsClient onB = WsClient.connect(proxy, "/ws");
        WsClient onC = WsClient.connect(proxy, "/ws");
        assertThat(List.of(onB.roundTrip("x"), onC.roundTrip("x"))).containsExactlyInAnyOrder("b:x", "c:x");
        if (onB.roundTrip("who").startsWith("c:")) { // name them by where they went
            WsClient t = onB;
            onB = onC;
            onC = t;
        }

        // the Service's port renamed: its slices still name the old port, so for a moment neither pod resolves
        client.resource(service(ns, "echo", 80, "web")).update();
        await().atMost(WAIT).until(() -> endpoints(ns).isEmpty());
        // the controller renames b's slice port a moment later; c's slice never follows (c is going away)
        client.resource(slice(ns, "echo-b", "echo", "web", b, List.of("127.0.0.1"), List.of())).update();
        await().atMost(WAIT).until(() -> endpoints(ns).equals(List.of(key(b))));

        assertThat(onC.awaitClose()).as("c's drain period, begun with b's, has ended").isEqualTo(1001);
        assertThat(onB.roundTrip("still there?")).isEqualTo("b:still there?");
        assertThat(onB.closeCodeNow()).isNull();
        onB.sendClose();
    }

    private Double active(int port) {
        Gauge g = registry.find("wsroute.endpoint.active").tags("route", NS + "/echo", "endpoint", key(port)).gauge();
        return g == null ? null : g.value();
    }

    private WebSocketRouteStatus status() {
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(NS).withName("echo").get();
        return r == null ? null : r.getStatus();
    }

    private RouteCondition condition(String type) {
        return status().conditions.stream().filter(c -> type.equals(c.type)).findFirst().orElseThrow();
    }

    private List<PoolStatus.EndpointStatus> backendEndpoints() {
        WebSocketRouteStatus s = status();
        return s == null || s.pools.isEmpty() ? List.of() : s.pools.get(0).backends.get(0).endpoints;
    }

    private static String key(int port) {
        return "127.0.0.1:" + port;
    }

    private int pod(String name) throws Exception {
        EchoBackend pod = EchoBackend.named(name);
        pods.add(pod);
        return pod.port();
    }

    private List<String> endpoints() {
        return endpoints(NS);
    }

    private List<String> endpoints(String ns) {
        CompiledRoute r = holder.current().route(new RouteId(ns, "echo"));
        return r == null ? List.of() : r.rules().get(0).pool().endpoints().stream().map(e -> e.key()).sorted().toList();
    }
}
