package dev.wsroute.proxy;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;

/**
 * Guards the wait for a request head on its event loop's {@link LoopClock}: a client gets {@code requestHeaderTimeout}
 * to send a complete head (408 then close: slowloris), and a keep-alive connection may sit idle between requests
 * for {@code idleTimeout} (then it is closed silently). Not a pipeline stage: the request receiver arms and disarms
 * it, the HTTP decoder says when the bytes of a next head start, and an upgrade has no handler to remove for it.
 */
final class RequestHeadTimeout implements Runnable {
    private static final byte[] TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\ncontent-length: 31\r\n"
            + "connection: close\r\n\r\n408 Request Timeout: head late\n").getBytes(StandardCharsets.US_ASCII);

    private final long headerNanos;
    private final long idleNanos;
    private final Consumer<SocketAddress> answeredTo;
    private final LoopClock.Deadline timer = new LoopClock.Deadline(this::expired, this);
    /** The HTTP codec's context: the 408 is written from there, as bytes the response encoder never sees. */
    private ChannelHandlerContext codec;
    private LoopClock clock;
    private boolean idlePhase;
    /** Whether bytes of the awaited head have arrived: a connection without any is idle, and closes with the listeners. */
    private boolean headBegun;

    /** @param answeredTo told the client's address of each 408 sent (to be counted and logged) */
    RequestHeadTimeout(Duration headerTimeout, Duration idleTimeout, Consumer<SocketAddress> answeredTo) {
        this.headerNanos = headerTimeout.toNanos();
        this.idleNanos = idleTimeout.toNanos();
        this.answeredTo = answeredTo;
    }

    /** Starts waiting for a head: the first of a connection, or the next one on a kept-alive connection. */
    void arm(ChannelHandlerContext codec, boolean keepAliveWait) {
        arm(codec, keepAliveWait, keepAliveWait ? idleNanos : headerNanos);
    }

    private void arm(ChannelHandlerContext codec, boolean idle, long nanos) {
        if (clock == null) {
            clock = LoopClock.of(codec.channel().eventLoop());
        }
        this.codec = codec;
        idlePhase = idle;
        headBegun = false;
        clock.arm(timer, nanos);
    }

    /** The connection is past heads (upgraded, closing): the deadline is taken out of the loop's list. */
    void disarm() {
        if (clock != null) {
            clock.disarm(timer);
        }
    }

    /** The head is complete: no deadline until the next wait is {@linkplain #arm armed} (in place, see {@link LoopClock#pause}). */
    void pause() {
        if (clock != null) {
            clock.pause(timer);
        }
    }

    /** The first bytes of a head arrived: a kept-alive connection is no longer idle, its head is due in the header time. */
    void headStarted() {
        if (idlePhase && timer.armed()) {
            arm(codec, false);
        }
        headBegun = true;
    }

    /**
     * The stop action of its deadline (this object, not one more per connection). The listeners closed (the end of the
     * shutdown delay): a connection waiting for a request that has not begun to send one closes now, silently, as at
     * its idle timeout; the process is going, and its load balancer has stopped sending here. One whose head is
     * arriving keeps its deadline: its answer says {@code Connection: close}.
     */
    @Override
    public void run() {
        if (!headBegun) {
            codec.close();
        }
    }

    private void expired() {
        if (idlePhase) {
            codec.close();
        } else {
            answeredTo.accept(ClientAddress.of(codec.channel()));
            codec.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
