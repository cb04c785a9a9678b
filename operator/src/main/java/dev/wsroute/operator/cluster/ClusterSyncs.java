package dev.wsroute.operator.cluster;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.wsroute.operator.translate.ClusterView;
import dev.wsroute.operator.translate.ServiceResolver;
import dev.wsroute.operator.translate.Translation;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;

/** The ways the cluster is kept in sync: translated (ingress, operator) or read back from status (sidecar). */
public final class ClusterSyncs {
    private ClusterSyncs() {
    }

    /** Ingress mode without TLS material or status writes (benchmarks, tests). */
    public static ClusterSync ingress(ClusterView view, RouteTableHolder holder, Duration holdOff) {
        return translated(view, new Translator(new ValidationCache()), holder, () -> TlsResolver.NONE, t -> {
        }, holdOff);
    }

    /**
     * @param holder where tables go; null in operator mode (no data plane)
     * @param statuses the status writer
     */
    static ClusterSync translated(ClusterView view, Translator translator, RouteTableHolder holder,
            Supplier<TlsResolver> tls, Consumer<Translation> statuses, Duration holdOff) {
        return new ClusterSync(resolver -> translator.translate(view, resolver),
                new CachingResolver(new ServiceResolver(view)), holder, tls, statuses, holdOff, false);
    }

    static ClusterSync sidecar(ClusterView view, ValidationCache validation, RouteTableHolder holder,
            Supplier<TlsResolver> tls, Duration holdOff) {
        return new ClusterSync(new SidecarPlanner(view, validation), new CachingResolver(new ServiceResolver(view)),
                holder, tls, t -> {
                }, holdOff, true);
    }
}
