package dev.wsroute.proxy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

/**
 * Sockets that could not be made: one WARN line at the first, then at most one a minute with how many failed
 * since (a storm at the open-files limit fails thousands a second).
 */
final class NoSocketLog {
    private static final Logger LOG = Logger.getLogger(UpstreamDialer.class); // the dialer's category, as before
    private static final long EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private final LongSupplier nanos;
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong nextLine = new AtomicLong();
    private volatile boolean logged;

    NoSocketLog(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** Counts one; returns the line logged now, or null. */
    String failed(Throwable cause) {
        long n = failures.incrementAndGet();
        long now = nanos.getAsLong();
        long next = nextLine.get();
        if (logged && now - next < 0 || !nextLine.compareAndSet(next, now + EVERY_NANOS)) {
            return null;
        }
        logged = true;
        failures.addAndGet(-n);
        String line = "cannot open a connection to an upstream: " + cause.getMessage() + " (" + n
                + " upgrade(s)/request(s) answered 503 since the last such line); the open-files limit is reached:"
                + " raise it (ulimit -n) or lower wsroute.limits.max-connections";
        LOG.warn(line);
        return line;
    }
}
