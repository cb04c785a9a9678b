package dev.wsroute.operator.cluster;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.tls.TlsMaterialResolver;
import io.quarkus.arc.DefaultBean;

/** Beans of the operator app: the TLS seam (a bean of the same type replaces it). */
@Singleton
public class Producers {

    /** Certificates and upstream CAs from the watched Secrets; wsroute.tls.default-secret for unknown SNI. */
    @Produces
    @Singleton
    @DefaultBean
    TlsResolverFactory tlsResolverFactory(WsRouteConfig config) {
        return secrets -> new TlsMaterialResolver(secrets, config.tls().defaultSecret(), null);
    }
}
