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
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.wsroute.api.BackendSpec;
import dev.wsroute.api.HttpSpec;
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
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * A deploy of a one-replica backend (or maxSurge 0): its only pod turns terminating while its readiness probe still
 * passes (serving: true), and the new pod is not ready yet. As kube-proxy does since Kubernetes 1.26 (KEP-1669), new
 * upgrades and plain requests go to the terminating pod instead of getting 503; sockets on it drain (1001 after the
 * drain period) as to any pod that is leaving; once the new pod is ready, new connections go there at once.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = RegisterCrd.class)
class TerminatingFallbackTest {
    private static final Duration WAIT = Duration.ofSeconds(60); // a bound against a hang on a loaded machine
    private static final String NS = "fallback";
    private static final String NS2 = "fallback-down";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Inject
    KubernetesClient client;
    @Inject
    RouteTableHolder holder;
    @Inject
    WsRouteRuntime runtime;
    @TestHTTPResource(value = "/wsroute/api/status", management = true)
    URL statusJson;
    private final List<EchoBackend> pods = new ArrayList<>();

    @AfterEach
    void stopPods() {
        pods.forEach(EchoBackend::close);
        for (String ns : List.of(NS, NS2)) { // each claims any host: the one left behind would hold it against the next
            client.resources(WebSocketRoute.class).inNamespace(ns).delete();
            await().atMost(WAIT).until(() -> holder.current().route(new RouteId(ns, "echo")) == null);
        }
    }

    @Test
    void theOnlyPodTerminatingButServingTakesNewConnectionsUntilAReadyOneAppears() throws Exception {
        EchoBackend a = pod("a");
        client.resource(service(NS, "echo", 80, "ws")).create();
        client.resource(slice(NS, "echo-a", "echo", "ws", a.port(), List.of("127.0.0.1"), List.of())).create();
        WebSocketRoute route = route(NS, "echo", List.of(), "/ws", "echo", "80");
        route.getSpec().http = new HttpSpec();
        route.getSpec().http.backends = List.of(route.getSpec().rules.get(0).backends.get(0));
        client.resource(route).create();
        await().atMost(WAIT).until(() -> pool().equals(List.of(key(a))) && kept().contains(key(a)));
        int proxy = runtime.dataPlane().port();
        WsClient before = WsClient.connect(proxy, "/ws");
        assertThat(before.roundTrip("hello")).isEqualTo("a:hello");

        // the deploy: a is terminating, still serving; the new pod is not ready yet (listed, not ready)
        client.resource(Fixtures.terminating(NS, "echo-a", "echo", "ws", a.port())).update();
        await().atMost(WAIT).until(() -> pool().equals(List.of(key(a))) && !kept().contains(key(a)));

        int upgradesBefore = a.upgrades.get();
        WsClient during = WsClient.connect(proxy, "/ws"); // 101, not 503
        assertThat(during.roundTrip("during")).isEqualTo("a:during"); // a's handler has run: its count is in
        assertThat(a.upgrades.get()).as("the upgrade went to the terminating pod").isEqualTo(upgradesBefore + 1);
        HttpResponse<String> plain = get(proxy, "/page");
        assertThat(plain.statusCode()).as("plain HTTP too: 200, not 503").isEqualTo(200);
        assertThat(plain.headers().firstValue("x-backend")).hasValue("a");

        assertThat(before.awaitClose()).as("the socket opened before drains as to any pod leaving").isEqualTo(1001);
        assertThat(during.awaitClose()).as("so does one opened on the terminating pod").isEqualTo(1001);

        await().atMost(WAIT).until(() -> status() != null && condition("Ready") != null
                && "TerminatingEndpointsOnly".equals(condition("Ready").reason));
        assertThat(condition("Ready").status).isEqualTo("True");
        assertThat(status().endpoints).as("counts the ready ones").isZero();
        PoolStatus.EndpointStatus shown = status().pools.get(0).backends.get(0).endpoints.get(0);
        assertThat(List.of(shown.ready, shown.serving, shown.terminating)).containsExactly(false, true, true);
        assertThat(endpointState(key(a))).isEqualTo("terminating");

        // the new pod is ready: new connections go there at once
        EchoBackend b = pod("b");
        client.resource(slice(NS, "echo-b", "echo", "ws", b.port(), List.of("127.0.0.1"), List.of())).create();
        await().atMost(WAIT).until(() -> pool().equals(List.of(key(b))) && kept().contains(key(b)));
        for (int i = 0; i < 3; i++) {
            try (WsClient fresh = WsClient.connect(proxy, "/ws")) {
                assertThat(fresh.roundTrip("new " + i)).isEqualTo("b:new " + i);
            }
            assertThat(get(proxy, "/page").headers().firstValue("x-backend")).hasValue("b");
        }
        await().atMost(WAIT).until(() -> "EndpointsResolved".equals(condition("Ready").reason));
    }

