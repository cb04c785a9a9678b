package dev.wsroute.proxy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import dev.wsroute.lifecycle.Lifetimes;
import dev.wsroute.metrics.Meters;
import dev.wsroute.model.Lifecycle;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.PoolId;
import dev.wsroute.table.RuleKey;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * An upgraded connection: two symmetric {@link TunnelSide}s on one event loop, relaying bytes as they come, and
 * what belongs to the session as a whole (who closed it and how, its counters, its drain). All its state is
 * touched on that event loop only. It ends when either side ends; the other is closed after its pending writes
 * are flushed, and a dead upstream gives the client Close 1011 when a frame boundary allows (1001 while draining).
 */
final class Tunnel implements Runnable {
    static final long CLOSE_GRACE_MILLIS = 2000;
    private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();

    final TunnelSide client;
    final TunnelSide upstream;
    private final PoolId pool;
    private final Endpoint endpoint;
    private final Context ctx;
    /** The route's meters, held from {@link #start} until {@link #finish}: the route's series stay while it is open. */
    private ProxyMetrics.RouteMeters meters;
    private final AccessLog.Request request;
    private final Lifecycle lifecycle;
    /** Its count in {@code wsroute_endpoint_active}, from {@link #start}. */
    private ProxyMetrics.RouteMeters.EndpointGauge endpointActive;
    /** When the 101 went to the client (System.nanoTime()): the session's length counts from there. */
    private final long started;
    private final long id = IDS.incrementAndGet();

    private final LoopClock clock;
    /** The idle timeout's and the lifetime's (timeouts.maxDuration) one deadline on the loop's clock: no timer per tunnel. */
    private final LoopClock.Deadline watch = new LoopClock.Deadline(this::watchCheck);
    private long idleNanos;
    /** When either side last delivered bytes, on the loop's coarse clock: one field write per read. */
    private final LoopClock.Activity activity;
    private CloseInitiator closedBy;
    private int closeCode = 1006;
    private CloseCause cause;
    private boolean finished;
    /** Bytes relayed since the last report wait for the loop's next sweep to reach the counters. */
    private boolean countsDue;
    /** Where this tunnel waits in the loop clock's next sweep while {@link #countsDue}. */
    private int sweepPlace;
    private ScheduledFuture<?> drainTask;
    /** Whether the pending {@link #drainTask} is called off when the table takes the endpoint back (event loop only). */
    private boolean drainCallable;
    /** Set when such a drain may be pending: the swap's walk reads it, so a tunnel that is not draining costs it no task. */
    private volatile boolean drainHint;
    /** Whether the rule sets timeouts.maxDuration, and when (System.nanoTime()) this tunnel's jittered lifetime ends. */
    private boolean hasLifetime;
    private long lifetimeEnd;
    /** Set from any thread when a close was asked for (rebalancing), before it runs on the tunnel's loop. */
    private volatile boolean closeRequested;

    /** What a tunnel needs from the proxy around it. */
    record Context(TunnelRegistry registry, UpstreamDialer dialer, ProxyMetrics metrics, AccessLog accessLog) {
    }

    /** @param started when the 101 went to the client, as the handshake's time was taken (System.nanoTime()) */
    Tunnel(Channel clientChannel, Channel upstreamChannel, PoolId pool, Endpoint endpoint, Context ctx, AccessLog.Request request,
            Lifecycle lifecycle, long started) {
        this.started = started;
        long maxMessage = lifecycle.maxMessageSize().orElse(Long.MAX_VALUE);
        this.client = new TunnelSide(this, clientChannel, CloseInitiator.CLIENT, maxMessage);
        this.upstream = new TunnelSide(this, upstreamChannel, CloseInitiator.UPSTREAM, maxMessage);
        client.peer = upstream;
        upstream.peer = client;
        this.pool = pool;
        this.endpoint = endpoint;
        this.ctx = ctx;
        this.request = request;
        this.clock = LoopClock.of(clientChannel.eventLoop());
        this.activity = new LoopClock.Activity(clock);
        this.lifecycle = lifecycle;
    }

    /**
     * From the id: the registry's set hashes every new tunnel, and an identity hash is a call into the JVM that
     * writes the object's header. Equality stays identity.
     */
    @Override
    public int hashCode() {
        return Long.hashCode(id);
    }

    PoolId pool() {
        return pool;
    }

    RouteId route() {
        return pool.route();
    }

