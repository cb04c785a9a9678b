package io.netty.channel.epoll;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.Executor;

import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.internal.PlatformDependent;

/**
 * Netty's epoll socket channel ({@link EpollSocketChannel}, a final class) without the system calls a proxy never
 * needs per connection, twelve fewer per proxied WebSocket session (37 -> 25): the local address is looked up when first
 * asked for, not at accept and connect ({@code getsockname}); a socket's family is not looked up when its object is made
 * (a {@code getsockname} per socket, see {@link LeanSockets}); a finished connect does not look up the peer's address
 * ({@code getpeername}, see {@link Requested}); the send buffer's size is not queried to size gathering
 * writes (Netty adapts that limit to what each write takes); no {@code SO_LINGER} look-up at close (the config knows
 * whether it was set); a closing socket leaves the epoll set by its {@code close} alone (no {@code epoll_ctl DEL});
 * and a connecting socket registers with the write interest its connect waits for (no {@code epoll_ctl MOD}).
 * A close with nothing queued makes no exception object either (see {@link LeanUnsafe#close}).
 * <p>
 * It lives in Netty's package for the package-private parts of its base classes;
 * {@code dev.wsroute.proxy.Transport} uses Netty's own channels where it does not link.
 */
public final class LeanEpollSocketChannel extends AbstractEpollStreamChannel implements SocketChannel {
    private final LeanEpollSocketChannelConfig config;
    private final ServerSocketChannel parent;
    private volatile InetSocketAddress local;
    private volatile InetSocketAddress remote;
    /** Where a connect that did not finish at once goes: the remote address once it has (see {@link Requested}). */
    private volatile InetSocketAddress connecting;
    private boolean closing;

    /**
     * An unconnected client channel of {@code family} (null: the platform's preferred one) whose reads size their
     * buffers with {@code reads}.
     */
    public LeanEpollSocketChannel(InternetProtocolFamily family, RecvByteBufAllocator reads) {
        super(LeanSockets.newStream(family), false);
        parent = null;
        config = new LeanEpollSocketChannelConfig(this, reads);
        // its connect waits for writability: asked for in the registration rather than in an epoll_ctl of its own
        // (the dialer registers and connects in one task of the loop; where a wait for events falls between them, as
        // with a Bootstrap, the unconnected socket's "writable, hung up" only makes an empty flush)
        flags |= Native.EPOLLOUT;
    }

    /** A channel {@code parent} accepted from {@code remote}. */
    LeanEpollSocketChannel(ServerSocketChannel parent, LinuxSocket fd, InetSocketAddress remote, RecvByteBufAllocator reads) {
        super(fd, false); // Netty's constructor for accepted channels looks the local address up
        this.parent = parent;
        this.remote = remote;
        active = true;
        config = new LeanEpollSocketChannelConfig(this, reads);
    }

    @Override
    public LeanEpollSocketChannelConfig config() {
        return config;
    }

    @Override
    public ServerSocketChannel parent() {
        return parent;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }

    @Override
    protected SocketAddress localAddress0() {
        InetSocketAddress l = local;
        if (l == null) {
            if (!active || !isOpen()) {
                // not connected (yet): Netty's answer, null unless bound; an unconnected socket's own (the wildcard,
                // port 0) would stay cached here and in AbstractChannel after the connect
                return super.localAddress0();
            }
            local = l = socket.localAddress();
        }
        return l;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        InetSocketAddress r = remote;
        if (r != null) {
            return r;
        }
        r = connecting;
        if (r != null && active) { // its connect finished (a failed one leaves the channel inactive)
            remote = r;
            return r;
        }
        return super.remoteAddress0(); // Netty's, where it looked the peer up
    }

    @Override
    protected boolean doConnect(SocketAddress remoteAddress, SocketAddress localAddress) throws Exception {
        SocketAddress target = remoteAddress instanceof Requested requested ? requested.address : remoteAddress;
        if (localAddress != null || !(target instanceof InetSocketAddress)) {
            boolean connected = super.doConnect(target, localAddress);
            if (connected) {
                clearFlag(Native.EPOLLOUT); // no wait for writability after all
            }
            return connected;
        }
        if (isActive()) {
            throw new AlreadyConnectedException();
        }
        InetSocketAddress to = (InetSocketAddress) target;
        checkResolvable(to);
        boolean connected = doConnect0(to); // Netty's doConnect then looks up the local address
        if (connected) {
            remote = to;
            clearFlag(Native.EPOLLOUT); // no wait for writability after all
        } else if (remoteAddress instanceof Requested) {
            connecting = to; // Netty's finishConnect won't look the peer up
        }
        return connected;
    }

    @Override
    protected void doClose() throws Exception {
        closing = true;
        InetSocketAddress to = connecting;
        if (to != null && active && remote == null) {
            remote = to; // Netty's close makes the channel inactive: keep what it was connected to, as Netty's does
        }
        super.doClose();
    }

