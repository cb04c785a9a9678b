package dev.wsroute.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.wsroute.model.RouteId;
import dev.wsroute.operator.cluster.ClusterCache;
import dev.wsroute.operator.cluster.Fixtures;
import dev.wsroute.operator.cluster.MutableView;
import dev.wsroute.operator.cluster.ClusterSyncs;
import dev.wsroute.operator.cluster.ClusterSync;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RouteTableHolder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/**
 * EndpointSlice change → table published, through the real informers, against the CRUD mock API server holding
 * 1,000 routes and 10,000 endpoints. Not a test: run it with
 * {@code mvn -pl operator -am verify -Dbench=true -Dtest=PropagationBench -Dsurefire.failIfNoSpecifiedTests=false}
 * (optionally {@code -Dbench.holdOff=50ms -Dbench.changes=300}).
 */
@EnabledIfSystemProperty(named = "bench", matches = "true")
class PropagationBench {
    private static final int ROUTES = 1_000;
    private static final int ENDPOINTS_PER_SERVICE = 10;
    private static final int NAMESPACES = 10;

    @Test
    void endpointSliceChangeToPublishedTable() throws Exception {
        Duration holdOff = Duration.parse("PT" + System.getProperty("bench.holdOff", "50ms").replace("ms", "").trim() + "S")
                .dividedBy(1000);
        int changes = Integer.getInteger("bench.changes", 300);
        KubernetesServer server = new KubernetesServer(false, true, InetAddress.getLoopbackAddress(), 0, List.of());
        server.before();
        try (KubernetesClient client = server.getClient()) {
            Fixtures.registerCrd(client);
            long t = System.nanoTime();
            for (int i = 0; i < ROUTES; i++) {
                String ns = "ns" + (i % NAMESPACES);
                client.resource(Fixtures.service(ns, "svc" + i, 80, "ws")).create();
                client.resource(Fixtures.slice(ns, "svc" + i, "svc" + i, "ws", 8080, ips(i), List.of())).create();
                var r = Fixtures.route(ns, "r" + i, List.of("h" + i + ".example.com"), "/", "svc" + i, "80");
                client.resource(r).create();
            }
            System.out.printf("bench: created %d routes, %d services, %d endpoints in %d ms%n", ROUTES, ROUTES,
                    ROUTES * ENDPOINTS_PER_SERVICE, (System.nanoTime() - t) / 1_000_000);

            RouteTableHolder holder = new RouteTableHolder();
            AtomicReference<Probe> probe = new AtomicReference<>();
            holder.onSwap((old, now) -> {
                Probe p = probe.get();
                if (p != null && p.seenIn(now)) {
                    p.done.complete(System.nanoTime());
                }
            });
            t = System.nanoTime();
            ClusterCache cache = new ClusterCache(client, Optional.empty());
            ClusterSync sync = ClusterSyncs.ingress(cache, holder, holdOff);
            cache.listener(sync).start(ClusterCache.Scope.FULL);
            sync.rebuildNow();
            System.out.printf("bench: caches synced and first table (%d routes) built in %d ms%n",
                    holder.current().routes().size(), (System.nanoTime() - t) / 1_000_000);
            assertThat(holder.current().routes()).hasSize(ROUTES);

            List<Long> latencies = new ArrayList<>();
            List<Long> rebuilds = new ArrayList<>();
            for (int n = 1; n <= changes + 20; n++) {
                int i = ThreadLocalRandom.current().nextInt(ROUTES);
                String ns = "ns" + (i % NAMESPACES);
                int port = 10_000 + n; // a new target port: every endpoint of the slice changes key
                Probe p = new Probe(new RouteId(ns, "r" + i), ips(i).get(0) + ":" + port);
                probe.set(p);
                long start = System.nanoTime();
                client.resource(Fixtures.slice(ns, "svc" + i, "svc" + i, "ws", port, ips(i), List.of())).update();
                long end = p.done.get(10, TimeUnit.SECONDS);
                if (n > 20) { // warm-up first
                    latencies.add(end - start);
                    rebuilds.add(sync.lastPassNanos());
                }
            }
            System.out.printf("bench: %d EndpointSlice updates, hold-off %d ms: change -> table published p50 %.1f ms, "
                    + "p99 %.1f ms, max %.1f ms; table rebuild p50 %.2f ms, p99 %.2f ms%n", changes, holdOff.toMillis(),
                    ms(latencies, 50), ms(latencies, 99), ms(latencies, 100), ms(rebuilds, 50), ms(rebuilds, 99));
            sync.close();
            cache.close();
        } finally {
            server.after();
        }
    }

    /** The rebuild alone (one Service re-resolved, table re-assembled), with no API server in the way. */
    @Test
    void rebuildAfterOneSliceChange() {
        MutableView view = new MutableView();
        for (int i = 0; i < ROUTES; i++) {
            String ns = "ns" + (i % NAMESPACES);
            view.put(Fixtures.service(ns, "svc" + i, 80, "ws"))
                    .put(Fixtures.slice(ns, "svc" + i, "svc" + i, "ws", 8080, ips(i), List.of()))
                    .put(Fixtures.route(ns, "r" + i, List.of("h" + i + ".example.com"), "/", "svc" + i, "80"));
        }
        ClusterSync sync = ClusterSyncs.ingress(view, new RouteTableHolder(), Duration.ZERO);
        sync.rebuildNow();
        List<Long> rebuilds = new ArrayList<>();
        for (int n = 0; n < 500; n++) {
            int i = ThreadLocalRandom.current().nextInt(ROUTES);
            String ns = "ns" + (i % NAMESPACES);
            view.put(Fixtures.slice(ns, "svc" + i, "svc" + i, "ws", 20_000 + n, ips(i), List.of()));
            sync.serviceChanged(ns, "svc" + i);
            sync.rebuildNow();
            if (n >= 100) {
                rebuilds.add(sync.lastPassNanos());
            }
        }
        sync.close();
        System.out.printf("bench: rebuild of a %d-route, %d-endpoint table after one slice change: min %.2f ms, "
                + "p50 %.2f ms, p99 %.2f ms%n", ROUTES, ROUTES * ENDPOINTS_PER_SERVICE, ms(rebuilds, 0), ms(rebuilds, 50),
                ms(rebuilds, 99));
    }

    /** Ten endpoint IPs for service i. */
    private static List<String> ips(int i) {
        List<String> out = new ArrayList<>();
        for (int k = 0; k < ENDPOINTS_PER_SERVICE; k++) {
            out.add("172." + (16 + k) + "." + (i / 250) + "." + (i % 250));
        }
        return out;
    }

    private static double ms(List<Long> nanos, int percentile) {
        List<Long> sorted = nanos.stream().sorted().toList();
        int idx = Math.min(sorted.size() - 1, (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1);
        // percentile 0: the minimum
        return sorted.get(Math.max(0, idx)) / 1e6;
    }

    /** Waits for the first published table in which the route's pool holds the new endpoint. */
    private record Probe(RouteId route, String endpoint, CompletableFuture<Long> done) {
        Probe(RouteId route, String endpoint) {
            this(route, endpoint, new CompletableFuture<>());
        }

        boolean seenIn(RouteTable table) {
            CompiledRoute r = table.route(route);
            return r != null && r.rules().get(0).pool().endpoints().stream().map(Endpoint::key).anyMatch(endpoint::equals);
        }
    }
}
