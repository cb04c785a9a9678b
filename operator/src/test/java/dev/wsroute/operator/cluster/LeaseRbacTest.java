package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/**
 * The Role that deploy/ grants for the Lease allows exactly the verbs the lock uses (taken from the requests it
 * makes to the CRUD mock API server: acquire, read, renew) — enough to hold the Lease, and nothing more.
 */
class LeaseRbacTest {
    private static final Map<String, String> VERB_OF_METHOD = Map.of("GET", "get", "POST", "create", "PUT", "update",
            "PATCH", "patch", "DELETE", "delete");
    private final KubernetesServer server = new KubernetesServer(false, true, InetAddress.getLoopbackAddress(), 0, List.of());

    @BeforeEach
    void start() {
        server.before();
    }

    @AfterEach
    void stop() {
        server.after();
    }

    @Test
    void theRoleGrantsWhatTheLeaseLockUsesAndNoMore() throws Exception {
        KubernetesClient client = server.getClient();
        ReportingLeaseLock lock = new ReportingLeaseLock("wsroute-system", "wsroute-operator", "pod-a", started -> {
        });
        ZonedDateTime now = ZonedDateTime.now();
        lock.create(client, new LeaderElectionRecord("pod-a", Duration.ofSeconds(15), now, now, 0));
        LeaderElectionRecord held = lock.get(client);
        lock.update(client, new LeaderElectionRecord("pod-a", Duration.ofSeconds(15), now, now.plusSeconds(2), 0));
        assertThat(lock.get(client).getRenewTime()).as("renewed").isAfter(held.getRenewTime());

        Set<String> used = new TreeSet<>();
        for (RecordedRequest r; (r = server.getKubernetesMockServer().takeRequest(1, TimeUnit.SECONDS)) != null;) {
            if (r.getPath().startsWith("/apis/coordination.k8s.io/v1/namespaces/wsroute-system/leases")) {
                used.add(VERB_OF_METHOD.get(r.getMethod()));
            }
        }
        assertThat(used).as("verbs the lock used").contains("create", "get");
        assertThat(new TreeSet<>(leaseRule(client).getVerbs())).as("verbs deploy/base/rbac-ingress.yaml grants on leases")
                .isEqualTo(used);
    }

    private static PolicyRule leaseRule(KubernetesClient client) throws Exception {
        try (InputStream yaml = Files.newInputStream(Path.of("../deploy/base/rbac-ingress.yaml"))) {
            return client.load(yaml).items().stream()
                    .filter(Role.class::isInstance).map(Role.class::cast)
                    .flatMap(role -> role.getRules().stream())
                    .filter(rule -> rule.getResources().contains("leases"))
                    .findFirst().orElseThrow(() -> new AssertionError("no Role rule for leases"));
        }
    }
}
