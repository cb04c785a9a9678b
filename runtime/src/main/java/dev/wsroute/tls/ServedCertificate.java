package dev.wsroute.tls;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

import dev.wsroute.model.RouteId;

/**
 * A server certificate a table was built with: whose it is, where it came from and when its leaf is valid. No key
 * material, so it may go to metrics and the status page.
 *
 * @param route the route whose {@code spec.tls} names it; null for {@code wsroute.tls.default-secret}
 * @param source "namespace/name" of the Secret, or the route's {@code certFile} as written
 * @param served whether the table serves it (false: it is outside its validity period, and the route gets the default)
 */
public record ServedCertificate(RouteId route, String source, Instant notBefore, Instant notAfter, boolean served) {
    public ServedCertificate {
        requireNonNull(source, "source");
        requireNonNull(notBefore, "notBefore");
        requireNonNull(notAfter, "notAfter");
    }
}
