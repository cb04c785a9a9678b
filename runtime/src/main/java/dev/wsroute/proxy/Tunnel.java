package dev.wsroute.proxy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.wsroute.model.RouteId;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.EndpointStats;
import dev.wsroute.table.RuleKey;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * An upgraded connection: client and upstream channels on one event loop, relaying bytes as they come. All its
 * state is touched on that event loop only. It ends when either side ends; the other is closed after its
 * pending writes are flushed, and a dead upstream gives the client Close 1011 when a frame boundary allows.
 */
final class Tunnel {
    private static final long CLOSE_GRACE_MILLIS = 2000;
    private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();

    private final Channel client;
    private final Channel upstream;
    private final RuleKey rule;
    private final Endpoint endpoint;
    private final Context ctx;
    private final ProxyMetrics.RouteMeters meters;
    private final String clientAddress;
    private final String host;
    private final String uri;
    private final long started = System.nanoTime();
    private final long id = IDS.incrementAndGet();

    final FrameTracker fromClient = new FrameTracker();
    final FrameTracker fromUpstream = new FrameTracker();

    private boolean closeSentToClient;
    private boolean closeSentToUpstream;
    private boolean pendingCloseToClient;
    private boolean pendingCloseToUpstream;
    private int proxyCloseCode;
    private String proxyCloseReason;
    private String closedBy;
    private int closeCode = 1006;
    private boolean finished;
    private ScheduledFuture<?> drainTask;

    /** What a tunnel needs from the proxy around it. */
    record Context(TunnelRegistry registry, EndpointStats stats, ProxyMetrics metrics, AccessLog accessLog) {
    }

    Tunnel(Channel client, Channel upstream, RuleKey rule, Endpoint endpoint, Context ctx, String clientAddress, String host,
            String uri) {
        this.client = client;
        this.upstream = upstream;
        this.rule = rule;
        this.endpoint = endpoint;
        this.ctx = ctx;
        this.meters = ctx.metrics().route(rule.route().toString());
        this.clientAddress = clientAddress;
        this.host = host;
        this.uri = uri;
    }

    RouteId route() {
        return rule.route();
    }

    Endpoint endpoint() {
        return endpoint;
    }

    /** What it relayed so far, for the status page (read from another thread: a batch behind at most). */
    OpenTunnel sample() {
        return new OpenTunnel(id, rule.route(), rule.index(), endpoint.key(), fromClient.bytes(), fromUpstream.bytes(),
                fromClient.messages(), fromUpstream.messages());
    }

