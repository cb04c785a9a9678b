package dev.wsroute.proxy;

import org.jboss.logging.Logger;

import dev.wsroute.log.LogThrottle;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Accepts that failed on a listener: no descriptor for the client connection (EMFILE, ENFILE: the open-files limit is
 * reached by something besides client connections, which max-connections keeps below it). Netty's acceptor, before
 * this handler, stops that listener's accepts for a second and then tries again; the clients wait in the listen
 * backlog meanwhile and are served once descriptors are free. Each failure is counted in
 * {@code wsroute_client_accept_failures_total}; one WARN line says so at the first, then at most one a minute with how
 * many since. Without this handler each failure reached the end of the listener's pipeline, where Netty logs a WARN
 * with a stack trace: one a second per listener for as long as the descriptors stayed taken, and nothing counted.
 */
@ChannelHandler.Sharable
final class AcceptFailures extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(AcceptFailures.class);
    private final Runnable count;
    private final LogThrottle throttle = new LogThrottle(System::nanoTime);

    /** @param count counts one failure (the metric) */
    AcceptFailures(Runnable count) {
        this.count = count;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        count.run();
        long n = throttle.count();
        if (n > 0) {
            LOG.warnf("cannot accept client connections on %s: %s (%d failed accept(s) since the last such line; clients wait"
                    + " in the listen backlog, accepts are tried again every second; wsroute_client_accept_failures_total counts"
                    + " them all): the open-files limit is reached: raise it (ulimit -n) or lower wsroute.limits.max-connections",
                    ctx.channel().localAddress(), cause.getMessage(), n);
        }
    }
}
