package dev.wsroute.operator.cluster;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.wsroute.table.RouteTableHolder;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.arc.DefaultBean;

/** Beans the operator app needs; each yields to one the runtime (or the TLS work) provides. */
@Singleton
public class Producers {

    /** The data plane's table holder; the runtime's own bean, once it has one, takes precedence. */
    @Produces
    @Singleton
    @DefaultBean
    RouteTableHolder routeTableHolder() {
        return new RouteTableHolder();
    }

    @Produces
    @Singleton
    @DefaultBean
    TlsResolverFactory tlsResolverFactory() {
        return TlsResolverFactory.NONE;
    }

    /** One replica writes status: the holder of this Lease (active in the prod profile). */
    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection(KubernetesConfig config) {
        return config.leaseNamespace()
                .map(ns -> new LeaderElectionConfiguration(config.leaseName(), ns))
                .orElseGet(() -> new LeaderElectionConfiguration(config.leaseName()));
    }
}
