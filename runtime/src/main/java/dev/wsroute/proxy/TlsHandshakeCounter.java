package dev.wsroute.proxy;

import java.nio.channels.ClosedChannelException;

import dev.wsroute.tls.ClientAlert;
import dev.wsroute.tls.HandshakeFailure;
import dev.wsroute.tls.SessionResumption;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

/**
 * Behind the TLS stage: a handshake that succeeds is counted in {@code wsroute_tls_handshakes_total}, by whether it
 * resumed a session; a failed one closes the connection quietly (clients probing with bad TLS are common) but is
 * counted, by a fixed reason, in {@code wsroute_tls_handshake_failures_total}. Netty reports one failure up to
 * three ways (a failed SNI event, a failed handshake event, the exception): the first is counted, the others not.
 * Its {@link #alertReader} goes before the TLS stage, to read a fatal alert the client sent in the clear. A client that
 * closes before its ClientHello is whole makes Netty report nothing: counted {@code closed} here when it had sent a
 * byte (one that sent none, a TCP health check, started no handshake).
 * <p>
 * It also keeps the handshake's deadline, on its event loop's {@link LoopClock} (the TLS stage is given none: Netty
 * would schedule a task per connection for the ClientHello, and another for the rest of the handshake). As Netty's
 * timers did, the ClientHello gets the timeout from the stage's start, and the rest of the handshake gets it again
 * once the hello chose a certificate; a handshake not done in time is counted {@code timeout} and the connection
 * closed quietly (from before the TLS stage: no alert, no close_notify). The deadline's stop action closes a
 * connection still in its handshake when the listeners close at shutdown, as an idle one is.
 */
final class TlsHandshakeCounter extends ChannelInboundHandlerAdapter implements Runnable {
    private final ProxyMetrics metrics;
    private final long timeoutNanos;
    private final LoopClock.Deadline deadline = new LoopClock.Deadline(this::late, this);
    private LoopClock clock;
    private ChannelHandlerContext ctx;
    /** The {@link #alertReader}'s context, before the TLS stage: a timed-out handshake is closed from there. */
    private ChannelHandlerContext front;
    /** The handshake succeeded, or its failure was counted. */
    private boolean settled;
    private int clientAlert = -1;
    /** The client sent at least one byte: a close from now on ends a handshake begun. */
    private boolean began;
    private long startedMillis;

    /** Before the TLS stage until the handshake succeeds: notes a fatal alert the client sends in the clear. */
    final ChannelHandler alertReader = new ChannelInboundHandlerAdapter() {
        @Override
        public boolean isSharable() {
            return false; // as the stage's own: no per-thread look-up at its add
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            front = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (clientAlert == -1 && msg instanceof ByteBuf b) {
                began |= b.isReadable();
                clientAlert = ClientAlert.fatalAlert(b);
            }
            ctx.fireChannelRead(msg);
        }
    };

    /** @param timeoutNanos the time the ClientHello gets, and the rest of the handshake again (the request-header timeout) */
    TlsHandshakeCounter(ProxyMetrics metrics, long timeoutNanos) {
        this.metrics = metrics;
        this.timeoutNanos = timeoutNanos;
    }

    /** Not {@code @Sharable}, said as a constant: Netty's own answer is a per-thread map look-up by class, at every add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    /** Added to a live connection (at accept, or after its PROXY header): the ClientHello's time starts now. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start();
        ctx.fireChannelActive();
    }

    private void start() {
        if (clock == null && !settled) {
            startedMillis = System.currentTimeMillis();
            clock = LoopClock.of(ctx.channel().eventLoop());
            clock.arm(deadline, timeoutNanos);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!settled) {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                settle(ctx, done.isSuccess() ? null : done.cause());
            } else if (evt instanceof SniCompletionEvent sni) {
                if (!sni.isSuccess()) {
                    settle(ctx, sni.cause()); // no certificate: no handshake event follows
                } else if (clock != null) {
                    clock.arm(deadline, timeoutNanos); // a certificate chosen: the rest of the handshake gets the time again
                }
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!settled) {
            settle(ctx, cause);
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        disarm();
        if (!settled && began) {
            settle(ctx, new ClosedChannelException()); // mid-ClientHello: the SNI stage waits for the rest and says nothing
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    private void disarm() {
        if (clock != null) {
            clock.disarm(deadline);
        }
    }

    private void settle(ChannelHandlerContext ctx, Throwable failure) {
        settled = true;
        disarm();
        if (failure != null) {
            metrics.tlsHandshakeFailed(HandshakeFailure.of(failure, clientAlert));
            return;
        }
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls != null) {
            metrics.tlsHandshakeDone(SessionResumption.resumed(tls.engine(), startedMillis));
        }
        if (ctx.pipeline().context(alertReader) != null) {
            ctx.pipeline().remove(alertReader);
        }
    }

    /**
     * The ClientHello, or the rest of the handshake, not done in time: counted first (the close fails the handshake
     * again, as closed), then closed from before the TLS stage, quietly, as Netty's own timeout closed it.
     */
    private void late() {
        if (settled || !ctx.channel().isActive()) {
            return;
        }
        settle(ctx, new SslHandshakeTimeoutException("handshake timed out after " + timeoutNanos / 1_000_000 + "ms"));
        (front != null && !front.isRemoved() ? front : ctx).close();
    }

    /**
     * The stop action of its deadline (this object, not one more per connection). The listeners closed (the end of the
     * shutdown delay): a connection still in its TLS handshake waits for no answer, and closes now, as an idle one.
     * Settled first, uncounted: the close is wsroute's, no handshake the client failed (it was counted {@code closed},
     * the reason for a client that closes mid-handshake).
     */
    @Override
    public void run() {
        if (!settled) {
            settled = true;
            disarm();
            ctx.close();
        }
    }
}