    /** Takes over both pipelines, relays bytes the upstream sent right after its 101, and starts reading both sides. */
    void start(Duration idleTimeout, ByteBuf upstreamEarly) {
        ctx.registry().add(this);
        ctx.stats().opened(endpoint);
        meters.active.incrementAndGet();
        client.pipeline().addLast("tunnel-idle", new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
        client.pipeline().addLast("tunnel", new TunnelHandler(this, true));
        upstream.pipeline().addLast("tunnel", new TunnelHandler(this, false));
        if (upstreamEarly != null && upstreamEarly.isReadable()) {
            fromUpstream.observe(upstreamEarly);
            client.write(upstreamEarly, client.voidPromise());
        } else if (upstreamEarly != null) {
            upstreamEarly.release();
        }
        client.flush();
        // From here reads run freely and stop only while the other side can't take more: toggling read
        // interest per read would cost two epoll_ctl calls a message.
        client.config().setAutoRead(upstream.isWritable());
        upstream.config().setAutoRead(client.isWritable());
        client.closeFuture().addListener(f -> sideClosed(true));
        upstream.closeFuture().addListener(f -> sideClosed(false));
    }

    Channel peer(boolean ofClient) {
        return ofClient ? upstream : client;
    }

    /** Relays one buffer read from a side; returns false when it was dropped because the proxy is closing that direction. */
    void relay(boolean fromClientSide, ByteBuf buf) {
        FrameTracker tracker = fromClientSide ? fromClient : fromUpstream;
        boolean closedTowardPeer = fromClientSide ? closeSentToUpstream : closeSentToClient;
        if (closedTowardPeer) { // we already sent our own Close that way: only watch for the reply
            tracker.observe(buf);
            buf.release();
            if (tracker.closeSeen()) {
                (fromClientSide ? client : upstream).close();
            }
            return;
        }
        boolean pending = fromClientSide ? pendingCloseToUpstream : pendingCloseToClient;
        int boundary = tracker.observe(buf);
        if (closedBy == null && tracker.closeSeen()) { // who sent the first Close frame closed the session
            closedBy = fromClientSide ? "client" : "upstream";
            closeCode = tracker.closeCode();
        }
        Channel peer = peer(fromClientSide);
        if (pending && boundary >= 0) { // the frame in flight ends here: cut, then our Close
            peer.write(buf.retainedSlice(buf.readerIndex(), boundary - buf.readerIndex()), peer.voidPromise());
            buf.release();
            sendProxyClose(!fromClientSide);
            return;
        }
        peer.write(buf, peer.voidPromise());
    }

    /** After a batch of reads: flush and update counters. */
    void readComplete(boolean fromClientSide) {
        peer(fromClientSide).flush();
        FrameTracker t = fromClientSide ? fromClient : fromUpstream;
        (fromClientSide ? meters.messagesUp : meters.messagesDown).increment(t.unreportedMessages());
        (fromClientSide ? meters.bytesUp : meters.bytesDown).increment(t.unreportedBytes());
    }

    /**
     * Backpressure: a side's write queue crossed its high-water mark (stop reading the other side) or drained
     * below its low-water mark (read it again). At most one read buffer overshoots.
     */
    void writabilityChanged(boolean ofClient, boolean writable) {
        peer(ofClient).config().setAutoRead(writable);
    }

    /** A side sent FIN. A WebSocket upstream that stops without a Close frame is treated as dead. */
    void inputShutdown(boolean ofClient) {
        if (!ofClient && !fromUpstream.closeSeen()) {
            upstreamGone();
            return;
        }
        Channel peer = peer(ofClient);
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (peer instanceof io.netty.channel.socket.DuplexChannel d && d.isActive()) {
                d.shutdownOutput();
            }
        });
        if (closedBy == null) {
            closedBy = ofClient ? "client" : "upstream";
            closeCode = ofClient ? codeOr(fromClient, 1006) : codeOr(fromUpstream, 1006);
        }
        if (ofClient ? upstreamInputDone() : clientInputDone()) {
            closeBoth();
        }
    }

    private boolean upstreamInputDone() {
        return upstream instanceof io.netty.channel.socket.DuplexChannel d && d.isInputShutdown();
    }

    private boolean clientInputDone() {
        return client instanceof io.netty.channel.socket.DuplexChannel d && d.isInputShutdown();
    }

    /** Idle, drain or shutdown: Close frames both ways at the next frame boundary, then the sockets close. */
    void closeWith(int code, String reason) {
        if (finished || proxyCloseCode != 0) {
            return;
        }
        proxyCloseCode = code;
        proxyCloseReason = reason;
        if (closedBy == null) {
            closedBy = "proxy";
            closeCode = code;
        }
        if (fromUpstream.atBoundary()) {
            sendProxyClose(true);
        } else {
            pendingCloseToClient = true;
        }
        if (fromClient.atBoundary()) {
            sendProxyClose(false);
        } else {
            pendingCloseToUpstream = true;
        }
        client.eventLoop().schedule(this::closeBoth, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Starts the drain clock; at its end the tunnel gets Close 1001 unless the table has taken its endpoint back. */
    void drain(Duration period, String reason, boolean unlessTakenBack) {
        client.eventLoop().execute(() -> {
            if (finished || drainTask != null) {
                return;
            }
            drainTask = client.eventLoop().schedule(() -> {
                drainTask = null;
                if (unlessTakenBack && ctx.registry().current().keeps(route(), endpoint.key())) {
                    return; // it came back (a flapping readiness probe): keep the tunnel
                }
                ctx.metrics().drained(route().toString());
                closeWith(CloseFrames.GOING_AWAY, reason);
            }, period.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    private void sendProxyClose(boolean toClient) {
        if (toClient) {
            pendingCloseToClient = false;
            closeSentToClient = true;
            client.writeAndFlush(CloseFrames.frame(client.alloc(), proxyCloseCode, proxyCloseReason, false));
        } else {
            pendingCloseToUpstream = false;
            closeSentToUpstream = true;
            upstream.writeAndFlush(CloseFrames.frame(upstream.alloc(), proxyCloseCode, proxyCloseReason, true));
        }
    }

    private void upstreamGone() {
        if (closedBy == null) {
            closedBy = "upstream";
            closeCode = CloseFrames.INTERNAL_ERROR;
        }
        if (!closeSentToClient && fromUpstream.atBoundary() && client.isActive()) {
            closeSentToClient = true;
            client.writeAndFlush(CloseFrames.frame(client.alloc(), CloseFrames.INTERNAL_ERROR, "upstream went away", false))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            closeAfterFlush(client);
        }
        upstream.close();
    }

    private void sideClosed(boolean clientSide) {
        if (clientSide) {
            if (closedBy == null) {
                closedBy = "client";
                closeCode = codeOr(fromClient, 1006);
            }
            closeAfterFlush(upstream);
        } else if (fromUpstream.closeSeen() || closeSentToUpstream) {
            if (closedBy == null) {
                closedBy = "upstream";
                closeCode = codeOr(fromUpstream, 1005);
            }
            closeAfterFlush(client);
        } else {
            upstreamGone();
        }
        if (!client.isOpen() && !upstream.isOpen()) {
            finish();
        } else {
            // the other side's close future will call back here once its flush is done
        }
    }

    private void closeBoth() {
        closeAfterFlush(client);
        closeAfterFlush(upstream);
    }

    private static void closeAfterFlush(Channel ch) {
        if (ch.isOpen()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static int codeOr(FrameTracker t, int fallback) {
        return t.closeSeen() ? t.closeCode() : fallback;
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (drainTask != null) {
            drainTask.cancel(false);
        }
        ctx.registry().remove(this);
        ctx.registry().release(rule);
        ctx.stats().closed(endpoint);
        meters.active.decrementAndGet();
        long nanos = System.nanoTime() - started;
        ctx.metrics().closed(route().toString(), closedBy, closeCode, nanos);
        ctx.accessLog().session(clientAddress, host, uri, route().toString(), endpoint, nanos, fromClient.bytes(),
                fromUpstream.bytes(), fromClient.messages(), fromUpstream.messages(), closedBy, closeCode);
    }
}
