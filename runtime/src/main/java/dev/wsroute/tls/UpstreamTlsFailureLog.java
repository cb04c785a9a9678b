package dev.wsroute.tls;

import org.jboss.logging.Logger;

/**
 * An upstream TLS handshake failed (untrusted CA, a certificate not naming the SNI, expired, no common protocol): said
 * with the precise reason, once per rule, endpoint and reason, since a broken upstream fails every upgrade to it and
 * each of those is in the access log already. Keys come from the routes and their upstreams, not from clients; they are
 * remembered up to a bound all the same.
 */
public final class UpstreamTlsFailureLog {
    private static final Logger LOG = Logger.getLogger(UpstreamTlsFailureLog.class);
    static final int MAX_ENTRIES = 1024;
    private static final OncePerKey LOGGED = new OncePerKey(MAX_ENTRIES,
            () -> LOG.warnf("upstream TLS handshake failures: %d logged, further ones are not", MAX_ENTRIES));

    private UpstreamTlsFailureLog() {
    }

    /** Whether TLS failed (an SSLException in the cause chain; Netty wraps it in a DecoderException). */
    public static boolean isTlsFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return true;
            }
        }
        return false;
    }

    public static void failed(Object rule, Object endpoint, Throwable cause) {
        String reason = UpstreamHandlers.failureReason(cause);
        if (LOGGED.first(rule + " " + endpoint + " " + reason)) {
            LOG.warnf("upstream TLS handshake with %s for %s failed (502): %s (check upstreamTLS caSecretName and sni); "
                    + "logged once per endpoint and reason", endpoint, rule, reason);
        }
    }
}
