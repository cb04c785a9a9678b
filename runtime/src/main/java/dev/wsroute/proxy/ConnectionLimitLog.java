package dev.wsroute.proxy;

import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

import dev.wsroute.log.LogThrottle;

/**
 * Connections closed at accept because {@code wsroute.limits.max-connections} were open: each is counted in
 * {@code wsroute_client_connections_refused_total}; one WARN line says so at the first, then at most one a minute with
 * how many since (a flood of connections at the limit is thousands a second). Without them the only sign was a gauge
 * sitting at its limit while clients saw connections closed without an answer.
 */
final class ConnectionLimitLog {
    private static final Logger LOG = Logger.getLogger(ClientInitializer.class);
    private final LogThrottle throttle;

    ConnectionLimitLog(LongSupplier nanos) {
        this.throttle = new LogThrottle(nanos);
    }

    void refused(int limit) {
        long n = throttle.count();
        if (n > 0) {
            LOG.warnf("client connection(s) closed at accept: wsroute.limits.max-connections (%d) are open; %d closed since the"
                    + " last such line (at most one a minute; wsroute_client_connections_refused_total counts them all)", limit, n);
        }
    }
}