    @Test
    void aTerminatingPodThatNoLongerServesTakesNothing() throws Exception {
        EchoBackend a = pod("a");
        client.resource(service(NS2, "echo", 80, "ws")).create();
        client.resource(slice(NS2, "echo-a", "echo", "ws", a.port(), List.of("127.0.0.1"), List.of())).create();
        client.resource(route(NS2, "echo", List.of(), "/ws", "echo", "80")).create();
        await().atMost(WAIT).until(() -> pool(NS2).equals(List.of(key(a))));

        EndpointSlice notServing = Fixtures.terminating(NS2, "echo-a", "echo", "ws", a.port());
        notServing.getEndpoints().get(0).getConditions().setServing(false);
        client.resource(notServing).update();
        await().atMost(WAIT).until(() -> pool(NS2).isEmpty());
        assertThat(refusal(runtime.dataPlane().port(), "/ws")).as("no ready or serving endpoint: 503 as before").isEqualTo(503);
        await().atMost(WAIT).until(() -> status(NS2) != null && condition(NS2, "Ready") != null
                && "NoReadyEndpoints".equals(condition(NS2, "Ready").reason));
    }

    /** The status an upgrade was refused with (fails when it was not). */
    private static int refusal(int port, String path) {
        try (WsClient ws = WsClient.connect(port, path)) {
            throw new AssertionError("upgrade accepted");
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.net.http.WebSocketHandshakeException refused) {
                    return refused.getResponse().statusCode();
                }
            }
            throw new AssertionError("no handshake answer", e);
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String endpointState(String endpoint) throws Exception {
        String url = statusJson.toString().replace("://0.0.0.0:", "://127.0.0.1:");
        JsonNode page = new ObjectMapper().readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode r : page.path("routes")) {
            for (JsonNode rule : r.path("rules")) {
                for (JsonNode e : rule.path("endpoints")) {
                    if (endpoint.equals(e.path("endpoint").asText())) {
                        return e.path("state").asText();
                    }
                }
            }
        }
        return null;
    }

    private WebSocketRouteStatus status() {
        return status(NS);
    }

    private WebSocketRouteStatus status(String ns) {
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(ns).withName("echo").get();
        return r == null ? null : r.getStatus();
    }

    private RouteCondition condition(String type) {
        return condition(NS, type);
    }

    private RouteCondition condition(String ns, String type) {
        WebSocketRouteStatus s = status(ns);
        return s == null || s.conditions == null ? null
                : s.conditions.stream().filter(c -> type.equals(c.type)).findFirst().orElse(null);
    }

    private static String key(EchoBackend pod) {
        return "127.0.0.1:" + pod.port();
    }

    private EchoBackend pod(String name) {
        EchoBackend pod = EchoBackend.named(name);
        pods.add(pod);
        return pod;
    }

    /** The rule's pool: where new upgrades go. */
    private List<String> pool() {
        return pool(NS);
    }

    private List<String> pool(String ns) {
        CompiledRoute r = holder.current().route(new RouteId(ns, "echo"));
        return r == null ? List.of() : r.rules().get(0).pool().endpoints().stream().map(e -> e.key()).sorted().toList();
    }

    /** The rule's endpoints whose sockets stay (the others drain). */
    private Set<String> kept() {
        CompiledRoute r = holder.current().route(new RouteId(NS, "echo"));
        return r == null ? Set.of() : r.endpointsByPool().getOrDefault(r.rules().get(0).pool().id(), Set.of());
    }
}
