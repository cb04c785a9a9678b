package dev.wsroute.proxy;

import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.table.BalancerState;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.Pool;
import dev.wsroute.tls.UpstreamHandlers;
import dev.wsroute.tls.UpstreamTls;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;

/**
 * The one way to an upstream, for plain HTTP and WebSocket alike: pick an endpoint (healthy, not tried yet, by the
 * pool's policy), connect on the client's event loop, on failure report it and try the next, and give up when
 * none is left. A picked endpoint counts as in use from the pick on (the pool counts it in the same step, so
 * LeastConnections sees upgrades in progress on every loop) until its owner calls {@link #release}.
 */
final class UpstreamDialer {
    private static final Logger LOG = Logger.getLogger(UpstreamDialer.class);

    /** Why a dial gave no connection. */
    enum Failure {
        /** The pool had no usable endpoint: 503. */
        NO_ENDPOINT,
        /** Every endpoint tried refused or timed out: 502. */
        REFUSED,
        /**
         * No socket could be made (EMFILE, ENFILE: the open-files limit is reached). The proxy's shortage, not the
         * endpoint's: no endpoint is tried or blamed, and the client gets 503 rather than no answer.
         */
        NO_SOCKET
    }

    /** What a dial reports to: the handshake or HTTP exchange that wants the connection. */
    interface Owner {
        /** True once the owner no longer wants a connection (its client left): a late one is closed. */
        boolean abandoned();

        /** Adds the owner's handlers to a new upstream channel, before it connects. */
        void initChannel(ChannelPipeline pipeline);

        /** Connected (or reused); the endpoint counts as in use until {@link UpstreamDialer#release}. */
        void connected(Channel upstream, Endpoint endpoint, boolean reused);

        /** No connection: see {@link Failure} for why, and the answer each reason gets. */
        void failed(Failure why);

        /**
         * True if {@link #connected} turns reading on at once, whatever happens: then the new channel asks for reads
         * from its registration on, which spares an {@code epoll_ctl} (see {@link Transport#readFromRegistration}).
         */
        default boolean readsOnceConnected() {
            return false;
        }
    }

    private final Transport transport;
    private final WsRouteConfig config;
    private final BalancerState balancer;
    private final ProxyMetrics metrics;
    private final UpstreamPool idle;
    volatile EndpointHealth health = EndpointHealth.ALL;
    volatile DialListener listener = DialListener.NONE;
    private final NoSocketLog noSocketLog = new NoSocketLog(System::nanoTime);

    UpstreamDialer(Transport transport, WsRouteConfig config, BalancerState balancer, ProxyMetrics metrics, UpstreamPool idle) {
        this.transport = transport;
        this.config = config;
        this.balancer = balancer;
        this.metrics = metrics;
        this.idle = idle;
    }

    /** A dial with a connect that may still be under way. */
    interface Dial {
        /**
         * The owner gave up (its request ended: 408, the client left) and {@link Owner#abandoned} says so: a connect
         * under way is closed now instead of running on to the connect timeout, holding a socket. On the dial's loop.
         */
        void abandon();

        /**
         * The owner's own deadline came first (an upgrade's handshake timeout shorter than the connect timeout): a
         * connect still under way counts as timed out (metrics, passive health), as at its own timeout. The owner then
         * abandons the dial. On the dial's loop.
         */
        void ownerTimedOut();
    }

    /**
     * One attempt to reach a pool; {@code reuseIdle}: an idle keep-alive connection of this loop may serve it;
     * {@code tls}: the upstream TLS, whose handshake the owner's own deadline must bound (its handler has no timer).
     *
     * @return the dial, to {@link Dial#abandon} while it connects; null when it was over at once (an idle connection
     *         served it, or there was no endpoint)
     */
    Dial dial(EventLoop loop, Pool pool, String hashKey, UpstreamTls tls, boolean reuseIdle, Owner owner) {
        return dial(loop, pool, hashKey, tls, reuseIdle, owner, null);
    }

