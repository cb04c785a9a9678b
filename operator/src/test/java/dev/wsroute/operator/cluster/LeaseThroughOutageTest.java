package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/**
 * Two replicas (informers, cluster sync, status writer and Lease each, as ModeStarter wires them) against the CRUD
 * mock API server, which a relay takes away and brings back. Exactly one writes status before the outage; nobody
 * holds the Lease during it; after it, exactly one writes again, every replica's informers have listed again (a
 * route deleted during the outage leaves both tables), and a replica that lost the Lease in the outage takes it
 * when the holder shuts down.
 */
class LeaseThroughOutageTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NS = "app";
    /**
     * Short, to keep the outage short, but with room: the holder has 4 s (many tries) to renew, so one slow request on a
     * loaded machine does not hand the Lease over before the outage, and a Lease expires 2 s after its renew deadline.
     */
    private static final StatusLease.Timing FAST = new StatusLease.Timing(Duration.ofSeconds(6), Duration.ofSeconds(4),
            Duration.ofMillis(300));

    private final KubernetesServer server = new KubernetesServer(false, true, InetAddress.getLoopbackAddress(), 0, List.of());
    private final AtomicInteger bothHolding = new AtomicInteger();
    private final AtomicReference<Boolean> sampling = new AtomicReference<>(true);
    private KubernetesClient direct;
    private ApiServerLink link;
    private Replica a;
    private Replica b;

    /** One replica, wired as ModeStarter wires ingress mode, known to the API server by its User-Agent. */
    private static final class Replica implements AutoCloseable {
        final String id;
        final KubernetesClient client;
        final RouteTableHolder holder = new RouteTableHolder();
        final ControlPlane plane;
        final StatusLease lease;

        Replica(String id, String url) {
            this.id = id;
            client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(url).withUserAgent(id)
                    .withNamespace("wsroute-system").withConnectionTimeout(1000).withRequestTimeout(2000)
                    .withRequestRetryBackoffLimit(0).build()).build();
            plane = ControlPlane.start(client, new ClusterCache(client, Optional.empty()),
                    new Translator(new ValidationCache()), holder, null, () -> TlsResolver.NONE,
                    new ControlPlane.Election("wsroute-system", "wsroute-operator", id, FAST), Duration.ofMillis(10));
            lease = plane.lease;
        }

        List<String> endpoints(String route) {
            CompiledRoute r = holder.current().route(new RouteId(NS, route));
            return r == null ? null : r.rules().get(0).pool().endpoints().stream().map(Endpoint::key).sorted().toList();
        }

        @Override
        public void close() {
            plane.close();
            client.close();
        }
    }

    @BeforeEach
    void start() throws Exception {
        server.before();
        direct = server.getClient();
        Fixtures.registerCrd(direct);
        link = new ApiServerLink(direct.getMasterUrl().toString());
        direct.resource(Fixtures.service(NS, "chat", 80, "ws")).create();
        direct.resource(Fixtures.slice(NS, "chat", "chat", "ws", 8080, List.of("10.0.0.1"), List.of())).create();
        direct.resource(Fixtures.route(NS, "chat", List.of("chat.example.com"), "/", "chat", "80")).create();
        direct.resource(Fixtures.route(NS, "gone", List.of("gone.example.com"), "/", "chat", "80")).create();
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                if (a != null && b != null && a.lease.holding() && b.lease.holding()) {
                    bothHolding.incrementAndGet();
                }
                LockSupport.parkNanos(1_000_000);
            }
        }, "lease-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    @AfterEach
    void stop() throws Exception {
        sampling.set(false);
        for (Replica r : new Replica[] { a, b }) {
            if (r != null) {
                r.close();
            }
        }
        link.close();
        server.after();
    }

    @Test
    void exactlyOneReplicaWritesStatusBeforeDuringAndAfterAnOutage() throws Exception {
        a = new Replica("replica-a", link.url());
        b = new Replica("replica-b", link.url());

        // before: one holder, and only it writes
        await().atMost(WAIT).until(() -> endpointsInStatus("chat") == 1 && endpointsInStatus("gone") == 1);
        Replica first = holder();
        assertThat(writersSinceLastLook()).as("status writers before the outage").containsOnly(first.id);

        // during: the API server is away; its objects change behind the replicas' backs
        link.cut();
        await().atMost(WAIT).until(() -> !a.lease.holding() && !b.lease.holding());
        direct.resources(WebSocketRoute.class).inNamespace(NS).withName("gone").delete();
        direct.resource(Fixtures.slice(NS, "chat", "chat", "ws", 8080, List.of("10.0.0.1", "10.0.0.2"), List.of()))
                .update();
        assertThat(a.endpoints("gone")).as("the last table stays in force").isNotNull();
        assertThat(b.endpoints("gone")).isNotNull();

        // after: both listed again (the deletion arrives), one holder writes the new status
        link.restore();
        await().atMost(WAIT).until(() -> a.endpoints("gone") == null && b.endpoints("gone") == null);
        assertThat(a.endpoints("chat")).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
        assertThat(b.endpoints("chat")).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
        await().atMost(WAIT).until(() -> endpointsInStatus("chat") == 2);
        Replica second = holder();
        assertThat(writersSinceLastLook()).as("status writers after the outage").containsOnly(second.id);

        // the holder shuts down (releasing the Lease): the other one, which lost the Lease in the outage too, takes over
        Replica other = second == a ? b : a;
        second.close();
        if (second == a) {
            a = null;
        } else {
            b = null;
        }
        await().atMost(WAIT).until(other.lease::holding);
        direct.resource(Fixtures.slice(NS, "chat", "chat", "ws", 8080, List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"),
                List.of())).update();
        await().atMost(WAIT).until(() -> endpointsInStatus("chat") == 3);
        assertThat(writersSinceLastLook()).as("status writers after the hand-over").containsOnly(other.id);
        assertThat(bothHolding.get()).as("moments both replicas held the Lease").isZero();
    }

    private Replica holder() {
        await().atMost(WAIT).until(() -> a.lease.holding() ^ b.lease.holding());
        return a.lease.holding() ? a : b;
    }

    private int endpointsInStatus(String route) {
        WebSocketRoute r = direct.resources(WebSocketRoute.class).inNamespace(NS).withName(route).get();
        WebSocketRouteStatus s = r == null ? null : r.getStatus();
        return s == null || s.endpoints == null ? -1 : s.endpoints;
    }

    /** Who wrote a status since the last look, as the API server saw the requests. */
    private List<String> writersSinceLastLook() throws InterruptedException {
        List<String> writers = new ArrayList<>();
        for (RecordedRequest r; (r = server.getKubernetesMockServer().takeRequest(1, TimeUnit.MILLISECONDS)) != null;) {
            boolean write = "PUT".equals(r.getMethod()) || "PATCH".equals(r.getMethod());
            if (write && r.getPath().contains("/websocketroutes/") && r.getPath().split("\\?")[0].endsWith("/status")) {
                writers.add(r.getHeader("User-Agent"));
            }
        }
        assertThat(writers).as("some status was written").isNotEmpty();
        return writers;
    }
}
