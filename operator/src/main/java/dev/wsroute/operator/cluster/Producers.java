package dev.wsroute.operator.cluster;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.wsroute.config.WsRouteConfig;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.arc.DefaultBean;

/** Beans of the operator app: the TLS seam (yields to a real resolver's bean) and leader election. */
@Singleton
public class Producers {

    @Produces
    @Singleton
    @DefaultBean
    TlsResolverFactory tlsResolverFactory() {
        return TlsResolverFactory.NONE;
    }

    /** One replica writes status: the holder of this Lease (active in the prod profile). */
    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection(WsRouteConfig wsroute) {
        WsRouteConfig.Kubernetes config = wsroute.kubernetes();
        return config.leaseNamespace()
                .map(ns -> new LeaderElectionConfiguration(config.leaseName(), ns))
                .orElseGet(() -> new LeaderElectionConfiguration(config.leaseName()));
    }
}
