package dev.wsroute.proxy;

import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

import dev.wsroute.log.LogThrottle;

/**
 * Sockets that could not be made: one WARN line at the first, then at most one a minute with how many failed
 * since (a storm at the open-files limit fails thousands a second).
 */
final class NoSocketLog {
    private static final Logger LOG = Logger.getLogger(UpstreamDialer.class); // the dialer's category, as before
    private final LogThrottle throttle;

    NoSocketLog(LongSupplier nanos) {
        this.throttle = new LogThrottle(nanos);
    }

    /** Counts one; returns the line logged now, or null. */
    String failed(Throwable cause) {
        long n = throttle.count();
        if (n == 0) {
            return null;
        }
        String line = "cannot open a connection to an upstream: " + cause.getMessage() + " (" + n
                + " upgrade(s)/request(s) answered 503 since the last such line); the open-files limit is reached:"
                + " raise it (ulimit -n) or lower wsroute.limits.max-connections";
        LOG.warn(line);
        return line;
    }
}
