package dev.wsroute.operator.cluster;

import dev.wsroute.table.TlsResolver;

/**
 * The seam for TLS: builds the resolver a table is compiled with from the watched Secrets. The default knows no
 * TLS; a CDI bean of this type (from the TLS work) replaces it.
 */
@FunctionalInterface
public interface TlsResolverFactory {
    TlsResolver create(SecretLookup secrets);

    TlsResolverFactory NONE = secrets -> TlsResolver.NONE;
}
