package dev.wsroute.operator.cluster;

import static dev.wsroute.operator.cluster.Fixtures.route;
import static dev.wsroute.operator.cluster.Fixtures.service;
import static dev.wsroute.operator.cluster.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.wsroute.api.PoolStatus;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.testing.ControllableBackend;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;

/**
 * Ingress mode against the CRUD mock API server, with real backends whose health endpoint can be made to fail:
 * the data plane's active checks show in {@code status.pools[].backends[].endpoints[].healthy}, flipping to false
 * and back, and {@code failingOpen} says when no endpoint of the rule is healthy. A rule without health checks
 * shows neither.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = RegisterCrd.class)
class HealthStatusTest {
    private static final Duration WAIT = Duration.ofSeconds(60); // a bound against a hang on a loaded machine
    private static final String NS = "health";

    static Vertx vertx;
    static ControllableBackend a;
    static ControllableBackend b;

    @Inject
    KubernetesClient client;

    @BeforeAll
    static void backends() {
        vertx = Vertx.vertx(); // not the application's: its port-0 servers are its own
        a = new ControllableBackend(vertx, "a");
        b = new ControllableBackend(vertx, "b");
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void endpointHealthAndFailOpenShowInTheRouteStatus() {
        client.resource(service(NS, "chat", 80, "ws")).create();
        // both backends listen on 127.0.0.1, at different ports: one slice each
        client.resource(slice(NS, "chat-a", "chat", "ws", a.port(), List.of("127.0.0.1"), List.of())).create();
        client.resource(slice(NS, "chat-b", "chat", "ws", b.port(), List.of("127.0.0.1"), List.of())).create();
        WebSocketRoute checked = route(NS, "checked", List.of("checked.health.example.com"), "/ws", "chat", "80");
        checked.getSpec().rules.get(0).healthCheck = Fixtures.httpHealthCheck();
        client.resource(checked).create();
        client.resource(route(NS, "unchecked", List.of("unchecked.health.example.com"), "/ws", "chat", "80")).create();

        await().atMost(WAIT).until(() -> healthy("checked").equals(Map.of(a.endpoint(), true, b.endpoint(), true)));
        assertThat(pool("checked").failingOpen).isFalse();

        b.healthStatus.set(500);
        await().atMost(WAIT).until(() -> healthy("checked").equals(Map.of(a.endpoint(), true, b.endpoint(), false)));
        assertThat(pool("checked").failingOpen).as("a is healthy").isFalse();

        a.healthStatus.set(503);
        await().atMost(WAIT).until(() -> Boolean.TRUE.equals(pool("checked").failingOpen));
        assertThat(healthy("checked")).isEqualTo(Map.of(a.endpoint(), false, b.endpoint(), false));

        a.healthStatus.set(200);
        b.healthStatus.set(200);
        await().atMost(WAIT).until(() -> healthy("checked").equals(Map.of(a.endpoint(), true, b.endpoint(), true)));
        assertThat(pool("checked").failingOpen).isFalse();

        await().atMost(WAIT).until(() -> pool("unchecked").backends.size() == 1);
        PoolStatus unchecked = pool("unchecked");
        assertThat(unchecked.failingOpen).isNull();
        assertThat(unchecked.backends.get(0).endpoints).hasSize(2).allSatisfy(e -> assertThat(e.healthy).isNull());
    }

    private PoolStatus pool(String name) {
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(NS).withName(name).get();
        return r == null || r.getStatus() == null || r.getStatus().pools.isEmpty() ? new PoolStatus() : r.getStatus().pools.get(0);
    }

    /** ip:port → healthy, for the endpoints of the route's first rule that show it. */
    private Map<String, Boolean> healthy(String name) {
        Map<String, Boolean> out = new TreeMap<>();
        for (PoolStatus.BackendStatus backend : pool(name).backends) {
            for (PoolStatus.EndpointStatus e : backend.endpoints) {
                if (e.healthy != null) {
                    out.put(e.ip + ":" + e.port, e.healthy);
                }
            }
        }
        return out;
    }
}
