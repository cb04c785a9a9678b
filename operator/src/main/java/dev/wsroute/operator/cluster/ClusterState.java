package dev.wsroute.operator.cluster;

import jakarta.inject.Singleton;

/**
 * What the modes share once started: validation results, the cache, the cluster sync and (where status is
 * written with leader election) the Lease. Empty in standalone mode.
 */
@Singleton
public class ClusterState {
    private final ValidationCache validation = new ValidationCache();
    private volatile ClusterCache cache;
    private volatile ClusterSync sync;
    private volatile StatusLease lease;

    public ValidationCache validation() {
        return validation;
    }

    /** The started cache, or null before startup (and always in standalone mode). */
    public ClusterCache cache() {
        return cache;
    }

    public ClusterSync sync() {
        return sync;
    }

    /** The status Lease this replica runs for; null without leader election (and in sidecar mode). */
    StatusLease lease() {
        return lease;
    }

    void started(ClusterCache cache, ClusterSync sync, StatusLease lease) {
        this.cache = cache;
        this.sync = sync;
        this.lease = lease;
    }
}
