package dev.wsroute.operator.cluster;

import jakarta.inject.Singleton;

import dev.wsroute.operator.translate.Translator;

/**
 * What the modes share once started: the cache, validation results, the reconciler's triggers and (with a data
 * plane) the table sync. Empty in standalone mode.
 */
@Singleton
public class ClusterState {
    private final ValidationCache validation = new ValidationCache();
    private volatile Translator translator = new Translator(validation);
    private final ClusterTriggers triggers = new ClusterTriggers();
    private volatile ClusterCache cache;
    private volatile TableSync tableSync;

    public ValidationCache validation() {
        return validation;
    }

    public Translator translator() {
        return translator;
    }

    public ClusterTriggers triggers() {
        return triggers;
    }

    /** The started cache, or null before startup (and always in standalone mode). */
    public ClusterCache cache() {
        return cache;
    }

    public TableSync tableSync() {
        return tableSync;
    }

    void started(ClusterCache cache, TableSync tableSync, dev.wsroute.tls.TlsResolver tls) {
        this.translator = new Translator(validation, tls);
        this.cache = cache;
        this.tableSync = tableSync;
        triggers.view(cache);
    }
}
