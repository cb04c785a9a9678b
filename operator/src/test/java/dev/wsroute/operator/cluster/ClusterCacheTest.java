package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/** Real informers against the CRUD mock API server, without Quarkus: sidecar mode, and losing the API server. */
class ClusterCacheTest {
    private static final Duration WAIT = Duration.ofSeconds(60); // a bound against a hang on a loaded machine

    private final KubernetesServer server = new KubernetesServer(false, true, InetAddress.getLoopbackAddress(), 0, List.of());
    private final RouteTableHolder holder = new RouteTableHolder();
    private KubernetesClient client;
    private ClusterCache cache;
    private ClusterSync sync;

    @BeforeEach
    void startServer() {
        server.before();
        client = server.getClient();
        Fixtures.registerCrd(client);
    }

    @AfterEach
    void stop() {
        if (sync != null) {
            sync.close();
        }
        if (cache != null) {
            cache.close();
        }
        client.close();
        server.after();
    }

    @Test
    void sidecarRoutesByTheStatusPoolsAndFollowsStatusUpdates() {
        client.resource(Fixtures.route("app", "ws", List.of(), "/ws", "chat", "80")).create();
        cache = new ClusterCache(client, Optional.of("app"));
        sync = ClusterSyncs.sidecar(cache, new ValidationCache(), holder, () -> TlsResolver.NONE, Duration.ofMillis(5));
        cache.listener(sync).start(ClusterCache.Scope.ROUTES_ONLY);
        sync.rebuildNow();
        assertThat(holder.current().routes()).as("no status yet: not trusted").isEmpty();

        writeStatusAsTheOperatorWould(List.of("10.0.0.1"));
        await().atMost(WAIT).until(() -> endpoints().equals(List.of("10.0.0.1:8080")));

        writeStatusAsTheOperatorWould(List.of("10.0.0.1", "10.0.0.2"));
        await().atMost(WAIT).until(() -> endpoints().equals(List.of("10.0.0.1:8080", "10.0.0.2:8080")));
    }

    @Test
    void whenTheApiServerGoesAwayTheLastTableStays() {
        client.resource(Fixtures.service("ns", "chat", 80, "ws")).create();
        client.resource(Fixtures.slice("ns", "chat", "chat", "ws", 8080, List.of("10.0.0.9"), List.of())).create();
        client.resource(Fixtures.route("ns", "ws", List.of(), "/ws", "chat", "80")).create();
        cache = new ClusterCache(client, Optional.empty());
        sync = ClusterSyncs.ingress(cache, holder, Duration.ofMillis(5));
        cache.listener(sync).start(ClusterCache.Scope.FULL);
        sync.rebuildNow();
        assertThat(cache.watching()).isTrue();
        long version = holder.current().version();

        server.after();

        await().atMost(WAIT).until(() -> !cache.watching());
        assertThat(holder.current().version()).isEqualTo(version);
        CompiledRoute r = holder.current().route(new RouteId("ns", "ws"));
        assertThat(r.rules().get(0).pool().endpoints()).extracting(Endpoint::key).containsExactly("10.0.0.9:8080");
        server.before(); // so that @AfterEach can stop it again
    }

    /** What the operator writes: the translated status of the route, with pools from a slice of these IPs. */
    private void writeStatusAsTheOperatorWould(List<String> ips) {
        MutableView operatorView = new MutableView()
                .put(Fixtures.service("app", "chat", 80, "ws"))
                .put(Fixtures.slice("app", "chat", "chat", "ws", 8080, ips, List.of()));
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace("app").withName("ws").get();
        operatorView.put(r);
        r.setStatus(StatusMerge.merge(r.getStatus(),
                new Translator().translate(operatorView).statuses().get(Translator.id(r)), Instant.now()));
        client.resource(r).updateStatus();
    }

    private List<String> endpoints() {
        CompiledRoute r = holder.current().route(new RouteId("app", "ws"));
        return r == null ? List.of() : r.rules().get(0).pool().endpoints().stream().map(Endpoint::key).sorted().toList();
    }
}
