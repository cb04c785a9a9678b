package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.function.Consumer;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.wsroute.operator.crd.WebSocketRoute;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * The Lease timings are settings: with {@code wsroute.kubernetes.lease-duration=2s} (renew deadline 1s, retry 200ms)
 * this replica, once it took the Lease from a replica that stopped renewing it (after the 1 s that one wrote into it:
 * a taker waits out the duration the holder wrote, as client-go does), writes its own 2 s into the Lease, where
 * {@code kubectl get lease -o yaml} shows it: the time any other replica waits once this one stops renewing.
 */
@QuarkusTest
@TestProfile(ConfiguredLeaseTimingsTest.ShortLease.class)
@WithKubernetesTestServer(crud = true, setup = ConfiguredLeaseTimingsTest.HeldByAStoppedReplica.class)
class ConfiguredLeaseTimingsTest {
    static final String LEASE_NS = "leases";
    static final String NS = "timings";

    public static class ShortLease implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wsroute.kubernetes.leader-election", "true", "wsroute.kubernetes.lease-namespace", LEASE_NS,
                    "wsroute.kubernetes.lease-duration", "2s", "wsroute.kubernetes.lease-renew-deadline", "1s",
                    "wsroute.kubernetes.lease-retry-period", "200ms", "POD_NAME", "wsroute-7d9f-short");
        }
    }

    /** The CRD, and the Lease of a replica that renewed it once, saying it lasts 1 s, and stopped. */
    public static class HeldByAStoppedReplica implements Consumer<KubernetesServer> {
        @Override
        public void accept(KubernetesServer server) {
            Fixtures.registerCrd(server.getClient());
            server.getClient().resource(new LeaseBuilder().withNewMetadata().withNamespace(LEASE_NS).withName("wsroute-operator")
                    .endMetadata().withNewSpec().withHolderIdentity("stopped-replica").withLeaseDurationSeconds(1)
                    .withAcquireTime(ZonedDateTime.now()).withRenewTime(ZonedDateTime.now()).withLeaseTransitions(0)
                    .endSpec().build()).create();
        }
    }

    @Inject
    KubernetesClient client;

    @Test
    void theConfiguredLeaseDurationIsWhatTheHolderWritesIntoTheLease() {
        Fixtures.createChatRoute(client, NS);

        await().atMost(Duration.ofSeconds(60)).until(() -> "wsroute-7d9f-short".equals(lease().getSpec().getHolderIdentity()));
        Lease taken = lease();
        assertThat(taken.getSpec().getLeaseDurationSeconds()).as("the configured lease-duration, in the Lease")
                .isEqualTo(2);
        // renewed every 200 ms: a renewal later than the taking, the configured duration still in it
        await().atMost(Duration.ofSeconds(60)).until(() -> lease().getSpec().getRenewTime().isAfter(taken.getSpec().getRenewTime()));
        assertThat(lease().getSpec().getLeaseDurationSeconds()).isEqualTo(2);
        assertThat(taken.getSpec().getLeaseTransitions()).as("taken over from the stopped replica").isEqualTo(1);
        await().atMost(Duration.ofSeconds(60)).until(() -> Fixtures.accepted(route()));
    }

    private Lease lease() {
        return client.resources(Lease.class).inNamespace(LEASE_NS).withName("wsroute-operator").get();
    }

    private WebSocketRoute route() {
        return client.resources(WebSocketRoute.class).inNamespace(NS).withName("chat").get();
    }
}