    @Override
    protected void doDeregister() throws Exception {
        if (closing && !config.lingers()) {
            // closing the descriptor takes it out of the epoll set: Netty's remove() then skips its epoll_ctl DEL (a
            // lingering close blocks, and is left to the executor prepareToClose gave it)
            socket.close();
        }
        super.doDeregister();
    }

    @Override
    protected AbstractEpollUnsafe newUnsafe() {
        return new LeanUnsafe();
    }

    /**
     * Netty's private {@code AbstractUnsafe.close(promise, cause, closeCause, notify)}, which its public close calls
     * with a new exception; null where it is not there to link (another Netty), and then Netty's close serves.
     */
    private static final MethodHandle CLOSE = closeHandle();
    /** What writes queued at a close would fail with: only ever passed when none is queued, so never seen. */
    private static final ClosedChannelException NOTHING_QUEUED = new ClosedChannelException() {
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    };

    private static MethodHandle closeHandle() {
        try {
            return MethodHandles.privateLookupIn(AbstractChannel.AbstractUnsafe.class, MethodHandles.lookup()).findVirtual(
                    AbstractChannel.AbstractUnsafe.class, "close", MethodType.methodType(void.class, ChannelPromise.class,
                            Throwable.class, ClosedChannelException.class, boolean.class));
        } catch (ReflectiveOperationException | RuntimeException notThere) {
            return null;
        }
    }

    /** Whether a close with nothing queued makes no exception (Netty's private close was found); for tests. */
    public static boolean quietCloseLinked() {
        return CLOSE != null;
    }

    /**
     * Whether Netty keeps the address a pending connect was asked for as any {@link SocketAddress} (its field for it is
     * there as one): its {@code finishConnect} then looks the peer up ({@code getpeername}) only for an
     * {@link InetSocketAddress}. Elsewhere (another Netty) connects go as Netty's, with that look-up.
     */
    private static final boolean PEER_KNOWN = requestedAddressField();

    private static boolean requestedAddressField() {
        try {
            return AbstractEpollChannel.class.getDeclaredField("requestedRemoteAddress").getType() == SocketAddress.class;
        } catch (ReflectiveOperationException | RuntimeException notThere) {
            return false;
        }
    }

    /** Whether a connect's end skips Netty's look-up of the peer's address here; for tests. */
    public static boolean peerLookupSkipped() {
        return PEER_KNOWN;
    }

    /** Whether sockets are made without Netty's look-up of their family; for tests. */
    public static boolean familyLookupSkipped() {
        return LeanSockets.linked();
    }

    /**
     * The address a connect was asked for, as Netty's connect keeps it while it waits: not an
     * {@link InetSocketAddress}, so that Netty's {@code finishConnect} does not ask the kernel for the peer's address
     * (the channel has it, {@link #connecting}). Messages of a failed or timed-out connect name it as before.
     */
    private static final class Requested extends SocketAddress {
        private static final long serialVersionUID = 1L;
        final InetSocketAddress address;

        Requested(InetSocketAddress address) {
            this.address = address;
        }

        @Override
        public String toString() {
            return address.toString();
        }
    }

    private final class LeanUnsafe extends EpollStreamUnsafe {
        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            if (PEER_KNOWN && localAddress == null && remoteAddress instanceof InetSocketAddress to) {
                remoteAddress = new Requested(to); // our doConnect unwraps it
            }
            super.connect(remoteAddress, localAddress, promise);
        }

        /**
         * As Netty's close, which first makes a {@code ClosedChannelException} (an object, its stack element and two
         * arrays) for failing the writes still queued, on every call: a proxied WebSocket closes two channels, nearly
         * always with nothing queued, so two exceptions per session made and dropped. With nothing queued, Netty's own
         * close runs with one exception made once; with writes queued, Netty's close as it is, so they fail with an
         * exception of their own.
         */
        @Override
        public void close(ChannelPromise promise) {
            if (CLOSE != null && nothingQueued()) {
                try {
                    CLOSE.invokeExact((AbstractChannel.AbstractUnsafe) this, promise, (Throwable) NOTHING_QUEUED, NOTHING_QUEUED, false);
                } catch (Throwable t) {
                    PlatformDependent.throwException(t);
                }
                return;
            }
            super.close(promise);
        }

        /** No write queued, flushed or not (each adds its size and Netty's per-entry overhead to the pending bytes). */
        private boolean nothingQueued() {
            ChannelOutboundBuffer queue = outboundBuffer();
            return queue == null || (queue.isEmpty() && queue.totalPendingWriteBytes() == 0);
        }

        @Override
        protected Executor prepareToClose() {
            // as EpollSocketChannel's, without asking the socket for SO_LINGER at every close
            if (config.lingers() && isOpen()) {
                try {
                    // a lingering close blocks: off the loop, and out of the epoll set first so that it does not spin
                    ((EpollEventLoop) eventLoop()).remove(LeanEpollSocketChannel.this);
                    return GlobalEventExecutor.INSTANCE;
                } catch (Throwable ignore) { // closed meanwhile: close here
                }
            }
            return null;
        }
    }
}
