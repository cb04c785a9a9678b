package dev.wsroute.proxy;

import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * One side of a {@link Tunnel}, as each of Netty's HexDumpProxy handlers holds its peer: its channel, the tracker
 * of the frames it sends, whether the proxy has closed towards it, and the other side. What it reads goes to the
 * peer as read, without copying or decoding; its writability gates the peer's reads (backpressure). It listens to its
 * channel's close future itself, and is its own deferred close task: no listener or task object per side.
 * <p>
 * Not a pipeline stage: the stage that ran the upgrade on its channel stays where it is and, once the tunnel starts,
 * hands each event on to this side (a {@link Host}), so that the upgrade adds, replaces and removes no stage but the
 * client's HTTP codec. A final class called directly: a relayed message passes the pipeline's one call into that stage,
 * as it passed one into a side of its own before.
 */
final class TunnelSide implements ChannelFutureListener, Runnable {
    private static final Logger LOG = Logger.getLogger(TunnelSide.class);

    final Tunnel tunnel;
    final Channel channel;
    final CloseInitiator who;
    /** Frames this side sends, followed header by header. */
    final FrameTracker inbound;
    private final boolean masked; // frames the proxy writes to an upstream are masked (RFC 6455 5.1)
    TunnelSide peer;
    /** The proxy's own Close went to this side: nothing more may follow it. */
    private boolean closeSent;
    /** A Close for this side waiting for the frame in flight towards it to end; 0 when none. */
    private int pendingCode;
    private String pendingText;
    /** With a message limit: the start of a frame header that came split across reads, not relayed yet. */
    private ByteBuf heldHeader;

    /**
     * The stage in a channel's pipeline that holds the channel's place for this side: the request receiver on the
     * client's, the upgrade's {@link UpstreamWebSocketHandler} on the upstream's. From {@link #tunnelStarted} on, it
     * hands this side every inbound event of its channel, before anything of its own.
     */
    interface Host {
        /** The tunnel started: every event from now on is {@code side}'s; what the handshake needed can go. */
        void tunnelStarted(TunnelSide side);
    }

    TunnelSide(Tunnel tunnel, Channel channel, CloseInitiator who, long maxMessageSize) {
        this.tunnel = tunnel;
        this.inbound = new FrameTracker(maxMessageSize);
        this.channel = channel;
        this.who = who;
        this.masked = who == CloseInitiator.UPSTREAM;
    }

