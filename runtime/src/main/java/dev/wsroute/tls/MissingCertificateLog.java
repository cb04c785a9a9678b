package dev.wsroute.tls;

import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

import dev.wsroute.log.LogThrottle;

/**
 * A TLS handshake failed because no certificate (and no default one) could be offered: one WARN line saying what to
 * configure, then at most one a minute with how many handshakes were refused since. Any client picks the SNI, so a
 * scanner sending a new name per handshake must not get a line per handshake (once per name, 1,024 names wrote 1,024
 * lines in a second, and after them no name was ever logged again). Each line names the handshake that made it.
 */
final class MissingCertificateLog {
    private static final Logger LOG = Logger.getLogger(MissingCertificateLog.class);
    /** The process's: the SniMapping of every connection reports here. */
    static final MissingCertificateLog SHARED = new MissingCertificateLog(System::nanoTime);
    private final LogThrottle throttle;

    MissingCertificateLog(LongSupplier nanos) {
        this.throttle = new LogThrottle(nanos);
    }

    void refused(String why) {
        long n = throttle.count();
        if (n > 0) {
            LOG.warnf("TLS handshake refused: %s (give a route for it a tls.secretName, or set wsroute.tls.default-secret); "
                    + "%d handshake(s) refused for want of a certificate since the last such line (at most one a minute)", why, n);
        }
    }
}
