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
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.runtime.WsRouteRuntime;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.WsClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

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
    ClusterState state;

    @Test
    void routesByStatusPools() throws Exception {
        EchoBackend pod = EchoBackend.named("pod");
        try {
            client.resource(Fixtures.route(NS, "ws", List.of(), "/ws", "echo", "80")).create();
            // the operator's view: the Service and slice live in the cluster, the sidecar never reads them
            MutableView operatorView = new MutableView()
                    .put(Fixtures.service(NS, "echo", 80, "ws"))
                    .put(Fixtures.slice(NS, "echo", "echo", "ws", pod.port(), List.of("127.0.0.1"), List.of()));
            WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(NS).withName("ws").get();
            operatorView.put(r);
            r.setStatus(StatusMerge.merge(null, new Translator().translate(operatorView).statuses().get(Translator.id(r)),
                    Instant.now()));
            client.resource(r).updateStatus();

            await().atMost(Duration.ofSeconds(60)).until(() -> holder.current().route(new RouteId(NS, "ws")) != null);
            WsClient c = WsClient.connect(runtime.dataPlane().port(), "/ws/x");
            assertThat(c.roundTrip("hello")).isEqualTo("pod:hello");
            c.sendClose();
        } finally {
            pod.close();
        }
    }
    /**
     * An edit of a route (a new generation) is used once the operator has written a status for it; until then the
     * route serves as it was accepted. Before, the sidecar dropped it at once: its open sockets drained (Close 1001)
     * and new upgrades went to the app container, for as long as the operator took (away: until it was back).
     */
    @Test
    void anEditedRouteServesAsAcceptedUntilTheOperatorHasWrittenItsStatus() throws Exception {
        EchoBackend pod = EchoBackend.named("pod");
        try {
            MutableView operatorView = new MutableView().put(Fixtures.service(NS, "echo", 80, "ws"))
                    .put(Fixtures.slice(NS, "echo", "echo", "ws", pod.port(), List.of("127.0.0.1"), List.of()));
            client.resource(Fixtures.route(NS, "edited", List.of(), "/ws", "echo", "80")).create();
            writeStatusAsTheOperator(operatorView, "edited");
            await().atMost(Duration.ofSeconds(60)).until(() -> holder.current().route(new RouteId(NS, "edited")) != null);
            WsClient open = WsClient.connect(runtime.dataPlane().port(), "/ws/a");
            assertThat(open.roundTrip("before")).isEqualTo("pod:before");

            // the user moves the route to /chat; the operator is away, or has not written the edit's status yet
            WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(NS).withName("edited").get();
            r.getSpec().rules.get(0).match.path.value = "/chat";
            assertThat(client.resource(r).update().getMetadata().getGeneration()).isEqualTo(2L);
            await().atMost(Duration.ofSeconds(60)).until(() -> state.cache().routes().stream()
                    .anyMatch(w -> w.getMetadata().getName().equals("edited") && w.getMetadata().getGeneration() == 2L));
            state.sync().rebuildNow(); // a pass that has seen the edit

            assertThat(holder.current().route(new RouteId(NS, "edited"))).as("still served").isNotNull();
            assertThat(open.roundTrip("meanwhile")).isEqualTo("pod:meanwhile");
            WsClient again = WsClient.connect(runtime.dataPlane().port(), "/ws/b");
            assertThat(again.roundTrip("new")).as("a new upgrade: still the route's pod, as accepted").isEqualTo("pod:new");
            again.sendClose();

            writeStatusAsTheOperator(operatorView, "edited"); // the operator accepts generation 2
            await().atMost(Duration.ofSeconds(60)).until(() -> holder.current().route(new RouteId(NS, "edited"))
                    .rules().get(0).rule().match().path().value().equals("/chat"));
            WsClient moved = WsClient.connect(runtime.dataPlane().port(), "/chat/c");
            assertThat(moved.roundTrip("after")).as("the edit in force").isEqualTo("pod:after");
            moved.sendClose();
        } finally {
            pod.close();
        }
    }

    /** What the operator writes: the translated status of the route as it now is. */
    private void writeStatusAsTheOperator(MutableView operatorView, String name) {
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(NS).withName(name).get();
        operatorView.put(r);
        r.setStatus(StatusMerge.merge(r.getStatus(), new Translator().translate(operatorView).statuses().get(Translator.id(r)),
                Instant.now()));
        client.resource(r).updateStatus();
    }

    @Test
    void terminatesTlsWithTheSecretItsRouteNames() throws Exception {
        String pem[] = selfSigned("secure.app.test");
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withNamespace(NS)
                .withName("app-tls").endMetadata().withType("kubernetes.io/tls")
                .addToStringData("tls.crt", pem[0]).addToStringData("tls.key", pem[1]).build()).create();
        WebSocketRoute route = Fixtures.route(NS, "secure", List.of("secure.app.test"), "/s", "echo", "80");
        route.getSpec().tls = new dev.wsroute.api.TlsSpec();
        route.getSpec().tls.secretName = "app-tls";
        client.resource(route).create();
        MutableView operatorView = new MutableView().put(Fixtures.service(NS, "echo", 80, "ws"))
                .put(Fixtures.slice(NS, "echo", "echo", "ws", 9, List.of("127.0.0.1"), List.of()));
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(NS).withName("secure").get();
        operatorView.put(r);
        r.setStatus(StatusMerge.merge(null, new Translator().translate(operatorView).statuses().get(Translator.id(r)),
                Instant.now()));
        client.resource(r).updateStatus();

        // the sidecar watches its namespace's Secrets: the route's certificate is served for its host
        await().atMost(Duration.ofSeconds(60)).until(() -> holder.current().certificates().select("secure.app.test") != null);
    }

    /** A self-signed EC certificate and its key, as PEM (certificate, PKCS#8 key). */
    private static String[] selfSigned(String host) throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        java.security.KeyPair kp = g.generateKeyPair();
        org.bouncycastle.asn1.x500.X500Name name = new org.bouncycastle.asn1.x500.X500Name("CN=" + host);
        java.util.Date from = new java.util.Date(System.currentTimeMillis() - 60_000);
        java.util.Date to = new java.util.Date(System.currentTimeMillis() + 86_400_000L);
        var builder = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(name, java.math.BigInteger.ONE, from, to, name,
                kp.getPublic()).addExtension(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName, false,
                        new org.bouncycastle.asn1.x509.GeneralNames(new org.bouncycastle.asn1.x509.GeneralName(
                                org.bouncycastle.asn1.x509.GeneralName.dNSName, host)));
        var cert = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
                builder.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        return new String[] {pem("CERTIFICATE", cert.getEncoded()), pem("PRIVATE KEY", kp.getPrivate().getEncoded())};
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
