package dev.wsroute.proxy;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;

import org.jboss.logging.Logger;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.LeanEpollServerSocketChannel;
import io.netty.channel.epoll.LeanEpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.incubator.channel.uring.IOUring;
import io.netty.incubator.channel.uring.IOUringEventLoopGroup;
import io.netty.incubator.channel.uring.IOUringServerSocketChannel;
import io.netty.incubator.channel.uring.IOUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The socket transport of the data plane: {@code epoll} (the default on Linux), {@code io_uring} where asked for
 * and the kernel allows it, {@code nio} elsewhere. A transport that can't run here falls back to the next one
 * with a warning; the startup line names the one that runs.
 *
 * @param serverChannels makes the listeners' channels
 * @param channels makes an unregistered client channel of a protocol family (null: the platform's preferred one)
 * @param reusePort whether several listeners may share a port ({@code SO_REUSEPORT}): then each event loop gets its
 *        own listener and keeps the connections it accepts (Netty's NIO transport does not offer the option)
 * @param readsBeforeRegistration whether {@link #readFromRegistration} works here (epoll)
 */
record Transport(String name, EventLoopGroup group, ChannelFactory<? extends ServerSocketChannel> serverChannels,
        Function<InternetProtocolFamily, SocketChannel> channels, boolean reusePort, boolean readsBeforeRegistration) {
    private static final Logger LOG = Logger.getLogger(Transport.class);

    /** The transports by name; {@code auto}: the best one the platform has. */
    enum Kind { AUTO, EPOLL, IO_URING, NIO }

    static Transport create(int threads, Kind wanted) {
        return create(threads, wanted, true);
    }

    /** @param warn whether to say what is wrong with the transport asked for (a private data plane's would say it twice) */
    static Transport create(int threads, Kind wanted, boolean warn) {
        ThreadFactory tf = new DefaultThreadFactory("wsroute-io", true);
        if (wanted == Kind.IO_URING) {
            Logger.Level level = warn ? Logger.Level.WARN : Logger.Level.DEBUG;
            if (ioUringAvailable()) {
                LOG.log(level, "the io_uring transport is experimental: under load some WebSocket handshakes stall until their"
                        + " timeout (504); use epoll in production");
                return new Transport("io_uring", new IOUringEventLoopGroup(threads, tf), IOUringServerSocketChannel::new,
                        family -> new IOUringSocketChannel(), true, false);
            }
            LOG.logf(level, "io_uring transport asked for but not available here (%s): using %s", ioUringUnavailability(),
                    Epoll.isAvailable() ? "epoll" : "nio");
        }
        if (wanted != Kind.NIO && Epoll.isAvailable()) {
            EventLoopGroup group = new EpollEventLoopGroup(threads, tf);
            if (leanChannelsLink()) {
                RecvByteBufAllocator reads = ProxyContext.RECV_ALLOCATOR; // each channel made with it: set once, not twice
                return new Transport("epoll", group, () -> new LeanEpollServerSocketChannel(reads),
                        family -> new LeanEpollSocketChannel(family, reads), true, true);
            }
            return new Transport("epoll", group, EpollServerSocketChannel::new,
                    family -> family == null ? new EpollSocketChannel() : new EpollSocketChannel(family), true, true);
        }
        return new Transport("nio", new NioEventLoopGroup(threads, tf), NioServerSocketChannel::new,
                family -> family == null ? new NioSocketChannel() : new NioSocketChannel(SelectorProvider.provider(), family), false, false);
    }

    /**
     * Whether wsroute's epoll channels, which spare Netty's a few system calls per connection, link against the Netty
     * here: they use package-private parts of it, which a Netty release may change.
     */
    private static boolean leanChannelsLink() {
        try {
            new LeanEpollServerSocketChannel(ProxyContext.RECV_ALLOCATOR).unsafe().closeForcibly();
            new LeanEpollSocketChannel(null, ProxyContext.RECV_ALLOCATOR).unsafe().closeForcibly();
            return true;
        } catch (LinkageError | RuntimeException e) {
            LOG.warnf("wsroute's epoll channels do not link against this Netty (%s): using Netty's, which make more"
                    + " system calls per connection", e);
            return false;
        }
    }

    static Kind kind(String name) {
        try {
            return Kind.valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            LOG.warnf("unknown transport '%s' (auto, epoll, io_uring, nio): using auto", name);
            return Kind.AUTO;
        }
    }

    private static boolean ioUringAvailable() {
        try {
            return IOUring.isAvailable();
        } catch (Throwable e) { // the native library is missing or does not link: fall back
            return false;
        }
    }

    private static String ioUringUnavailability() {
        try {
            Throwable cause = IOUring.unavailabilityCause();
            return cause == null ? "unknown" : cause.toString();
        } catch (Throwable e) {
            return e.toString();
        }
    }

    /** A new, unregistered client socket channel of the platform's preferred family. */
    SocketChannel newChannel() {
        return channels.apply(null);
    }

    /**
     * A new, unregistered client socket channel of the family of {@code target}: an IPv4 socket for an IPv4
     * endpoint spares the system call that makes a dual-stack IPv6 socket accept IPv4-mapped addresses.
     */
    SocketChannel newChannel(InetSocketAddress target) {
        return channels.apply(target.getAddress() instanceof Inet4Address ? InternetProtocolFamily.IPv4 : null);
    }

    /**
     * Asks for reads of a channel not registered yet, so that its registration already carries the read interest:
     * Netty's epoll channel registers without it and adds it with a second {@code epoll_ctl} once the channel reads
     * (on activation, or when auto-read is turned on). Its {@code beginRead} only notes the interest while the
     * channel is unregistered, and its first registration then asks for it. Elsewhere nothing happens here (NIO's
     * and io_uring's read needs the registration), and reading starts as usual.
     */
    void readFromRegistration(Channel ch) {
        if (readsBeforeRegistration && !ch.isRegistered()) {
            ch.unsafe().beginRead();
        }
    }
}
