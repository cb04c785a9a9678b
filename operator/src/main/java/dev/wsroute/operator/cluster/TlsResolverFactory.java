package dev.wsroute.operator.cluster;

import dev.wsroute.tls.TlsResolver;
import dev.wsroute.tls.SecretSource;

/**
 * The seam for TLS: builds, once per process, the resolver tables are compiled with, over the watched Secrets
 * (a live view: the resolver reads them afresh at each table build and caches contexts by content).
 */
@FunctionalInterface
public interface TlsResolverFactory {
    TlsResolver create(SecretSource secrets);

    TlsResolverFactory NONE = secrets -> TlsResolver.NONE;
}
