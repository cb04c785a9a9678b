package dev.wsroute.proxy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Guards the wait for a request head, before the HTTP decoder, on its event loop's {@link LoopClock}: a client gets {@code requestHeaderTimeout} to
 * send a complete head (408 then close: slowloris), and a keep-alive connection may sit idle between requests
 * for {@code idleTimeout} (then it is closed silently).
 */
final class RequestHeadTimeout extends ChannelInboundHandlerAdapter {
    private static final byte[] TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\ncontent-length: 31\r\n"
            + "connection: close\r\n\r\n408 Request Timeout: head late\n").getBytes(StandardCharsets.US_ASCII);

    private final long headerNanos;
    private final long idleNanos;
    private final LoopClock.Deadline timer = new LoopClock.Deadline(this::expired);
    private ChannelHandlerContext ctx;
    private LoopClock clock;
    private boolean idlePhase;

    RequestHeadTimeout(Duration headerTimeout, Duration idleTimeout) {
        this.headerNanos = headerTimeout.toNanos();
        this.idleNanos = idleTimeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.clock = LoopClock.of(ctx.channel().eventLoop());
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    /** Starts waiting for a head: the first of a connection, or the next one on a kept-alive connection. */
    void arm(boolean keepAliveWait) {
        idlePhase = keepAliveWait;
        clock.arm(timer, keepAliveWait ? idleNanos : headerNanos);
    }

    /** The head is complete. */
    void disarm() {
        if (clock != null) {
            clock.disarm(timer);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (idlePhase && timer.armed() && msg instanceof ByteBuf b && b.isReadable()) {
            arm(false); // the next request started: it now has the header timeout to complete its head
        }
        ctx.fireChannelRead(msg);
    }

    private void expired() {
        if (idlePhase) {
            ctx.close();
        } else {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
