package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
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
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * An ingress replica started while the API server is away (a managed control-plane upgrade, a partition) or while RBAC
 * does not grant its lists yet: it starts anyway, alive but not ready ({@code not synced yet}), its data plane answering
 * 404 (no routes yet, no default backend), and routes and writes status once the API server answers. Before, the failed
 * first list failed the application's start: the container exited and crash-looped with a back-off that outlasted the
 * outage. (Ingress is the tests' mode by default.)
 */
@QuarkusTest
@QuarkusTestResource(value = ApiServerAwayAtStart.class, restrictToAnnotatedClass = true)
class IngressApiServerAwayAtStartTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NS = "away";

    @Inject
    RouteTableHolder holder;
    @Inject
    WsRouteRuntime runtime;
    @TestHTTPResource(value = "/health/ready", management = true)
    URL ready;
    @TestHTTPResource(value = "/health/live", management = true)
    URL live;

    @Test
    void startsNotReadyAndRoutesOnceTheApiServerAnswers() throws Exception {
        ApiServerAwayAtStart.assertAliveNotSyncedYet(ready, live);
        HttpResponse<String> page = ApiServerAwayAtStart.get(URI.create("http://127.0.0.1:" + runtime.dataPlane().port() + "/ws/x"));
        assertThat(page.statusCode()).as("no routes yet").isEqualTo(404);

        EchoBackend pod = EchoBackend.named("pod");
        try {
            KubernetesClient direct = ApiServerBehindLink.direct();
            direct.resource(Fixtures.service(NS, "echo", 80, "ws")).create();
            direct.resource(Fixtures.slice(NS, "echo", "echo", "ws", pod.port(), List.of("127.0.0.1"), List.of())).create();
            direct.resource(Fixtures.route(NS, "ws", List.of(), "/ws", "echo", "80")).create();

            ApiServerBehindLink.link().restore();
            await().atMost(WAIT).until(() -> holder.current().route(new RouteId(NS, "ws")) != null);
            await().atMost(WAIT).until(() -> ApiServerAwayAtStart.ready(ready));
            WsClient c = WsClient.connect(runtime.dataPlane().port(), "/ws/x");
            assertThat(c.roundTrip("hello")).isEqualTo("pod:hello");
            c.sendClose();
            await().atMost(WAIT).until(() -> {
                WebSocketRoute r = direct.resources(WebSocketRoute.class).inNamespace(NS).withName("ws").get();
                return r.getStatus() != null && Fixtures.accepted(r) && Integer.valueOf(1).equals(r.getStatus().endpoints);
            });
        } finally {
            pod.close();
        }
    }
}
