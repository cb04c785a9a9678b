package dev.wsroute.operator.cluster;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.operator.config.WsRouteAppConfig;
import dev.wsroute.tls.TlsMaterialResolver;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkus.arc.DefaultBean;

/** Beans of the operator app: the TLS seam (a bean of the same type replaces it) and leader election. */
@Singleton
public class Producers {

    /** Certificates and upstream CAs from the watched Secrets; wsroute.tls.default-secret for unknown SNI. */
    @Produces
    @Singleton
    @DefaultBean
    TlsResolverFactory tlsResolverFactory(WsRouteConfig config) {
        return secrets -> new TlsMaterialResolver(secrets, config.tls().defaultSecret(), null);
    }

    /**
     * One replica writes status: the holder of this Lease (active in the prod profile). An ingress replica carries
     * traffic, so losing the Lease (the API server away, say) must not exit the process as the SDK does by default.
     */
    @Produces
    @Singleton
    LeaderElectionConfiguration leaderElection(WsRouteAppConfig wsroute) {
        WsRouteAppConfig.Kubernetes k = wsroute.kubernetes();
        return new LeaderElectionConfiguration(k.leaseName(), k.leaseNamespace().orElse(null),
                LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE, LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE, null, null, wsroute.mode() != WsRouteAppConfig.Mode.ingress);
    }
}
