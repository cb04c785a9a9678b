package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.function.Consumer;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.table.RouteTableHolder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * Leader election in ingress mode: while another replica holds the Lease, this one routes traffic but writes no
 * status; once the Lease is free, it takes it and statuses appear.
 */
@QuarkusTest
@TestProfile(LeaderElectionTest.Elected.class)
@WithKubernetesTestServer(crud = true, setup = LeaderElectionTest.HeldByAnother.class)
class LeaderElectionTest {
    static final String LEASE_NS = "leases";
    static final String NS = "le";

    public static class Elected implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wsroute.kubernetes.leader-election", "true", "wsroute.kubernetes.lease-namespace", LEASE_NS,
                    "POD_NAME", "wsroute-7d9f-abcde");
        }
    }

    /** The CRD, and the Lease held by another replica that renews it. */
    public static class HeldByAnother implements Consumer<KubernetesServer> {
        @Override
        public void accept(KubernetesServer server) {
            Fixtures.registerCrd(server.getClient());
            server.getClient().resource(new LeaseBuilder().withNewMetadata().withNamespace(LEASE_NS).withName("wsroute-operator")
                    .endMetadata().withNewSpec().withHolderIdentity("other-replica").withLeaseDurationSeconds(3600)
                    .withAcquireTime(ZonedDateTime.now()).withRenewTime(ZonedDateTime.now()).withLeaseTransitions(0)
                    .endSpec().build()).create();
        }
    }

    @Inject
    KubernetesClient client;
    @Inject
    RouteTableHolder holder;

    @Test
    void onlyTheLeaseHolderWritesStatusButEveryReplicaRoutes() {
        Fixtures.createChatRoute(client, NS);

        await().atMost(Duration.ofSeconds(60)).until(() -> holder.current().route(new RouteId(NS, "chat")) != null);
        // no status for 3 s; the bound is generous, as each look is a request that a loaded machine may serve slowly
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(30)).until(() -> route().getStatus() == null);

        client.resources(Lease.class).inNamespace(LEASE_NS).withName("wsroute-operator").delete();

        await().atMost(Duration.ofSeconds(40)).until(() -> Fixtures.accepted(route()));
        Lease lease = client.resources(Lease.class).inNamespace(LEASE_NS).withName("wsroute-operator").get();
        assertThat(lease.getSpec().getHolderIdentity()).as("the pod name, from the downward API").isEqualTo("wsroute-7d9f-abcde");
    }

    private WebSocketRoute route() {
        return client.resources(WebSocketRoute.class).inNamespace(NS).withName("chat").get();
    }
}
