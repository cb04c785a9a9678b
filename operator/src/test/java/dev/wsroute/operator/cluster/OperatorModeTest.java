package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.wsroute.api.PoolStatus;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.runtime.WsRouteRuntime;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** Operator mode: status (with the pools sidecars route by) is written, and no listener is opened. */
@QuarkusTest
@TestProfile(OperatorModeTest.OperatorOnly.class)
@WithKubernetesTestServer(crud = true, setup = RegisterCrd.class)
class OperatorModeTest {
    private static final String NS = "ops";

    public static class OperatorOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wsroute.mode", "operator");
        }
    }

    @Inject
    KubernetesClient client;
    @Inject
    WsRouteRuntime runtime;

    @Test
    void writesStatusWithPoolsAndServesNoTraffic() {
        assertThat(runtime.dataPlane()).as("operator mode has no data plane").isNull();
        client.resource(Fixtures.service(NS, "chat", 8080, "ws")).create();
        client.resource(Fixtures.slice(NS, "chat-1", "chat", "ws", 9000, List.of("10.0.0.1", "10.0.0.2"), List.of())).create();
        client.resource(Fixtures.route(NS, "chat", List.of(), "/ws", "chat", "ws")).create();

        await().atMost(Duration.ofSeconds(60)).until(() -> route().getStatus() != null && route().getStatus().endpoints != null
                && route().getStatus().endpoints == 2);
        List<PoolStatus.EndpointStatus> endpoints = route().getStatus().pools.get(0).backends.get(0).endpoints;
        assertThat(endpoints).extracting(e -> e.ip + ":" + e.port).containsExactly("10.0.0.1:9000", "10.0.0.2:9000");
        assertThat(runtime.routeTables().loaded()).as("control plane synced: ready").isTrue();
    }

    private WebSocketRoute route() {
        return client.resources(WebSocketRoute.class).inNamespace(NS).withName("chat").get();
    }
}
