package dev.wsroute.operator.cluster;

import static dev.wsroute.operator.cluster.Fixtures.route;
import static dev.wsroute.operator.cluster.Fixtures.service;
import static dev.wsroute.operator.cluster.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.runtime.WsRouteRuntime;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.WsClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Ingress mode through an API-server outage, end to end: while the API server is away the last table keeps
 * routing; a route deleted meanwhile is noticed when it is back (the informers list everything again, a resumed
 * watch alone would never say), and its open WebSocket drains: Close 1001 after the drain period (1s in tests).
 */
@QuarkusTest
@QuarkusTestResource(value = ApiServerBehindLink.class, restrictToAnnotatedClass = true)
class ApiServerOutageTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NS = "outage";

    @Inject
    RouteTableHolder holder;
    @Inject
    WsRouteRuntime runtime;
    @Inject
    ClusterState state;

    @Test
    void aRouteDeletedWhileTheApiServerWasAwayDrainsWhenItIsBack() throws Exception {
        EchoBackend pod = EchoBackend.named("pod");
        try {
            KubernetesClient direct = ApiServerBehindLink.direct();
            direct.resource(service(NS, "echo", 80, "ws")).create();
            direct.resource(slice(NS, "echo", "echo", "ws", pod.port(), List.of("127.0.0.1"), List.of())).create();
            direct.resource(route(NS, "gone", List.of(), "/ws", "echo", "80")).create();
            await().atMost(WAIT).until(() -> holder.current().route(new RouteId(NS, "gone")) != null);
            WsClient client = WsClient.connect(runtime.dataPlane().port(), "/ws/room");
            assertThat(client.roundTrip("before")).isEqualTo("pod:before");

            ApiServerBehindLink.link().cut();
            await().atMost(WAIT).until(() -> !state.cache().watching());
            direct.resources(WebSocketRoute.class).inNamespace(NS).withName("gone").delete();
            assertThat(client.roundTrip("during")).as("the last table stays in force").isEqualTo("pod:during");

            ApiServerBehindLink.link().restore();
            await().atMost(WAIT).until(() -> holder.current().route(new RouteId(NS, "gone")) == null);
            await().atMost(WAIT).until(() -> client.closeCodeNow() != null);
            assertThat(client.closeCodeNow()).as("drained as a deleted route").isEqualTo(1001);
        } finally {
            pod.close();
        }
    }
}