    Endpoint endpoint() {
        return endpoint;
    }

    /** What it relayed so far, for the status page (read from another thread: a batch behind at most). */
    OpenTunnel sample() {
        int rule = pool instanceof RuleKey key ? ctx.registry().current().indexOf(key) : -1; // where the rule is now
        return new OpenTunnel(id, pool.route(), rule, endpoint.key(), client.inbound.bytes(), upstream.inbound.bytes(),
                client.inbound.messages(), upstream.inbound.messages());
    }

    /**
     * Takes over both channels (the stage that ran the handshake on each hands its events to its side from now on: no
     * pipeline change), relays bytes the upstream sent right after its 101 and those the client sent before it
     * (each through its side, so that its frames are followed from their first byte), and starts reading both sides.
     * The upgrade's 101 is counted here, with {@code handshakeNanos}, in the route's meters the tunnel holds.
     */
    void start(Duration idleTimeout, ByteBuf upstreamEarly, List<ByteBuf> clientEarly, TunnelSide.Host clientStage,
            TunnelSide.Host upstreamStage, long handshakeNanos) {
        boolean listed = ctx.registry().add(this);
        meters = ctx.metrics().tunnelOpened(pool.route());
        ctx.metrics().upgradedIn(meters, handshakeNanos); // before the 101 is flushed: a client that saw it sees it counted
        endpointActive = meters.endpointOpened(endpoint.key(), listed);
        Channel c = client.channel;
        Channel u = upstream.channel;
        idleNanos = idleTimeout.toNanos();
        activity.note();
        if (lifecycle.maxDuration().isPresent()) {
            hasLifetime = true;
            lifetimeEnd = System.nanoTime() + Lifetimes.jittered(lifecycle.maxDuration().get(), ThreadLocalRandom.current());
        }
        clock.arm(watch, nextLook(idleNanos));
        clientStage.tunnelStarted(client);
        upstreamStage.tunnelStarted(upstream);
        if (upstreamEarly != null && upstreamEarly.isReadable()) {
            upstream.inbound.observe(upstreamEarly);
            c.write(upstreamEarly, c.voidPromise());
        } else if (upstreamEarly != null) {
            upstreamEarly.release();
        }
        c.flush();
        // From here reads run freely and stop only while the other side can't take more: toggling read
        // interest per read would cost two epoll_ctl calls a message.
        c.config().setAutoRead(u.isWritable());
        u.config().setAutoRead(c.isWritable());
        c.closeFuture().addListener(client);
        u.closeFuture().addListener(upstream);
        if (clientEarly != null) { // what the client sent before the 101: its first frames, through its side as if just read
            for (int i = 0; i < clientEarly.size(); i++) {
                client.read(clientEarly.get(i));
            }
            u.flush();
        }
        if (client.inputShutdown()) { // the client's FIN came during the upgrade: its event went to the handshake
            inputShutdown(client);
        }
    }

    /** A side delivered bytes: the tunnel is not idle. */
    void active() {
        activity.note();
    }

    /**
     * At the tunnel's deadline: its lifetime over (maxDuration, counted from the sweep's time, so never early), or no
     * bytes either way for the rule's idle time; else the next look.
     */
    private void watchCheck() {
        if (hasLifetime && clock.now() - lifetimeEnd >= 0) {
            close(CloseCause.MAX_DURATION);
            return;
        }
        long quiet = activity.quiet();
        if (quiet >= idleNanos) {
            close(CloseCause.IDLE);
        } else {
            clock.arm(watch, nextLook(idleNanos - quiet));
        }
    }

    /** When to look again: when the idle time could be up, at the lifetime's end, and at least every LOOK_NANOS. */
    private long nextLook(long idleLeft) {
        long wait = Math.min(idleLeft, LoopClock.LOOK_NANOS);
        return hasLifetime ? Math.min(wait, lifetimeEnd - System.nanoTime()) : wait;
    }

    /**
     * A side sent a Close frame: whoever sent the first one closed the session. Once both have, nothing more may
     * flow either way, so a FIN from either side closes the session at once (see {@link #sideClosed}) instead of
     * passing the FIN on and waiting for the other's: a shutdown, an empty read and epoll changes less per side.
     */
    void closeFrameSeen(TunnelSide side) {
        if (closedBy == null) {
            closedBy = side.who;
            closeCode = side.inbound.closeCode();
        }
        if (side.peer.inbound.closeSeen()) {
            client.closeOnFin();
            upstream.closeOnFin();
        }
    }

