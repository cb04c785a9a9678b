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

import dev.wsroute.api.RouteCondition;
import dev.wsroute.api.TlsSpec;
import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.RouteTableHolder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * The operator in ingress mode against the CRUD mock API server: statuses are written, tables are published, and
 * both follow Services, EndpointSlices, Secrets and other routes. Each test uses its own namespace.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = RegisterCrd.class)
class IngressModeTest {
    private static final Duration WAIT = Duration.ofSeconds(60); // a bound against a hang on a loaded machine

    @Inject
    KubernetesClient client;
    @Inject
    RouteTableHolder holder;

    @Test
    void routeGetsStatusAndTableFollowsSliceScaling() {
        String ns = "scale";
        client.resource(service(ns, "chat", 8080, "ws")).create();
        client.resource(slice(ns, "chat-1", "chat", "ws", 9000, List.of("10.0.0.1", "10.0.0.2"), List.of("10.0.0.3"))).create();
        client.resource(route(ns, "chat", List.of("chat.example.com"), "/ws", "chat", "ws")).create();

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(condition(ns, "chat", "Accepted").reason).isEqualTo("Accepted");
            assertThat(condition(ns, "chat", "ResolvedRefs").status).isEqualTo("True");
            assertThat(condition(ns, "chat", "Ready").reason).isEqualTo("EndpointsResolved");
            assertThat(get(ns, "chat").getStatus().endpoints).isEqualTo(2);
            assertThat(get(ns, "chat").getStatus().observedGeneration).isEqualTo(get(ns, "chat").getMetadata().getGeneration());
        });
        assertThat(get(ns, "chat").getStatus().pools.get(0).backends.get(0).endpoints)
                .extracting(e -> e.ip + ":" + e.port + ":" + e.ready)
                .containsExactly("10.0.0.1:9000:true", "10.0.0.2:9000:true", "10.0.0.3:9000:false");
        await().atMost(WAIT).until(() -> endpoints(ns, "chat").equals(List.of("10.0.0.1:9000", "10.0.0.2:9000")));
        String readySince = condition(ns, "chat", "Ready").lastTransitionTime;

        // scale up: a third pod turns ready
        client.resource(slice(ns, "chat-1", "chat", "ws", 9000, List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"), List.of())).update();
        await().atMost(WAIT).until(() -> endpoints(ns, "chat").size() == 3);
        await().atMost(WAIT).until(() -> get(ns, "chat").getStatus().endpoints == 3);
        assertThat(condition(ns, "chat", "Ready").lastTransitionTime).as("Ready stayed True").isEqualTo(readySince);

        // scale down to nothing: the route stays, with no endpoint, and says why
        client.resource(slice(ns, "chat-1", "chat", "ws", 9000, List.of(), List.of("10.0.0.1"))).update();
        await().atMost(WAIT).until(() -> endpoints(ns, "chat").isEmpty());
        await().atMost(WAIT).until(() -> "NoReadyEndpoints".equals(condition(ns, "chat", "Ready").reason));
        assertThat(holder.current().route(new RouteId(ns, "chat"))).isNotNull();
    }

    @Test
    void missingServiceIsReportedUntilItAppears() {
        String ns = "late-service";
        client.resource(route(ns, "chat", List.of("late.example.com"), "/", "chat", "8080")).create();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(condition(ns, "chat", "ResolvedRefs").reason).isEqualTo("ServiceNotFound");
            assertThat(condition(ns, "chat", "ResolvedRefs").message).contains("Service late-service/chat not found");
            assertThat(condition(ns, "chat", "Ready").reason).isEqualTo("NoReadyEndpoints");
        });
        client.resource(service(ns, "chat", 8080, "http")).create();
        client.resource(slice(ns, "chat-a", "chat", "http", 8081, List.of("10.1.0.1"), List.of())).create();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(condition(ns, "chat", "ResolvedRefs").status).isEqualTo("True");
            assertThat(condition(ns, "chat", "Ready").status).isEqualTo("True");
        });
        await().atMost(WAIT).until(() -> endpoints(ns, "chat").equals(List.of("10.1.0.1:8081")));
        assertThat(events(ns)).contains("ServiceNotFound", "EndpointsResolved");
    }

    @Test
    void brokenRouteIsReportedAndOthersKeepServing() {
        String ns = "broken";
        client.resource(service(ns, "chat", 80, "ws")).create();
        client.resource(slice(ns, "chat-1", "chat", "ws", 8080, List.of("10.2.0.1"), List.of())).create();
        client.resource(route(ns, "good", List.of("good.example.com"), "/", "chat", "80")).create();
        client.resource(route(ns, "soon-bad", List.of("bad.example.com"), "/", "chat", "80")).create();
        await().atMost(WAIT).until(() -> !endpoints(ns, "good").isEmpty() && !endpoints(ns, "soon-bad").isEmpty());

        // read, change, write; on 409 (the status writer wrote in between) again from the read, as kubectl edit would
        await().atMost(WAIT).ignoreExceptionsMatching(e -> e instanceof io.fabric8.kubernetes.client.KubernetesClientException k
                && k.getCode() == 409).until(() -> {
                    WebSocketRoute bad = get(ns, "soon-bad");
                    bad.getSpec().rules.get(0).match.path.value = "no-slash";
                    client.resource(bad).update();
                    return true;
                });

        await().atMost(WAIT).untilAsserted(() -> {
            RouteCondition accepted = condition(ns, "soon-bad", "Accepted");
            assertThat(accepted.status).isEqualTo("False");
            assertThat(accepted.reason).isEqualTo("Invalid");
            assertThat(accepted.message).contains("spec.rules[0].match.path.value");
            assertThat(accepted.observedGeneration).isEqualTo(get(ns, "soon-bad").getMetadata().getGeneration());
        });
        await().atMost(WAIT).until(() -> holder.current().route(new RouteId(ns, "soon-bad")) == null);
        assertThat(endpoints(ns, "good")).containsExactly("10.2.0.1:8080");
        assertThat(condition(ns, "good", "Ready").status).isEqualTo("True");
        await().atMost(WAIT).until(() -> events(ns).contains("Invalid"));
    }

    @Test
    void olderRouteWinsAHostAcrossNamespacesAndTheLoserRecoversWhenItGoes() {
        client.resource(service("team-a", "chat", 80, "ws")).create();
        client.resource(service("team-b", "chat", 80, "ws")).create();
        client.resource(route("team-a", "chat", List.of("shared.example.com"), "/", "chat", "80")).create();
        await().atMost(WAIT).until(() -> get("team-a", "chat").getStatus() != null);
        client.resource(route("team-b", "chat", List.of("shared.example.com"), "/", "chat", "80")).create();

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(condition("team-b", "chat", "Accepted").reason).isEqualTo("HostConflict");
            assertThat(condition("team-b", "chat", "Accepted").message).contains("team-a/chat");
            assertThat(condition("team-a", "chat", "Accepted").reason).isEqualTo("Accepted");
        });
        assertThat(holder.current().route(new RouteId("team-b", "chat"))).isNull();

        client.resources(WebSocketRoute.class).inNamespace("team-a").withName("chat").delete();
        await().atMost(WAIT).until(() -> "Accepted".equals(condition("team-b", "chat", "Accepted").reason));
        await().atMost(WAIT).until(() -> holder.current().route(new RouteId("team-b", "chat")) != null);
    }

    @Test
    void missingTlsSecretIsReportedButTheRouteServes() {
        String ns = "tls";
        client.resource(service(ns, "chat", 80, "ws")).create();
        client.resource(slice(ns, "chat-1", "chat", "ws", 8080, List.of("10.3.0.1"), List.of())).create();
        WebSocketRoute r = route(ns, "chat", List.of("tls.example.com"), "/", "chat", "80");
        r.getSpec().tls = new TlsSpec();
        r.getSpec().tls.secretName = "chat-tls";
        client.resource(r).create();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(condition(ns, "chat", "ResolvedRefs").reason).isEqualTo("SecretNotFound");
            assertThat(condition(ns, "chat", "Accepted").status).isEqualTo("True");
        });
        assertThat(endpoints(ns, "chat")).containsExactly("10.3.0.1:8080");

        // the Secret appears, but its content is no certificate: the data plane's TLS resolver says so in status
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withNamespace(ns)
                .withName("chat-tls").endMetadata().withType("kubernetes.io/tls")
                .addToData("tls.crt", "Y2VydA==").addToData("tls.key", "a2V5").build()).create();
        await().atMost(WAIT).until(() -> "InvalidCertificate".equals(condition(ns, "chat", "ResolvedRefs").reason));
        assertThat(condition(ns, "chat", "ResolvedRefs").message).startsWith("spec.tls: ").doesNotContain("a2V5");
        assertThat(endpoints(ns, "chat")).containsExactly("10.3.0.1:8080");
    }

    /**
     * A Secret rotated in the API server: the table serves the new certificate; edited to a key that does not parse,
     * the route reports InvalidCertificate and keeps the certificate it served; rotated again, the next one is served.
     */
    @Test
    void aRotatedSecretIsServedAndABrokenEditKeepsTheCertificateServedBefore() throws Exception {
        String ns = "rotate";
        client.resource(service(ns, "chat", 80, "ws")).create();
        client.resource(slice(ns, "chat-1", "chat", "ws", 8080, List.of("10.4.0.1"), List.of())).create();
        WebSocketRoute r = route(ns, "chat", List.of("rotate.example.com"), "/", "chat", "80");
        r.getSpec().tls = new TlsSpec();
        r.getSpec().tls.secretName = "chat-tls";
        java.time.Instant tomorrow = java.time.Instant.now().plus(Duration.ofDays(1));
        client.resource(ClusterSyncTest.shortLivedSecret(ns, "chat-tls", tomorrow)).create();
        client.resource(r).create();
        await().atMost(WAIT).until(() -> "ResolvedRefs".equals(condition(ns, "chat", "ResolvedRefs").reason)
                && holder.current().certificates().select("rotate.example.com") != null);
        Object first = holder.current().certificates().select("rotate.example.com");

        client.resource(ClusterSyncTest.shortLivedSecret(ns, "chat-tls", tomorrow.plusSeconds(60))).update();
        await().atMost(WAIT).until(() -> holder.current().certificates().select("rotate.example.com") != first);
        Object second = holder.current().certificates().select("rotate.example.com");
        assertThat(second).isNotNull().isNotSameAs(holder.current().certificates().select(null));

        io.fabric8.kubernetes.api.model.Secret broken = client.secrets().inNamespace(ns).withName("chat-tls").get();
        broken.getData().put("tls.key", java.util.Base64.getEncoder().encodeToString(
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        client.resource(broken).update();
        await().atMost(WAIT).until(() -> "InvalidCertificate".equals(condition(ns, "chat", "ResolvedRefs").reason));
        assertThat(condition(ns, "chat", "ResolvedRefs").message).contains("tls.key", "is still served").doesNotContain("AAAA");
        assertThat(holder.current().certificates().select("rotate.example.com")).isSameAs(second);

        client.resource(ClusterSyncTest.shortLivedSecret(ns, "chat-tls", tomorrow.plusSeconds(120))).update();
        await().atMost(WAIT).until(() -> "ResolvedRefs".equals(condition(ns, "chat", "ResolvedRefs").reason));
        await().atMost(WAIT).until(() -> {
            Object now = holder.current().certificates().select("rotate.example.com");
            return now != null && now != second && now != first;
        });
    }

    private WebSocketRoute get(String ns, String name) {
        return client.resources(WebSocketRoute.class).inNamespace(ns).withName(name).get();
    }

    private RouteCondition condition(String ns, String name, String type) {
        WebSocketRoute r = get(ns, name);
        if (r == null || r.getStatus() == null) {
            return new RouteCondition();
        }
        return r.getStatus().conditions.stream().filter(c -> type.equals(c.type)).findFirst().orElse(new RouteCondition());
    }

    /** Endpoint keys of the route's first rule in the published table (empty when the route is not in it). */
    private List<String> endpoints(String ns, String name) {
        CompiledRoute r = holder.current().route(new RouteId(ns, name));
        return r == null ? List.of() : r.rules().get(0).pool().endpoints().stream().map(Endpoint::key).sorted().toList();
    }

    private List<String> events(String ns) {
        return client.v1().events().inNamespace(ns).list().getItems().stream().map(Event::getReason).toList();
    }
}
