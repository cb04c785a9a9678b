package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.ServiceResolver;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.runtime.WsRouteRuntime;
import dev.wsroute.table.RouteTableHolder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * Sidecar mode: the app watches only WebSocketRoutes of its namespace and routes by the status.pools an operator
 * wrote. Here the test plays the operator; a JDK client goes through the sidecar's data plane to an echo pod.
 */
@QuarkusTest
@TestProfile(SidecarModeTest.Sidecar.class)
@WithKubernetesTestServer(crud = true, setup = RegisterCrd.class)
class SidecarModeTest {
    private static final String NS = "app";

    public static class Sidecar implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wsroute.mode", "sidecar", "wsroute.kubernetes.namespace", NS);
        }
    }

    @Inject
    KubernetesClient client;
    @Inject
    RouteTableHolder holder;
    @Inject
    WsRouteRuntime runtime;
    @Inject
    Vertx vertx;

    @Test
    void routesByStatusPools() throws Exception {
        HttpServer pod = EchoPods.start(vertx, "pod");
        try {
            client.resource(Fixtures.route(NS, "ws", List.of(), "/ws", "echo", "80")).create();
            // the operator's view: the Service and slice live in the cluster, the sidecar never reads them
            MutableView operatorView = new MutableView()
                    .put(Fixtures.service(NS, "echo", 80, "ws"))
                    .put(Fixtures.slice(NS, "echo", "echo", "ws", pod.actualPort(), List.of("127.0.0.1"), List.of()));
            WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(NS).withName("ws").get();
            operatorView.put(r);
            r.setStatus(StatusMerge.merge(null, new Translator().status(r, operatorView, new ServiceResolver(operatorView)),
                    Instant.now()));
            client.resource(r).updateStatus();

            await().atMost(Duration.ofSeconds(20)).until(() -> holder.current().route(new RouteId(NS, "ws")) != null);
            EchoClient c = EchoClient.connect(runtime.dataPlane().port(), "/ws/x");
            assertThat(c.roundTrip("hello")).isEqualTo("pod:hello");
            c.close();
        } finally {
            pod.close();
        }
    }
}