    /**
     * As {@link #dial(EventLoop, Pool, String, UpstreamTls, boolean, Owner)}, to none of the pods of {@code tried}
     * (endpoints that took the request and failed it without an answer); null: any.
     */
    Dial dial(EventLoop loop, Pool pool, String hashKey, UpstreamTls tls, boolean reuseIdle, Owner owner, List<Endpoint> tried) {
        // the first choice needs no attempt: a keep-alive request mostly finds an idle connection (no connect deadline)
        Endpoint e = pool.select(usableBut(pool, tried), hashKey, balancer);
        if (e == null) {
            owner.failed(Failure.NO_ENDPOINT);
        } else if (!reuseIdle || !reused(e, owner)) {
            Attempt a = new Attempt(loop, pool, hashKey, tls, reuseIdle, owner);
            if (tried != null) {
                a.tried = new ArrayList<>(tried);
            }
            a.connect(e);
            return a.connecting.isDone() ? null : a; // done at once (a loopback connect): nothing to abandon, nothing held
        }
        return null;
    }

    /** Whether the pool has a usable endpoint on a pod not in {@code tried}. */
    boolean hasOther(Pool pool, List<Endpoint> tried) {
        return !usableBut(pool, tried).isEmpty();
    }

    private List<Endpoint> usableBut(Pool pool, List<Endpoint> tried) {
        List<Endpoint> usable = health.usable(pool.id(), pool.endpoints());
        if (tried == null) {
            return usable;
        }
        List<Endpoint> others = new ArrayList<>(usable.size());
        for (Endpoint e : usable) {
            if (!onPodOf(tried, e)) {
                others.add(e);
            }
        }
        return others;
    }

    /**
     * Whether {@code e} is one of {@code endpoints}' pods: a pool may list one pod more than once (listed twice, two
     * backends or Services resolving to it, each with its own weight: records that differ, one key).
     */
    private static boolean onPodOf(List<Endpoint> endpoints, Endpoint e) {
        for (Endpoint t : endpoints) {
            if (t.key().equals(e.key())) {
                return true;
            }
        }
        return false;
    }

    /** Hands the owner an idle connection of this loop to {@code e}, if there is one. */
    private boolean reused(Endpoint e, Owner owner) {
        Channel parked = idle.poll(e);
        if (parked == null) {
            return false;
        }
        owner.connected(parked, e, true);
        return true;
    }

    /** The owner is done with the endpoint (the exchange or tunnel ended, or the handshake failed). */
    void release(Endpoint endpoint) {
        balancer.load().closed(endpoint);
    }

    DialListener listener() {
        return listener;
    }

    /** One dial: the endpoints tried so far and the connect in progress, whose listener it is (no object per connect). */
    private final class Attempt implements ChannelFutureListener, Dial {
        private final EventLoop loop;
        private final Pool pool;
        private final String hashKey;
        private final UpstreamTls tls;
        private final boolean reuseIdle;
        private final Owner owner;
        private List<Endpoint> tried;
        /** The connect in progress (or the last one), and its deadline on the loop's clock. */
        private ChannelPromise connecting;
        private Endpoint connectingTo;
        private LoopClock clock;
        private final LoopClock.Deadline connectDeadline = new LoopClock.Deadline(this::connectTimedOut);

        Attempt(EventLoop loop, Pool pool, String hashKey, UpstreamTls tls, boolean reuseIdle, Owner owner) {
            this.loop = loop;
            this.pool = pool;
            this.hashKey = hashKey;
            this.tls = tls;
            this.reuseIdle = reuseIdle;
            this.owner = owner;
        }

        /** After a failed connect: the next endpoint not tried yet, or the owner fails. */
        private void next() {
            Endpoint e = pool.select(usableBut(pool, tried), hashKey, balancer); // a pod refused once is not tried again
            if (e == null) {
                owner.failed(Failure.REFUSED);
                return;
            }
            if (!reuseIdle || !reused(e, owner)) {
                connect(e);
            }
        }


