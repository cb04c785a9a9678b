package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.wsroute.operator.crd.WebSocketRoute;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * A replica whose RBAC does not allow the Lease says so once, as an error naming the verb and the Lease (fabric8's
 * elector logs only at every retry, and that category is off); when the API server lets it in, it says so and
 * writes status.
 */
@QuarkusTest
@TestProfile(LeaseRefusedTest.Elected.class)
@WithKubernetesTestServer(crud = true, setup = LeaseRefusedTest.RefusesTheLeaseThreeTimes.class)
class LeaseRefusedTest {
    static final String LEASE_NS = "refused-leases";
    static final String NS = "lr";
    /** What StatusLease logged, captured from before the application starts. */
    static final List<LogRecord> LOGGED = new CopyOnWriteArrayList<>();

    public static class Elected implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wsroute.kubernetes.leader-election", "true", "wsroute.kubernetes.lease-namespace", LEASE_NS);
        }
    }

    /** The CRD; the first three attempts to create the Lease get 403, as from a Role without leases. */
    public static class RefusesTheLeaseThreeTimes implements Consumer<KubernetesServer> {
        @Override
        public void accept(KubernetesServer server) {
            Logger.getLogger(StatusLease.class.getName()).addHandler(new Handler() {
                @Override
                public void publish(LogRecord r) {
                    LOGGED.add(r);
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            });
            Fixtures.registerCrd(server.getClient());
            server.expect().post().withPath("/apis/coordination.k8s.io/v1/namespaces/" + LEASE_NS + "/leases")
                    .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").withMessage(
                            "leases.coordination.k8s.io is forbidden: User \"system:serviceaccount:wsroute:wsroute\" cannot create resource")
                            .build())
                    .times(3);
        }
    }

    @Inject
    KubernetesClient client;

    @Test
    void aRefusedLeaseIsReportedOnceThenStatusIsWrittenWhenAllowed() {
        Fixtures.createChatRoute(client, NS);

        await().atMost(Duration.ofSeconds(60)).until(() -> Fixtures.accepted(route()));

        List<String> errors = messages(Level.SEVERE);
        assertThat(errors).as("one error for three refusals in a row").hasSize(1);
        assertThat(errors.get(0)).contains("refuses this replica to create the Lease " + LEASE_NS + "/wsroute-operator (HTTP 403)")
                .contains("leases.coordination.k8s.io");
        assertThat(messages(Level.INFO)).anyMatch(m -> m.contains("lets this replica use the Lease " + LEASE_NS + "/wsroute-operator again"));
    }

    private static List<String> messages(Level level) {
        return LOGGED.stream().filter(r -> r.getLevel().intValue() == level.intValue())
                .map(r -> r.getParameters() == null ? r.getMessage() : String.format(r.getMessage(), r.getParameters())).toList();
    }

    private WebSocketRoute route() {
        return client.resources(WebSocketRoute.class).inNamespace(NS).withName("chat").get();
    }
}
