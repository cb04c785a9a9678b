package dev.wsroute.operator.cluster;

import java.time.Duration;
import java.util.function.Supplier;

import dev.wsroute.lifecycle.HealthRegistry;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * What ingress and operator modes run against the cluster, wired once: informers, one translation pass per batch
 * of changes (table and statuses), the status writer, and the Lease that decides whether this replica writes.
 * The writer writes only while this replica holds the Lease and its view is current (not in, nor just after, an
 * API-server outage before everything was listed again).
 */
final class ControlPlane implements AutoCloseable {

    /** The Lease to run for: where it lives, who this replica is, and how fast it moves. */
    record Election(String namespace, String name, String identity, StatusLease.Timing timing) {
    }

    final ClusterCache cache;
    final StatusLease lease; // null: no election, this replica always writes
    final StatusWriter writer;
    final ClusterSync sync;

    /**
     * @param cache not started yet; started here, with the sync listening
     * @param holder where tables go; null without a data plane (operator mode)
     * @param health the data plane's endpoint health, shown in status; null without a data plane
     * @param election null where one replica runs alone (tests)
     */
    private ControlPlane(KubernetesClient client, ClusterCache cache, Translator translator, RouteTableHolder holder,
            HealthRegistry health, Supplier<TlsResolver> tls, Election election, Duration holdOff, StatusPace pace) {
        this.cache = cache;
        this.lease = election == null ? null : new StatusLease(client, election.namespace(), election.name(),
                election.identity(), election.timing(), this::leaseWon);
        this.writer = new StatusWriter(client, cache, () -> (lease == null || lease.holding()) && cache.current(), health,
                pace);
        this.sync = ClusterSyncs.translated(cache, translator, holder, tls, writer, holdOff);
    }

    /** With the default status pace (tests). */
    static ControlPlane start(KubernetesClient client, ClusterCache cache, Translator translator, RouteTableHolder holder,
            HealthRegistry health, Supplier<TlsResolver> tls, Election election, Duration holdOff) {
        return start(client, cache, translator, holder, health, tls, election, holdOff, StatusPace.DEFAULT);
    }

    /** @param pace the least time between two status writes of one route, and the cap on status writes across routes */
    static ControlPlane start(KubernetesClient client, ClusterCache cache, Translator translator, RouteTableHolder holder,
            HealthRegistry health, Supplier<TlsResolver> tls, Election election, Duration holdOff, StatusPace pace) {
        ControlPlane p = new ControlPlane(client, cache, translator, holder, health, tls, election, holdOff, pace);
        try {
            cache.listener(p.sync).onRelist(p.sync::everythingChanged).start(ClusterCache.Scope.FULL);
        } catch (RuntimeException e) {
            p.close(); // not listed (the API server away, the list refused): nothing left running, tried again later
            throw e;
        }
        p.sync.rebuildNow();
        if (p.lease != null) {
            p.lease.start();
        }
        return p;
    }

    private void leaseWon() {
        writer.leaseWon();
    }

    /** The Lease first (released, so another replica takes over at once), then the rest. */
    @Override
    public void close() {
        if (lease != null) {
            lease.close();
        }
        writer.close();
        sync.close();
        cache.close();
    }
}
