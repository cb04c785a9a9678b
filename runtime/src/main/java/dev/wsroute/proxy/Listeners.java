package dev.wsroute.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.concurrent.EventExecutor;

/**
 * The server sockets of one port. Where the transport lets sockets share a port ({@code SO_REUSEPORT}: epoll,
 * io_uring), every event loop has its own listener and serves what it accepts, with the upstream connection on the
 * same loop: no connection is handed to another thread (a task and a wake-up each). Otherwise one listener accepts
 * for all loops, Netty's default.
 */
final class Listeners {
    private final List<Channel> channels;

    private Listeners(List<Channel> channels) {
        this.channels = channels;
    }

    /** A bind that failed: what the listener should have been, and why. */
    static final class BindFailed extends Exception {
        BindFailed(Throwable cause) {
            super(cause);
        }
    }

    /**
     * Binds the listeners of {@code address} (port 0: one ephemeral port, the same for all of them); returns once
     * they accept. {@code bootstrap} makes a server bootstrap with all but its event loops and its handler, whose place
     * a {@link ClientAcceptor} takes: it sets up each accepted connection with {@code clients} before registering it.
     */
    static Listeners bind(Transport transport, InetSocketAddress address, Supplier<ServerBootstrap> bootstrap,
            ClientAcceptor.Setup clients) throws InterruptedException, BindFailed {
        List<Channel> bound = new ArrayList<>();
        try {
            if (!transport.reusePort()) {
                bound.add(bindOne(transport, bootstrap.get().group(transport.group()), address, clients));
                return new Listeners(bound);
            }
            if (address.getPort() != 0) {
                refuseIfShared(address);
            }
            InetSocketAddress next = address;
            for (EventExecutor e : transport.group()) {
                EventLoop loop = (EventLoop) e;
                Channel ch = bindOne(transport, bootstrap.get().group(loop, loop).option(UnixChannelOption.SO_REUSEPORT, true), next,
                        clients);
                bound.add(ch);
                next = new InetSocketAddress(address.getAddress(), ((InetSocketAddress) ch.localAddress()).getPort());
            }
            return new Listeners(bound);
        } catch (BindFailed | RuntimeException e) {
            bound.forEach(Channel::close);
            throw e;
        }
    }

    private static Channel bindOne(Transport transport, ServerBootstrap b, InetSocketAddress address, ClientAcceptor.Setup clients)
            throws InterruptedException, BindFailed {
        if (b.config().handler() != null) {
            throw new IllegalArgumentException("the acceptor takes the place of the server bootstrap's handler");
        }
        b.handler(new ClientAcceptor(transport, clients, b.config().childGroup(), b.config().childOptions()));
        ChannelFuture f = b.bind(address).await();
        if (!f.isSuccess()) {
            throw new BindFailed(f.cause());
        }
        return f.channel();
    }

    /**
     * A port held by another process's {@code SO_REUSEPORT} listeners (another wsroute of the same user) would be
     * shared silently, splitting its connections between the two: a plain bind first, which any listener refuses.
     */
    private static void refuseIfShared(InetSocketAddress address) throws BindFailed {
        try (Socket probe = new Socket()) {
            probe.setReuseAddress(true); // as the listeners: a port whose old connections linger in TIME_WAIT is free
            probe.bind(address);
        } catch (IOException e) {
            throw new BindFailed(e);
        }
    }

    /** The port they listen on. */
    int port() {
        return ((InetSocketAddress) channels.get(0).localAddress()).getPort();
    }

    /** How many server sockets share the port. */
    int count() {
        return channels.size();
    }

    /** The server sockets, for tests. */
    List<Channel> channels() {
        return List.copyOf(channels);
    }

    /** Stops accepting: closes every listener and waits until they are closed. */
    void close() {
        for (Channel ch : channels) {
            ch.close().syncUninterruptibly();
        }
    }

}