        void connect(Endpoint e) {
            Channel ch;
            try {
                ch = transport.newChannel(e.address());
            } catch (ChannelException noSocket) { // socket(2) failed: EMFILE or ENFILE
                release(e);
                noSocketLog.failed(noSocket);
                owner.failed(Failure.NO_SOCKET);
                return;
            }
            ch.config().setAutoRead(false);
            ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            ch.config().setWriteBufferWaterMark(ProxyContext.WATER_MARK);
            ch.config().setRecvByteBufAllocator(ProxyContext.RECV_ALLOCATOR);
            ch.config().setConnectTimeoutMillis(0); // timed on the loop's clock instead: no scheduled task per connect
            ChannelPipeline p = ch.pipeline();
            if (tls != null) {
                SslHandler ssl = UpstreamHandlers.newUpstreamHandler(ch.alloc(), tls, e.address().getHostString(), e.address().getPort());
                // no handshake timer of its own (Netty's default: a scheduled task per connection, 10 s): the owner's
                // deadline on the loop's clock bounds the handshake, as the rest of the exchange (only an upgrade
                // dials with TLS: its handshake deadline runs from before the dial until the 101)
                ssl.setHandshakeTimeoutMillis(0);
                p.addLast("tls", ssl);
            }
            owner.initChannel(p);
            if (owner.readsOnceConnected()) {
                transport.readFromRegistration(ch);
            }
            loop.register(ch); // on the client's loop: registration is done when this returns
            connecting = ch.newPromise();
            connectingTo = e;
            clock().arm(connectDeadline, config.upstream().connectTimeout().toNanos());
            connecting.addListener(this);
            ch.connect(e.address(), connecting);
        }

        /** The connect to {@link #connectingTo} is done (or failed, or timed out). */
        @Override
        public void operationComplete(ChannelFuture f) {
            clock.disarm(connectDeadline);
            Endpoint e = connectingTo;
            if (owner.abandoned()) {
                release(e);
                f.channel().close();
            } else if (f.isSuccess()) {
                owner.connected(f.channel(), e, false);
            } else {
                f.channel().close(); // Netty leaves a channel whose connect failed open (Bootstrap closes it, we dial without one)
                failed(e, f.cause());
            }
        }

        @Override
        public void abandon() {
            ChannelPromise p = connecting;
            if (p != null && !p.isDone()) {
                PeerClose.close(p.channel()); // from a client event or a timer; the connect fails, operationComplete releases
            }
        }

        @Override
        public void ownerTimedOut() {
            ChannelPromise p = connecting;
            if (p != null && !p.isDone()) {
                Endpoint e = connectingTo;
                metrics.connectFailed(pool.id(), e);
                listener.connectFailed(pool.id(), e, new ConnectTimeoutException("no connection within the handshake timeout: "
                        + e.address()));
            }
        }

        private LoopClock clock() {
            if (clock == null) {
                clock = LoopClock.of(loop);
            }
            return clock;
        }

        /** As Netty's own connect timeout: the connect fails with a ConnectTimeoutException, and the channel closes. */
        private void connectTimedOut() {
            ChannelPromise p = connecting;
            if (p != null && p.tryFailure(new ConnectTimeoutException("connection timed out after "
                    + config.upstream().connectTimeout().toMillis() + " ms: " + connectingTo.address()))) {
                p.channel().close();
            }
        }

        private void failed(Endpoint e, Throwable cause) {
            release(e);
            LOG.debugf("connect to %s for %s failed: %s", e, pool.id(), cause.toString());
            metrics.connectFailed(pool.id(), e);
            listener.connectFailed(pool.id(), e, cause);
            if (tried == null) {
                tried = new ArrayList<>(2);
            }
            tried.add(e);
            next();
        }
    }
}
