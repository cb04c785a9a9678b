package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URL;
import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.runtime.WsRouteRuntime;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * An operator replica started while the API server is away (or RBAC not granting its lists yet): it starts anyway,
 * alive but not ready ({@code not synced yet}), and writes status once the API server answers. Before, the failed first
 * list failed the application's start, and the container crash-looped.
 */
@QuarkusTest
@TestProfile(OperatorModeTest.OperatorOnly.class)
@QuarkusTestResource(value = ApiServerAwayAtStart.class, restrictToAnnotatedClass = true)
class OperatorApiServerAwayAtStartTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NS = "away";

    @Inject
    WsRouteRuntime runtime;
    @TestHTTPResource(value = "/health/ready", management = true)
    URL ready;
    @TestHTTPResource(value = "/health/live", management = true)
    URL live;

    @Test
    void startsNotReadyAndWritesStatusOnceTheApiServerAnswers() throws Exception {
        ApiServerAwayAtStart.assertAliveNotSyncedYet(ready, live);

        KubernetesClient direct = ApiServerBehindLink.direct();
        direct.resource(Fixtures.service(NS, "chat", 8080, "ws")).create();
        direct.resource(Fixtures.slice(NS, "chat-1", "chat", "ws", 9000, List.of("10.0.0.1", "10.0.0.2"), List.of()))
                .create();
        direct.resource(Fixtures.route(NS, "chat", List.of(), "/ws", "chat", "ws")).create();

        ApiServerBehindLink.link().restore();
        await().atMost(WAIT).until(() -> {
            WebSocketRoute r = direct.resources(WebSocketRoute.class).inNamespace(NS).withName("chat").get();
            return r.getStatus() != null && Integer.valueOf(2).equals(r.getStatus().endpoints);
        });
        await().atMost(WAIT).until(() -> ApiServerAwayAtStart.ready(ready));
        assertThat(runtime.routeTables().loaded()).isTrue();
    }
}
