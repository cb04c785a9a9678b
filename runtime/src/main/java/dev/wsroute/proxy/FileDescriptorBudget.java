package dev.wsroute.proxy;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

import org.jboss.logging.Logger;

/**
 * How many client connections fit in the process's open-files limit, as HAProxy sizes its maxconn from
 * {@code ulimit -n}: a proxied WebSocket holds two descriptors (client and upstream), and the process needs some
 * for itself (what is open at start, plus {@link #SPARE}, plus one per idle upstream connection the pool may keep:
 * {@code wsroute.upstream.max-idle}). A configured {@code wsroute.limits.max-connections}
 * that does not fit is lowered to what does, with one warning: otherwise accepts and upstream connects fail with
 * EMFILE, and so does anything else that needs a file, a class loaded from a jar included (the Quarkus runner's class
 * loader then waits for good, on an I/O thread).
 */
final class FileDescriptorBudget {
    private static final Logger LOG = Logger.getLogger(FileDescriptorBudget.class);
    /** Descriptors kept free beyond those open at start and the idle upstream connections: health probes, jars, the routes file. */
    static final long SPARE = 256;

    private FileDescriptorBudget() {
    }

    /**
     * The client connections allowed: {@code configured} if they fit, else as many as fit (at least 1).
     *
     * @param openFilesLimit the process's open-files limit, 0 or less if unknown (then {@code configured})
     * @param openNow descriptors open now
     * @param kept descriptors kept free beyond those ({@link #kept})
     */
    static int effectiveMaxConnections(long openFilesLimit, long openNow, long kept, int configured) {
        if (openFilesLimit <= 0) {
            return configured;
        }
        long fits = (openFilesLimit - openNow - kept) / 2;
        return (int) Math.max(1, Math.min(configured, fits));
    }

    /** Descriptors kept free beyond those open at start, for a pool of {@code maxIdle} idle upstream connections. */
    static long kept(int maxIdle) {
        return SPARE + maxIdle;
    }

    /** {@link #effectiveMaxConnections} for this process; one WARN line when the configured value does not fit. */
    static ConnectionLimit forThisProcess(int configured, int maxIdle) {
        long limit = -1;
        long open = 0;
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            limit = unix.getMaxFileDescriptorCount();
            open = unix.getOpenFileDescriptorCount();
        }
        long kept = kept(maxIdle);
        ConnectionLimit in = new ConnectionLimit(effectiveMaxConnections(limit, open, kept, configured), configured, limit, open, kept);
        if (in.reason() != null) {
            LOG.warnf("%s, or set max-connections to %d: at most %d client connections are taken", in.reason(), in.effective(),
                    in.effective());
        }
        return in;
    }
}