    /** A message read from this side's channel. */
    void read(Object msg) {
        if (msg instanceof ByteBuf buf) {
            tunnel.active();
            relay(buf);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void relay(ByteBuf buf) {
        if (peer.closeSent) { // the proxy closed towards the peer: only this side's answering Close matters now
            dropHeldHeader();
            inbound.observe(buf);
            buf.release();
            if (inbound.closeSeen()) {
                channel.close();
            }
            return;
        }
        int boundary = inbound.observe(buf);
        if (inbound.tooBigAt() != FrameTracker.NOT_TOO_BIG) {
            dropHeldHeader(); // a header split across reads was held back: the cut is still at a frame start
            cutTooBig(buf, Math.max(inbound.tooBigAt(), buf.readerIndex()));
            return;
        }
        if (inbound.limited() && !holdPartialHeader(buf)) {
            return;
        }
        if (inbound.closeSeen()) {
            tunnel.closeFrameSeen(this);
        }
        if (peer.pendingCode != 0 && boundary >= 0) { // the frame in flight ends here: cut, then the proxy's Close
            peer.channel.write(buf.retainedSlice(buf.readerIndex(), boundary - buf.readerIndex()), peer.channel.voidPromise());
            buf.release();
            peer.sendClose(peer.pendingCode, peer.pendingText);
            return;
        }
        peer.channel.write(buf, peer.channel.voidPromise());
    }

    /**
     * With a message limit, the bytes of a frame header split across reads wait until the header is whole: only then
     * is it known whether the frame may pass, and a peer that got part of a header could get no Close frame after it.
     * Returns false when all of {@code buf} was held (the header is still incomplete).
     */
    private boolean holdPartialHeader(ByteBuf buf) {
        int partial = inbound.partialHeaderBytes();
        if (heldHeader != null && partial > buf.readableBytes()) { // the same header, still incomplete
            heldHeader.writeBytes(buf);
            buf.release();
            return false;
        }
        if (heldHeader != null) { // the header it began ends in this buffer: it goes first
            peer.channel.write(heldHeader, peer.channel.voidPromise());
            heldHeader = null;
        }
        if (partial > 0) { // at most 13 bytes, and only when a read ends inside a header
            heldHeader = Unpooled.buffer(partial, FrameTracker.MAX_HEADER_BYTES);
            heldHeader.writeBytes(buf, buf.writerIndex() - partial, partial);
            buf.writerIndex(buf.writerIndex() - partial);
        }
        return true;
    }

    /** The start of a header held back goes nowhere: it is a buffer of its own, freed here. */
    private void dropHeldHeader() {
        if (heldHeader != null) {
            heldHeader.release();
            heldHeader = null;
        }
    }

    /** The channel closed (its pipeline is torn down, its host removed) with the start of a header still held: freed with it. */
    void removed() {
        dropHeldHeader();
    }

    /** Relays what came before the frame that made a message too big, drops that frame, and has the tunnel close. */
    private void cutTooBig(ByteBuf buf, int frameStart) {
        if (frameStart > buf.readerIndex()) {
            peer.channel.write(buf.retainedSlice(buf.readerIndex(), frameStart - buf.readerIndex()), peer.channel.voidPromise());
        }
        buf.release();
        tunnel.messageTooBig(this);
    }

    /** The channel closed. */
    @Override
    public void operationComplete(ChannelFuture closed) {
        tunnel.sideClosed(this);
    }

    /** A batch of reads from this side's channel is over. */
    void readComplete() {
        peer.channel.flush();
        tunnel.relayed();
    }

    /** This side's write queue crossed its high-water mark (stop reading the peer) or drained (read it again). */
    void writabilityChanged() {
        peer.channel.config().setAutoRead(channel.isWritable());
    }

    /** A user event on this side's channel, at its host's context: the input shut (a FIN) is this side's, others pass on. */
    void userEvent(ChannelHandlerContext host, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            tunnel.inputShutdown(this);
        } else {
            host.fireUserEventTriggered(evt);
        }
    }

    /** An error on this side's channel. */
    void failed(Throwable cause) {
        LOG.debugf("tunnel %s side failed: %s", who.label(), cause.toString());
        channel.close();
    }

    /** Sends a Close frame to this side at the next frame boundary of what flows to it. */
    void closeAtBoundary(int code, String text) {
        if (closeSent || pendingCode != 0) {
            return;
        }
        if (peer.inbound.atBoundary()) {
            sendClose(code, text);
        } else {
            pendingCode = code;
            pendingText = text;
        }
    }

    void sendClose(int code, String text) {
        pendingCode = 0;
        pendingText = null;
        closeSent = true;
        channel.writeAndFlush(CloseFrames.frame(channel.alloc(), code, text, masked));
    }

    /** As {@link #closeAtBoundary} when no frame is in flight, then closes; otherwise just closes after a flush. */
    void closeNowWith(int code, String text) {
        if (!closeSent && peer.inbound.atBoundary() && channel.isActive()) {
            closeSent = true;
            channel.writeAndFlush(CloseFrames.frame(channel.alloc(), code, text, masked)).addListener(PeerClose.AFTER_WRITE);
        } else {
            closeAfterFlushSoon();
        }
    }

    boolean closeSent() {
        return closeSent;
    }

    /** From now on a FIN from this side closes its channel (and the tunnel then closes the other side). */
    void closeOnFin() {
        channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
    }

    /** Passes the peer's FIN on: this side's output ends once what is queued is written. */
    void shutdownOutputAfterFlush() {
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (channel instanceof DuplexChannel d && d.isActive()) {
                d.shutdownOutput();
            }
        });
    }

    boolean inputShutdown() {
        return channel instanceof DuplexChannel d && d.isInputShutdown();
    }

    /**
     * Closes once what is queued for this side is written. A side that takes none of it for the close grace period is
     * closed regardless: one that reads nothing (a stalled consumer, or one blocked writing to us while backpressure
     * stops us reading it) would otherwise keep its socket, and the tunnel, open for good. One still reading, however
     * slowly, gets all of it.
     */
    void closeAfterFlush() {
        if (!channel.isOpen()) {
            return;
        }
        if (nothingQueued()) { // the usual case (the session's last bytes went out with its read): close at once
            channel.close(); // through the pipeline (a TLS side's close_notify); Netty takes no void promise here
            return;
        }
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        closeIfStalled(-1);
    }

    /**
     * Whether nothing waits to be written to this side, flushed or not: then an empty write to wait for (its promise,
     * its listener, a pass through the pipeline) is work for nothing. Every message queued
     * adds to the pending bytes (its size plus Netty's per-entry overhead), so 0 means no entry at all.
     */
    private boolean nothingQueued() {
        ChannelOutboundBuffer queue = channel.unsafe().outboundBuffer();
        return queue == null || (queue.isEmpty() && queue.totalPendingWriteBytes() == 0);
    }

    private void closeIfStalled(long pendingBefore) {
        ChannelOutboundBuffer queue = channel.unsafe().outboundBuffer();
        long pending = queue == null ? 0 : queue.totalPendingWriteBytes();
        if (!channel.isOpen() || pending == 0) {
            return; // closed, or flushed: the write's listener closes it
        }
        if (pendingBefore >= 0 && pending >= pendingBefore) {
            LOG.debugf("tunnel %s side took none of its last %d bytes in %d ms: closing", who.label(), pending, Tunnel.CLOSE_GRACE_MILLIS);
            channel.close();
            return;
        }
        channel.eventLoop().schedule(() -> closeIfStalled(pending), Tunnel.CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * {@link #closeAfterFlush()} once the event loop has handled the I/O events it is working through. Closed in the
     * middle of them, this side's descriptor could be reused at once by a new socket of the same loop, and an event
     * still pending for the old one would make epoll drop the new socket (Netty deletes a descriptor it no longer
     * knows from the epoll set): a new connection that never hears a byte.
     */
    void closeAfterFlushSoon() {
        channel.eventLoop().execute(this);
    }

    /** The task of {@link #closeAfterFlushSoon()}. */
    @Override
    public void run() {
        closeAfterFlush();
    }
}
