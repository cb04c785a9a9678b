package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.runtime.WsRouteRuntime;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.WsClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A sidecar whose pod starts while the API server is away (a control-plane upgrade, a NetworkPolicy not yet in place):
 * it starts anyway, not ready, sending plain HTTP to the app container, and routes once the API server answers. Before,
 * the failed first list failed the application's start: the container exited, and Kubernetes restarted it with a
 * back-off that outlasted the outage, the pod's app unreachable through it meanwhile. Once listed, a later outage leaves
 * the last routes in force and the sidecar ready (that part was fine).
 */
@QuarkusTest
@TestProfile(SidecarApiServerAwayAtStartTest.Sidecar.class)
@QuarkusTestResource(value = ApiServerAwayAtStart.class, restrictToAnnotatedClass = true)
class SidecarApiServerAwayAtStartTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NS = "default"; // the client's namespace (ApiServerBehindLink): the sidecar's own
    /** The app container's stand-in (plain HTTP answers name it). */
    static final EchoBackend APP = EchoBackend.named("app");

    public static class Sidecar implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wsroute.mode", "sidecar", "wsroute.sidecar.app-port", String.valueOf(APP.port()));
        }
    }

    @Inject
    RouteTableHolder holder;
    @Inject
    WsRouteRuntime runtime;
    @Inject
    ClusterState state;
    @TestHTTPResource(value = "/health/ready", management = true)
    URL ready;

    @AfterAll
    static void stopApp() {
        APP.close();
    }

    @Test
    void startsNotReadyServingTheAppAndRoutesOnceTheApiServerAnswers() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> readiness = http.send(HttpRequest.newBuilder(ready.toURI()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(readiness.statusCode()).isEqualTo(503);
        assertThat(readiness.body()).contains("not synced yet");
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + runtime.dataPlane().port() + "/index.html")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("x-backend")).as("the app container answers").hasValue("app");

        EchoBackend pod = EchoBackend.named("pod");
        try {
            KubernetesClient direct = ApiServerBehindLink.direct();
            direct.resource(Fixtures.route(NS, "ws", List.of(), "/ws", "echo", "80")).create();
            WebSocketRoute r = direct.resources(WebSocketRoute.class).inNamespace(NS).withName("ws").get();
            MutableView operatorView = new MutableView().put(Fixtures.service(NS, "echo", 80, "ws"))
                    .put(Fixtures.slice(NS, "echo", "echo", "ws", pod.port(), List.of("127.0.0.1"), List.of())).put(r);
            r.setStatus(StatusMerge.merge(null, new Translator().translate(operatorView).statuses().get(Translator.id(r)),
                    Instant.now()));
            direct.resource(r).updateStatus();

            ApiServerBehindLink.link().restore();
            await().atMost(WAIT).until(() -> holder.current().route(new RouteId(NS, "ws")) != null);
            await().atMost(WAIT).until(() -> http.send(HttpRequest.newBuilder(ready.toURI()).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
            WsClient c = WsClient.connect(runtime.dataPlane().port(), "/ws/x");
            assertThat(c.roundTrip("hello")).isEqualTo("pod:hello");

            // away again, once listed: the last routes stay in force, open sockets untouched, still ready
            ApiServerBehindLink.link().cut();
            await().atMost(WAIT).until(() -> !state.cache().watching());
            assertThat(c.roundTrip("during")).isEqualTo("pod:during");
            WsClient during = WsClient.connect(runtime.dataPlane().port(), "/ws/y");
            assertThat(during.roundTrip("new")).isEqualTo("pod:new");
            readiness = http.send(HttpRequest.newBuilder(ready.toURI()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(readiness.statusCode()).isEqualTo(200);
            assertThat(readiness.body()).contains("disconnected: serving the last route table");
            ApiServerBehindLink.link().restore();
            await().atMost(WAIT).until(() -> state.cache().current());
            assertThat(c.roundTrip("after")).isEqualTo("pod:after");
            during.sendClose();
            c.sendClose();
        } finally {
            pod.close();
        }
    }
}
