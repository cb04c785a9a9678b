package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import org.junit.jupiter.api.Test;

import dev.wsroute.api.PoolStatus;
import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Many routes to one Service, through the real informers against the CRUD mock API server: every EndpointSlice change
 * changes every route's status. However fast the slices change, this process sends at most
 * {@code wsroute.kubernetes.status-write-burst} status writes in any second plus
 * {@code status-writes-per-second} per second after that, whichever routes they are for; each route gets its turn
 * while the changes go on (the route written longest ago first), and every route ends with its latest status.
 */
class StatusWritesAcrossRoutesTest {
    private static final int ROUTES = 40;
    private static final int PODS = 300;
    /** Each change awaited in the table, so that it is a pass of its own; more than the writes below take. */
    private static final int MAX_CHANGES = 5_000;
    /** Status writes watched while the Service keeps changing: each route's turn comes within them (twice, if fair). */
    private static final int WATCHED = 2 * ROUTES;
    private static final StatusPace PACE = StatusPace.DEFAULT;

    @Test
    void statusWritesStayWithinTheCapEveryRouteGetsItsTurnAndEndsWithItsLatestStatus() {
        try (SizeLimitedApiServer api = new SizeLimitedApiServer(SizeLimitedApiServer.ETCD_LIMIT)) {
            KubernetesClient client = api.client();
            PodSlices pods = new PodSlices("shop", "feed", "ws", 8080, PODS);
            pods.createWithService(client);
            List<String> routes = new ArrayList<>();
            for (int i = 0; i < ROUTES; i++) {
                String name = String.format("feed-%02d", i);
                routes.add(name);
                client.resource(Fixtures.route("shop", name, List.of(name + ".example.com"), "/ws", "feed", "ws")).create();
            }
            ControlPlane plane = ControlPlane.start(client, new ClusterCache(client, Optional.empty()),
                    new Translator(new ValidationCache()), new RouteTableHolder(), null, () -> TlsResolver.NONE, null,
                    Duration.ofMillis(5));
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> routes.stream().allMatch(r -> shows(client, r, pods)));

                // the Service changes pod by pod, each change its own pass, every route's status with it
                int first = api.statusWriteLog().size();
                List<IntFunction<EndpointSlice>> steps = List.of(pods::terminate, pods::remove, pods::addNew, pods::ready);
                int changes = 0;
                while (changes < MAX_CHANGES && api.statusWriteLog().size() - first < WATCHED) {
                    long version = plane.sync.version();
                    client.resource(steps.get(changes % steps.size()).apply(changes / steps.size() % PODS)).update();
                    await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
                            .until(() -> plane.sync.version() > version);
                    changes++;
                }
                List<SizeLimitedApiServer.StatusWrite> churn = api.statusWriteLog();
                Set<String> turns = new TreeSet<>();
                churn.subList(first, Math.min(churn.size(), first + WATCHED)).forEach(w -> turns.add(w.route()));
                await().atMost(Duration.ofSeconds(60)).until(() -> routes.stream().allMatch(r -> shows(client, r, pods)));

                List<SizeLimitedApiServer.StatusWrite> log = api.statusWriteLog();
                int busiest = busiestSecond(log);
                System.out.printf("scale: %d routes on one %d-pod Service, %d slice changes: %d status writes, at most %d "
                        + "in one second (cap %s/s, burst %d)%n", ROUTES, PODS, changes, log.size(), busiest,
                        PACE.writesPerSecond(), PACE.burst());
                assertThat(turns).as("routes written in the first %d writes while the Service kept changing", WATCHED)
                        .containsExactlyInAnyOrderElementsOf(routes);
                // + 1: a write under way while the second started
                assertThat(busiest).as("status writes in any one second")
                        .isLessThanOrEqualTo((int) (PACE.burst() + PACE.writesPerSecond()) + 1);
            } finally {
                plane.close();
            }
        }
    }

    /** The most writes that came within one second of each other. */
    private static int busiestSecond(List<SizeLimitedApiServer.StatusWrite> log) {
        int most = 0;
        int start = 0;
        for (int end = 0; end < log.size(); end++) {
            while (log.get(end).nanos() - log.get(start).nanos() >= TimeUnit.SECONDS.toNanos(1)) {
                start++;
            }
            most = Math.max(most, end - start + 1);
        }
        return most;
    }

    /** The route's status lists every pod as the slices have them now. */
    private static boolean shows(KubernetesClient client, String route, PodSlices pods) {
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace("shop").withName(route).get();
        WebSocketRouteStatus s = r == null ? null : r.getStatus();
        if (s == null || s.pools.isEmpty()) {
            return false;
        }
        List<PoolStatus.EndpointStatus> listed = s.pools.get(0).backends.get(0).endpoints;
        List<String> ready = listed.stream().filter(e -> Boolean.TRUE.equals(e.ready)).map(e -> e.ip + ":" + e.port)
                .sorted().toList();
        return ready.equals(pods.readyKeys());
    }
}
