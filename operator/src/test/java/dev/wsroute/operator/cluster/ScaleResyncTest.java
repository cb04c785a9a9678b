package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * Many routes, some sharing one large Service, through an operator restart and a watch that reconnects while
 * EndpointSlices change: the restarted operator (a fresh list of every route, every status compared) and the
 * relist after the outage each write only the statuses that changed, never every route's again.
 * ({@code -Dbench=true}: 1,000 routes, 20 of them sharing a Service of 2,000 pods.)
 */
class ScaleResyncTest {
    private static final boolean BIG = Boolean.getBoolean("bench");
    private static final int SMALL_ROUTES = BIG ? 980 : 190;
    private static final int SHARING = BIG ? 20 : 10;
    private static final int SHARED_PODS = BIG ? 2_000 : 1_000;

    @Test
    void aRestartAndAReconnectWriteOnlyTheStatusesThatChanged() throws Exception {
        try (SizeLimitedApiServer api = new SizeLimitedApiServer(SizeLimitedApiServer.ETCD_LIMIT);
                ApiServerLink link = new ApiServerLink(api.client().getMasterUrl().toString())) {
            KubernetesClient direct = api.client();
            long t = System.nanoTime();
            for (int i = 0; i < SMALL_ROUTES; i++) {
                String ns = "ns" + (i % 10);
                direct.resource(Fixtures.service(ns, "svc" + i, 80, "ws")).create();
                direct.resource(Fixtures.slice(ns, "svc" + i, "svc" + i, "ws", 8080, List.of("10.1." + (i / 250) + "."
                        + (i % 250), "10.2." + (i / 250) + "." + (i % 250)), List.of())).create();
                direct.resource(Fixtures.route(ns, "r" + i, List.of("h" + i + ".example.com"), "/", "svc" + i, "80")).create();
            }
            PodSlices shared = new PodSlices("shop", "big", "ws", 8080, SHARED_PODS);
            direct.resource(Fixtures.service("shop", "big", 80, "ws")).create();
            shared.all().forEach(s -> direct.resource(s).create());
            for (int k = 0; k < SHARING; k++) {
                direct.resource(Fixtures.route("shop", "s" + k, List.of("s" + k + ".example.com"), "/", "big", "ws")).create();
            }
            int routes = SMALL_ROUTES + SHARING;
            System.out.printf("scale: %d routes (%d sharing a %d-pod Service) created in %d ms%n", routes, SHARING,
                    SHARED_PODS, (System.nanoTime() - t) / 1_000_000);

            long heapBefore = usedHeap();
            Operator first = new Operator(direct);
            await().atMost(Duration.ofSeconds(120)).until(() -> first.plane.writer.writes() >= routes);
            long heapWithOperator = usedHeap();
            first.close(); // the operator restarts; meanwhile a pod of the shared Service and one small one go
            api.takeStatusWrites(null);
            direct.resource(shared.terminate(7)).update();
            direct.resource(Fixtures.slice("ns5", "svc5", "svc5", "ws", 8080, List.of("10.1.0.5"), List.of())).update();
            int changed = SHARING + 1;

            t = System.nanoTime();
            Operator second = new Operator(link.url());
            await().atMost(Duration.ofSeconds(120)).until(() -> second.plane.writer.writes() >= changed
                    && readyIn(direct, "shop", "s0") == SHARED_PODS - 1 && readyIn(direct, "ns5", "r5") == 1);
            long resync = System.nanoTime() - t;
            settle(second);
            long[] restart = api.takeStatusWrites(null);
            long look = second.plane.writer.lastLookNanos(); // every route compared, none written

            link.cut(); // the watches drop; while they are away the same two Services change again
            await().atMost(Duration.ofSeconds(30)).until(() -> !second.cache.watching());
            direct.resource(shared.remove(7)).update();
            direct.resource(shared.addNew(7)).update();
            direct.resource(Fixtures.slice("ns5", "svc5", "svc5", "ws", 8080, List.of(), List.of())).update();
            link.restore();
            await().atMost(Duration.ofSeconds(60)).until(() -> second.cache.current()
                    && second.plane.writer.writes() >= 2L * changed && readyIn(direct, "ns5", "r5") == 0
                    && listedIn(direct, "shop", "s0") == SHARED_PODS);
            settle(second);
            long[] relist = api.takeStatusWrites(null);
            System.out.printf("scale: restart with %d routes: resync %d ms, first pass %.1f ms, %d status writes "
                    + "(%.1f MB), a look comparing every route %.1f ms; reconnect: %d status writes (%.1f MB); heap with the "
                    + "operator +%d MB%n", routes, resync / 1_000_000, second.plane.sync.lastPassNanos() / 1e6, restart[0],
                    restart[1] / 1e6, look / 1e6,
                    relist[0], relist[1] / 1e6, (heapWithOperator - heapBefore) / 1_000_000);
            second.close();

            assertThat(restart[0]).as("after the restart, only the routes whose endpoints changed").isEqualTo(changed);
            assertThat(relist[0]).as("after the reconnect, only the routes whose endpoints changed").isEqualTo(changed);
        }
    }

    /** One more pass and look after everything was written: nothing else is written. */
    private static void settle(Operator o) {
        long looks = o.plane.writer.looks();
        o.plane.sync.rebuildNow();
        await().atMost(Duration.ofSeconds(30)).until(() -> o.plane.writer.looks() > looks);
    }

    private static final class Operator implements AutoCloseable {
        final KubernetesClient client;
        final boolean own;
        final ClusterCache cache;
        final ControlPlane plane;

        Operator(KubernetesClient client) {
            this(client, false);
        }

        Operator(String url) {
            this(new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(url).withConnectionTimeout(1000)
                    .withRequestTimeout(5000).withRequestRetryBackoffLimit(0).build()).build(), true);
        }

        private Operator(KubernetesClient client, boolean own) {
            this.client = client;
            this.own = own;
            this.cache = new ClusterCache(client, Optional.empty());
            this.plane = ControlPlane.start(client, cache, new Translator(new ValidationCache()), new RouteTableHolder(),
                    null, () -> TlsResolver.NONE, null, Duration.ofMillis(50));
        }

        @Override
        public void close() {
            plane.close();
            if (own) {
                client.close();
            }
        }
    }

    private static WebSocketRouteStatus status(KubernetesClient client, String ns, String name) {
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(ns).withName(name).get();
        return r == null ? null : r.getStatus();
    }

    private static int readyIn(KubernetesClient client, String ns, String name) {
        WebSocketRouteStatus s = status(client, ns, name);
        return s == null || s.endpoints == null ? 0 : s.endpoints;
    }

    private static int listedIn(KubernetesClient client, String ns, String name) {
        WebSocketRouteStatus s = status(client, ns, name);
        return s == null || s.pools.isEmpty() ? 0 : s.pools.get(0).backends.get(0).endpoints.size();
    }

    private static long usedHeap() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
