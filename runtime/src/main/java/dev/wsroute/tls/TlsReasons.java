package dev.wsroute.tls;

/** The condition reasons TLS problems of a route are reported with. */
public final class TlsReasons {
    /** The Secret (or PEM file) a route names is missing, or lacks tls.crt / tls.key. */
    public static final String SECRET_NOT_FOUND = "SecretNotFound";
    /** The certificate or key is unusable: bad PEM, key not matching the certificate, expired, not yet valid. */
    public static final String INVALID_CERTIFICATE = "InvalidCertificate";
    /** A rule's upstreamTLS can't be set up: CA Secret or file missing, no ca.crt, bad PEM. */
    public static final String INVALID_UPSTREAM_TLS = "InvalidUpstreamTLS";

    private TlsReasons() {
    }
}
