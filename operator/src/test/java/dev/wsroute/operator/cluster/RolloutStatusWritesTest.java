package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import org.junit.jupiter.api.Test;

import dev.wsroute.api.PoolStatus;
import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A rolling deploy of a large backend, through the real informers against the CRUD mock API server: a Service of
 * 1,000 pods in EndpointSlices of 100, replaced pod by pod (ready → terminating → gone, new pod not ready → ready),
 * each change waited for in the data plane's table before the next. The table follows every change; the route's
 * status, about 100 KB with every endpoint in {@code status.pools}, is written at a bounded rate and ends with the
 * final state. (More pods: {@code -Dscale.pods=2000 -Dscale.replaced=200}.)
 */
class RolloutStatusWritesTest {
    private static final int PODS = Integer.getInteger("scale.pods", 1_000);
    private static final int REPLACED = Integer.getInteger("scale.replaced", 50);
    /** Short, so that each change is its own pass (the table follows every one) and the test stays quick. */
    private static final Duration HOLD_OFF = Duration.ofMillis(5);
    /** wsroute.kubernetes.status-interval's default: at most one status write per route per interval. */
    private static final Duration STATUS_INTERVAL = Duration.ofSeconds(1);
    private static final RouteId ROUTE = new RouteId("shop", "cart");

    @Test
    void aRollingDeployIsWrittenToStatusAtABoundedRateWhileTheTableFollowsEveryChange() {
        try (SizeLimitedApiServer api = new SizeLimitedApiServer(SizeLimitedApiServer.ETCD_LIMIT)) {
            KubernetesClient client = api.client();
            PodSlices pods = new PodSlices("shop", "cart", "ws", 8080, PODS);
            pods.createWithService(client);
            client.resource(Fixtures.route("shop", "cart", List.of("cart.example.com"), "/ws", "cart", "ws")).create();
            RouteTableHolder holder = new RouteTableHolder();
            AtomicLong swaps = new AtomicLong();
            holder.onSwap((old, now) -> swaps.incrementAndGet());
            ControlPlane plane = ControlPlane.start(client, new ClusterCache(client, Optional.empty()),
                    new Translator(new ValidationCache()), holder, null, () -> TlsResolver.NONE, null, HOLD_OFF);
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> statusShows(client, pods));
                api.takeStatusWrites(ROUTE.name());
                long swapsBefore = swaps.get();
                long start = System.nanoTime();
                List<Long> tableLags = new ArrayList<>();
                List<Long> passes = new ArrayList<>();
                List<Long> looks = new ArrayList<>();
                List<IntFunction<EndpointSlice>> steps = List.of(pods::terminate, pods::remove, pods::addNew, pods::ready);
                for (int k = 0; k < REPLACED; k++) {
                    int slot = k * (PODS / REPLACED); // spread over every slice
                    for (IntFunction<EndpointSlice> step : steps) {
                        long version = plane.sync.version();
                        long t = System.nanoTime();
                        client.resource(step.apply(slot)).update();
                        List<String> expected = pods.readyKeys();
                        await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
                                .until(() -> plane.sync.version() > version && tableReady(holder).equals(expected));
                        tableLags.add(System.nanoTime() - t);
                        passes.add(plane.sync.lastPassNanos());
                        looks.add(plane.writer.lastLookNanos());
                    }
                }
                long lastChange = System.nanoTime();
                await().atMost(Duration.ofSeconds(60)).until(() -> statusShows(client, pods));
                long statusLag = System.nanoTime() - lastChange;
                double seconds = (System.nanoTime() - start) / 1e9;
                long[] writes = api.takeStatusWrites(ROUTE.name());
                int changes = tableLags.size();
                System.out.printf("scale: rollout of %d of %d pods (%d slice changes) in %.1f s: %d table swaps; "
                        + "change -> table p50 %.1f ms, max %.1f ms; pass p50 %.2f ms, max %.2f ms; status look p50 %.2f ms, "
                        + "max %.2f ms; %d status writes, "
                        + "%.1f MB (%.0f KB each); last change -> status %.0f ms; refused %d%n", REPLACED, PODS, changes,
                        seconds, swaps.get() - swapsBefore, ms(tableLags, 50), ms(tableLags, 100), ms(passes, 50),
                        ms(passes, 100), ms(looks, 50), ms(looks, 100), writes[0], writes[1] / 1e6,
                        writes[0] == 0 ? 0 : writes[1] / 1e3 / writes[0], statusLag / 1e6, api.refused());

                assertThat(swaps.get() - swapsBefore).as("the table follows every change").isGreaterThanOrEqualTo(changes);
                assertThat(writes[0]).as("status writes: the latest state at most once per %s, not one per change (%d)",
                        STATUS_INTERVAL, changes).isLessThanOrEqualTo((long) (seconds / STATUS_INTERVAL.toSeconds()) + 2);
                assertThat(api.refused()).isZero();
            } finally {
                plane.close();
            }
        }
    }

    /** The route's status lists every pod as the slices have them now. */
    private static boolean statusShows(KubernetesClient client, PodSlices pods) {
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(ROUTE.namespace()).withName(ROUTE.name()).get();
        WebSocketRouteStatus s = r == null ? null : r.getStatus();
        if (s == null || s.pools.isEmpty()) {
            return false;
        }
        List<PoolStatus.EndpointStatus> listed = s.pools.get(0).backends.get(0).endpoints;
        List<String> ready = listed.stream().filter(e -> Boolean.TRUE.equals(e.ready)).map(e -> e.ip + ":" + e.port)
                .sorted().toList();
        return listed.size() == pods.pods() && ready.equals(pods.readyKeys());
    }

    private static List<String> tableReady(RouteTableHolder holder) {
        CompiledRoute r = holder.current().route(ROUTE);
        return r == null ? List.of()
                : r.rules().get(0).pool().endpoints().stream().map(Endpoint::key).sorted().toList();
    }

    private static double ms(List<Long> nanos, int percentile) {
        List<Long> sorted = nanos.stream().sorted().toList();
        int idx = Math.min(sorted.size() - 1, (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1);
        return sorted.get(Math.max(0, idx)) / 1e6;
    }
}