    /**
     * After a batch of reads from a side: its counts reach the meters at the loop's next sweep, a few times a second,
     * rather than four shared counters updated (and their cache lines passed between cores) per read.
     */
    void relayed() {
        if (!countsDue) {
            countsDue = true;
            sweepPlace = clock.atNextSweep(this);
        }
    }

    /** The sweep's task of {@link #relayed()} (the tunnel itself, not a new object per batch). */
    @Override
    public void run() {
        reportRelayed();
    }

    private void reportRelayed() {
        countsDue = false;
        report(client.inbound, meters.messagesUp, meters.bytesUp);
        report(upstream.inbound, meters.messagesDown, meters.bytesDown);
    }

    private static void report(FrameTracker t, Meters.Counter messages, Meters.Counter bytes) {
        long n = t.unreportedMessages();
        if (n > 0) {
            messages.increment(n);
        }
        long b = t.unreportedBytes();
        if (b > 0) {
            bytes.increment(b);
        }
    }

    /** A side sent FIN. A WebSocket upstream that stops without a Close frame is treated as dead. */
    void inputShutdown(TunnelSide side) {
        if (side == upstream && !upstream.inbound.closeSeen()) {
            upstreamGone();
            return;
        }
        side.peer.shutdownOutputAfterFlush();
        if (closedBy == null) {
            closedBy = side.who;
            closeCode = codeOr(side, 1006);
        }
        if (side.peer.inputShutdown()) {
            closeBoth();
        }
    }

    /** The proxy ends the session (idle, drain, shutdown…): Close frames both ways at the next frame boundary. */
    void close(CloseCause why) {
        close(why, why.code(), why.code());
    }

