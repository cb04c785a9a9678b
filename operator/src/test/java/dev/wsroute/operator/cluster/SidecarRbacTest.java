package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.model.RouteId;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/**
 * deploy/sidecar/rbac-sidecar.yaml against what a sidecar asks the API server for (taken from the requests its
 * informers make to the CRUD mock API server while it starts and follows a route): a namespaced Role, every resource
 * and verb used granted, and no resource granted that the sidecar never reads.
 */
class SidecarRbacTest {
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
    void theSidecarRoleGrantsWhatTheSidecarReads() throws Exception {
        KubernetesClient client = server.getClient();
        Fixtures.registerCrd(client);
        while (server.getKubernetesMockServer().takeRequest(100, TimeUnit.MILLISECONDS) != null) {
            // the test's own setup
        }
        RouteTableHolder holder = new RouteTableHolder();
        try (ClusterCache cache = new ClusterCache(client, Optional.of("app"));
                ClusterSync sync = ClusterSyncs.sidecar(cache, new ValidationCache(), holder, () -> TlsResolver.NONE,
                        Duration.ofMillis(5))) {
            cache.listener(sync).start(ClusterCache.Scope.ROUTES_AND_SECRETS);
            sync.rebuildNow();
            server.getClient().resource(Fixtures.route("app", "ws", List.of(), "/ws", "echo", "80")).create();
            await().atMost(Duration.ofSeconds(60)).until(() -> cache.routes().size() == 1);
            assertThat(holder.current().route(new RouteId("app", "ws"))).as("no status: not used").isNull();
        }

        Map<String, Set<String>> used = new TreeMap<>();
        for (RecordedRequest r; (r = server.getKubernetesMockServer().takeRequest(1, TimeUnit.SECONDS)) != null;) {
            String path = r.getPath();
            String resource = path.replaceFirst("\\?.*", "").replaceFirst(".*/namespaces/app/", "");
            if (r.getMethod().equals("POST") && resource.equals("websocketroutes")) {
                continue; // the test's own create
            }
            assertThat(path).as("namespaced, as a Role grants").contains("/namespaces/app/");
            assertThat(resource).as("a collection (%s %s)", r.getMethod(), path).doesNotContain("/");
            assertThat(r.getMethod()).as(path).isEqualTo("GET");
            used.computeIfAbsent(resource, k -> new TreeSet<>()).add(path.contains("watch=true") ? "watch" : "list");
        }
        assertThat(used).as("what the sidecar read").containsOnlyKeys("websocketroutes", "secrets");

        Role role = sidecarRole(client);
        Map<String, Set<String>> granted = new TreeMap<>();
        role.getRules().forEach(rule -> rule.getResources().forEach(res -> granted.computeIfAbsent(res, k -> new TreeSet<>())
                .addAll(rule.getVerbs())));
        assertThat(granted.keySet()).as("resources the Role grants: the ones read, no more").isEqualTo(used.keySet());
        used.forEach((res, verbs) -> assertThat(granted.get(res)).as("verbs granted on %s", res).containsAll(verbs));
        assertThat(granted.values()).allSatisfy(verbs -> assertThat(verbs).as("read-only").isSubsetOf("get", "list", "watch"));
    }

    private static Role sidecarRole(KubernetesClient client) throws Exception {
        try (InputStream yaml = Files.newInputStream(Path.of("../deploy/sidecar/rbac-sidecar.yaml"))) {
            List<HasMetadata> items = client.load(yaml).items();
            assertThat(items).as("a Role, no ClusterRole").noneMatch(i -> i.getKind().startsWith("Cluster"));
            return items.stream().filter(Role.class::isInstance).map(Role.class::cast).findFirst()
                    .orElseThrow(() -> new AssertionError("no Role in deploy/sidecar/rbac-sidecar.yaml"));
        }
    }
}
