package dev.wsroute.proxy;

import org.jboss.logging.Logger;

import dev.wsroute.log.LogThrottle;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.unix.Errors;

/**
 * Accepts that failed on a listener: no descriptor for the client connection (EMFILE, ENFILE: the open-files limit is
 * reached by something besides client connections, which max-connections keeps below it). Netty's acceptor, before
 * this handler, stops that listener's accepts for a second and then tries again; the clients wait in the listen
 * backlog meanwhile and are served once descriptors are free. Each failure is counted in
 * {@code wsroute_client_accept_failures_total}; one WARN line says so at the first, then at most one a minute with how
 * many since. Without this handler each failure reached the end of the listener's pipeline, where Netty logs a WARN
 * with a stack trace: one a second per listener for as long as the descriptors stayed taken, and nothing counted.
 * <p>
 * Only a shortage counts (EMFILE, ENFILE, and ENOBUFS/ENOMEM, the kernel out of memory for a socket), and the WARN
 * line names the one it was: the open-files limit, or the kernel's memory for sockets (where ulimit -n would not
 * help). Any other exception on a listener was counted and logged as "the open-files limit is reached" too, pointing
 * an operator at ulimit for a bug. It gets its own WARN line with its stack trace (at most one a minute) and is not
 * counted.
 */
@ChannelHandler.Sharable
final class AcceptFailures extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(AcceptFailures.class);
    private final Runnable count;
    /** By shortage ({@link #DESCRIPTORS}, {@link #SOCKET_MEMORY}): each gets its first line at once, whatever the other did. */
    private final LogThrottle[] throttles = {new LogThrottle(System::nanoTime), new LogThrottle(System::nanoTime)};
    private final LogThrottle otherThrottle = new LogThrottle(System::nanoTime);

    /** @param count counts one failure (the metric) */
    AcceptFailures(Runnable count) {
        this.count = count;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        int shortage = shortage(cause);
        if (shortage == NONE) {
            long n = otherThrottle.count();
            if (n > 0) {
                LOG.warnf(cause, "unexpected failure on the listener %s (%d since the last such line; not counted as an accept"
                        + " failure)", ctx.channel().localAddress(), n);
            }
            return;
        }
        count.run();
        long n = throttles[shortage].count();
        if (n > 0) {
            LOG.warnf("cannot accept client connections on %s: %s (%d failed accept(s) since the last such line; clients wait"
                    + " in the listen backlog, accepts are tried again every second; wsroute_client_accept_failures_total counts"
                    + " them all): %s", ctx.channel().localAddress(), cause.getMessage(), n, ADVICE[shortage]);
        }
    }

    /**
     * What an accept ran short of, as an index into {@link #ADVICE}; ints and strings rather than an enum: a class
     * first loaded at an EMFILE needs a descriptor to load and fails (NoClassDefFoundError, OpenFilesLimitTest).
     */
    static final int NONE = -1;
    /** EMFILE, ENFILE: no descriptor. */
    static final int DESCRIPTORS = 0;
    /** ENOBUFS, ENOMEM: the kernel could not allocate the socket; raising ulimit -n would not help. */
    static final int SOCKET_MEMORY = 1;
    /** What to do about each shortage: the end of its WARN line. */
    private static final String[] ADVICE = {
            "the open-files limit is reached: raise it (ulimit -n) or lower wsroute.limits.max-connections",
            "the kernel is out of memory for sockets (ENOBUFS/ENOMEM): check the node's free memory and its socket memory"
                    + " limits (net.ipv4.tcp_mem), or lower wsroute.limits.max-connections"};

    /** The shortage the failure is ({@link #DESCRIPTORS}, {@link #SOCKET_MEMORY}), by its errno (or its message, off epoll); else {@link #NONE}. */
    static int shortage(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof Errors.NativeIoException n) {
                int errno = Math.abs(n.expectedErr());
                if (errno == 24 || errno == 23) { // EMFILE, ENFILE
                    return DESCRIPTORS;
                }
                return errno == 105 || errno == 12 ? SOCKET_MEMORY : NONE; // ENOBUFS, ENOMEM
            }
            String m = t.getMessage();
            if (m != null && m.contains("Too many open files")) {
                return DESCRIPTORS;
            }
            if (m != null && (m.contains("No buffer space available") || m.contains("Cannot allocate memory"))) {
                return SOCKET_MEMORY;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return NONE;
    }
}
