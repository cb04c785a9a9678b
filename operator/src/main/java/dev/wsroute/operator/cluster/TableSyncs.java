package dev.wsroute.operator.cluster;

import java.time.Duration;
import java.util.function.Supplier;

import dev.wsroute.operator.translate.ClusterView;
import dev.wsroute.operator.translate.ServiceResolver;
import dev.wsroute.operator.translate.Translation;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;

/** The two ways a table is kept in sync: translated from the cluster (ingress) or read from status (sidecar). */
public final class TableSyncs {
    private TableSyncs() {
    }

    /** Ingress mode without TLS material (benchmarks, tests). */
    public static TableSync ingress(ClusterView view, RouteTableHolder holder, Duration holdOff) {
        return ingress(view, new Translator(new ValidationCache()), holder, () -> TlsResolver.NONE, holdOff);
    }

    static TableSync ingress(ClusterView view, Translator translator, RouteTableHolder holder, Supplier<TlsResolver> tls,
            Duration holdOff) {
        return new TableSync(resolver -> {
            Translation t = translator.routesOnly(view, resolver);
            return new TablePlan(t.routes(), t.endpoints());
        }, new CachingResolver(new ServiceResolver(view)), holder, tls, holdOff, false);
    }

    static TableSync sidecar(ClusterView view, ValidationCache validation, RouteTableHolder holder,
            Supplier<TlsResolver> tls, Duration holdOff) {
        return new TableSync(new SidecarPlanner(view, validation), new CachingResolver(new ServiceResolver(view)), holder,
                tls, holdOff, true);
    }
}