    /**
     * As {@link #close(CloseCause)} with a code per side (a message too big: 1009 to its sender, 1001 to the
     * other); the sockets close once both Closes are answered, or after a grace period.
     */
    void close(CloseCause why, int codeToClient, int codeToUpstream) {
        if (finished || cause != null) {
            return;
        }
        cause = why;
        if (closedBy == null) {
            closedBy = CloseInitiator.PROXY;
            closeCode = why.code();
        }
        client.closeAtBoundary(codeToClient, why.text());
        upstream.closeAtBoundary(codeToUpstream, why.text());
        client.channel.eventLoop().schedule(this::closeBoth, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * A side sent a frame that takes its message past maxMessageSize: it gets Close 1009 (at the next boundary of
     * what flows to it), the other side 1001 at once (the stream towards it was cut at a frame start: a header split
     * across reads is held back until it is whole).
     */
    void messageTooBig(TunnelSide sender) {
        if (finished || cause != null) {
            return;
        }
        cause = CloseCause.MESSAGE_TOO_BIG;
        if (closedBy == null) {
            closedBy = CloseInitiator.PROXY;
            closeCode = CloseFrames.MESSAGE_TOO_BIG;
        }
        sender.peer.sendClose(CloseFrames.GOING_AWAY, cause.text());
        sender.closeAtBoundary(CloseFrames.MESSAGE_TOO_BIG, cause.text());
        client.channel.eventLoop().schedule(this::closeBoth, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Whether the proxy is closing this tunnel or has been asked to (rebalancing must not count it twice). */
    boolean closing() {
        return closeRequested || cause != null || finished;
    }

    /** {@link #close(CloseCause)} from any thread: it runs on the tunnel's event loop. */
    void closeSoon(CloseCause why) {
        closeRequested = true;
        client.channel.eventLoop().execute(() -> close(why));
    }

    /**
     * Starts the drain clock: after {@code delay} (the drain period, or a moment of its last part given by
     * {@link DrainSchedule}) the tunnel gets Close 1001 unless {@code unlessTakenBack} and the table has taken its
     * endpoint back. A drain already running keeps its clock; shutdown makes it one that nothing calls off.
     */
    void drain(Duration delay, boolean unlessTakenBack) {
        if (unlessTakenBack) {
            drainHint = true; // before the task: the next swap's keep() sees it
        }
        client.channel.eventLoop().execute(() -> {
            if (finished) {
                return;
            }
            if (drainTask != null) {
                drainCallable &= unlessTakenBack;
                return;
            }
            drainCallable = unlessTakenBack;
            drainTask = client.channel.eventLoop().schedule(() -> {
                drainTask = null;
                boolean callable = drainCallable;
                drainCallable = false;
                drainHint = false;
                if (callable && ctx.registry().current().keeps(pool, endpoint.key())) {
                    return; // it came back (a flapping readiness probe): keep the tunnel
                }
                if (cause != null) {
                    return; // closing already (idle, lifetime, rebalancing), its Closes awaiting answers: not a drain
                }
                ctx.metrics().drained(route());
                close(CloseCause.DRAIN);
            }, delay.toNanos(), TimeUnit.NANOSECONDS);
        });
    }

    /**
     * A new table lists its endpoint (again): a drain started by an earlier table is called off, so that when the
     * endpoint goes again the socket gets a full drain period from then, not what was left of the first one.
     */
    void keep() {
        if (!drainHint) { // the common case: nothing to call off, and no task for it
            return;
        }
        client.channel.eventLoop().execute(() -> {
            if (drainTask != null && drainCallable) { // in swap order: a later removal's drain comes after this
                drainTask.cancel(false);
                drainTask = null;
                drainCallable = false;
                drainHint = false;
            }
        });
    }

    private void upstreamGone() {
        // draining, its endpoint was leaving (a pod that exits before the drain's end): "going away", as the drain's
        // own Close would have said, so that clients reconnect at once rather than back off from a server error
        int code = drainTask != null ? CloseFrames.GOING_AWAY : CloseFrames.INTERNAL_ERROR;
        if (closedBy == null) {
            closedBy = CloseInitiator.UPSTREAM;
            closeCode = code;
        }
        client.closeNowWith(code, "upstream went away");
        upstream.channel.close(); // from its own FIN or close: at once, see PeerClose
    }

    /** A side's channel closed. */
    void sideClosed(TunnelSide side) {
        if (side == client) {
            if (closedBy == null) {
                closedBy = CloseInitiator.CLIENT;
                closeCode = codeOr(client, 1006);
            }
            closeUnlessAwaitingItsClose(upstream);
        } else if (upstream.inbound.closeSeen() || upstream.closeSent()) {
            if (closedBy == null) {
                closedBy = CloseInitiator.UPSTREAM;
                closeCode = codeOr(upstream, 1005);
            }
            closeUnlessAwaitingItsClose(client);
        } else {
            upstreamGone();
        }
        if (!client.channel.isOpen() && !upstream.channel.isOpen()) {
            finish();
        } // else the other side's close future calls back here once its flush is done
    }

    /**
     * Closes {@code side} after the other side's close, unless the proxy's own Close to it still awaits an answer:
     * a peer still sending (the rest of a message too big, say) would get a reset and lose that Close. Its answer,
     * or the grace period, closes it.
     */
    private void closeUnlessAwaitingItsClose(TunnelSide side) {
        if (cause != null && side.closeSent() && !side.inbound.closeSeen()) {
            return;
        }
        side.closeAfterFlushSoon();
    }

    private void closeBoth() {
        client.closeAfterFlushSoon();
        upstream.closeAfterFlushSoon();
    }

    private static int codeOr(TunnelSide side, int fallback) {
        return side.inbound.closeSeen() ? side.inbound.closeCode() : fallback;
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (countsDue) { // reported here: the sweep need not keep the closed tunnel (both channels) reachable till then
            clock.dropFromNextSweep(sweepPlace, this);
        }
        reportRelayed();
        clock.disarm(watch);
        if (drainTask != null) {
            drainTask.cancel(false);
        }
        try {
            if (endpointActive != null) {
                meters.endpointClosed(endpoint.key(), endpointActive);
            }
            ctx.registry().release(pool);
            ctx.dialer().release(endpoint);
            long nanos = System.nanoTime() - started;
            CloseCause why = closedBy == CloseInitiator.PROXY ? cause : null;
            ctx.metrics().closedIn(meters, closedBy, closeCode, why, nanos);
            ctx.metrics().tunnelClosed(meters); // after its close is counted: a removed route's series may go with it
            ctx.dialer().listener().tunnelClosed(pool, endpoint, closedBy, closeCode, nanos);
            ctx.accessLog().session(request, route(), endpoint, nanos, client.inbound, upstream.inbound, closedBy, closeCode, why);
        } finally {
            // last: whoever waits for no tunnel open (the drain at shutdown) finds its connection counts given back,
            // its close counted and its access-log line queued
            ctx.registry().remove(this);
        }
    }
}
