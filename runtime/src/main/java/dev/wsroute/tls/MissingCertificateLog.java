package dev.wsroute.tls;

import org.jboss.logging.Logger;

/**
 * A TLS handshake failed because no certificate (and no default one) could be offered: said once per SNI name, so an
 * operator sees why wss:// clients are dropped without a line per handshake. Names are remembered up to a bound (a
 * scanner can send any SNI); past it, one more line says that further names are not logged.
 */
final class MissingCertificateLog {
    private static final Logger LOG = Logger.getLogger(MissingCertificateLog.class);
    static final int MAX_NAMES = 1024;
    private static final String NO_SNI = "";
    private static final OncePerKey LOGGED = new OncePerKey(MAX_NAMES,
            () -> LOG.warnf("TLS handshakes without a certificate: %d names logged, further names are not", MAX_NAMES));

    private MissingCertificateLog() {
    }

    static void once(String sni, String why) {
        String name = sni == null ? NO_SNI : sni;
        if (LOGGED.first(name)) {
            LOG.warnf("TLS handshake refused: %s (give a route for it a tls.secretName, or set wsroute.tls.default-secret); "
                    + "logged once per name", why);
        }
    }
}
