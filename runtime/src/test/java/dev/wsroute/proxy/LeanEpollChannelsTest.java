package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.LeanEpollServerSocketChannel;
import io.netty.channel.epoll.LeanEpollSocketChannel;
import io.netty.channel.epoll.SocketFamilies;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;

/**
 * The epoll transport serves with wsroute's lean channels (Netty's, minus the address and option look-ups and
 * {@code epoll_ctl} calls nobody needs per connection: {@code bench/run.sh --strace} counts them), and they behave as
 * Netty's: addresses when asked, connects that succeed and fail, a channel moved between loops, a lingering close.
 */
class LeanEpollChannelsTest {
    private Transport transport;
    private ServerSocket server;

    @BeforeEach
    void start() throws Exception {
        assertThat(Epoll.isAvailable()).as("the epoll transport (Linux)").isTrue();
        transport = Transport.create(2, Transport.Kind.EPOLL);
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void stop() throws Exception {
        transport.group().shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        server.close();
    }

    @Test
    void theEpollTransportServesWithTheLeanChannels() {
        ServerSocketChannel listener = transport.serverChannels().newChannel();
        SocketChannel ch = transport.newChannel();
        try {
            assertThat(listener).isInstanceOf(LeanEpollServerSocketChannel.class);
            assertThat(ch).isInstanceOf(LeanEpollSocketChannel.class);
            assertThat((Object) ch.config().getRecvByteBufAllocator()).isSameAs(ProxyContext.RECV_ALLOCATOR);
        } finally {
            ch.unsafe().closeForcibly();
            listener.unsafe().closeForcibly();
        }
    }

    @Test
    void aChannelMadeWithItsReadPolicyChecksItOnceAndKeepsItWhenSetAgain() throws Exception {
        AtomicInteger handles = new AtomicInteger();
        AdaptiveRecvByteBufAllocator reads = new AdaptiveRecvByteBufAllocator() {
            @Override
            public Handle newHandle() {
                handles.incrementAndGet();
                return super.newHandle();
            }
        };
        LeanEpollSocketChannel client = new LeanEpollSocketChannel(null, reads);
        try {
            assertThat((Object) client.config().getRecvByteBufAllocator()).isSameAs(reads);
            assertThat(handles).as("Netty's check of the allocator's kind").hasValue(1);
            client.config().setRecvByteBufAllocator(reads); // as the dialer and the server bootstrap's child options do
            client.config().setOption(ChannelOption.RCVBUF_ALLOCATOR, reads);
            assertThat(handles).as("nothing made to set what is set").hasValue(1);
            AdaptiveRecvByteBufAllocator other = new AdaptiveRecvByteBufAllocator();
            client.config().setRecvByteBufAllocator(other);
            assertThat((Object) client.config().getRecvByteBufAllocator()).isSameAs(other);
        } finally {
            client.unsafe().closeForcibly();
        }

        CompletableFuture<SocketChannel> accepted = new CompletableFuture<>();
        LeanEpollServerSocketChannel listener = new LeanEpollServerSocketChannel(reads);
        listener.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                SocketChannel child = (SocketChannel) msg;
                accepted.complete(child);
                child.unsafe().closeForcibly();
            }
        });
        transport.group().next().register(listener).sync();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync();
        try (Socket c = new Socket(InetAddress.getLoopbackAddress(), listener.localAddress().getPort())) {
            assertThat((Object) accepted.get(30, TimeUnit.SECONDS).config().getRecvByteBufAllocator())
                    .as("an accepted channel's").isSameAs(reads);
        } finally {
            listener.close().sync();
        }
    }

    @Test
    void anAcceptedChannelKnowsBothAddresses() throws Exception {
        CompletableFuture<SocketChannel> accepted = new CompletableFuture<>();
        Listeners listeners = Listeners.bind(transport, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                () -> DataPlane.clientBootstrap(transport), new ClientAcceptor.Setup() {
                    @Override
                    public boolean init(Channel ch) {
                        return true;
                    }

                    @Override
                    public void registered(ChannelFuture registration) {
                        accepted.complete((SocketChannel) registration.channel());
                    }
                });
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), listeners.port())) {
            SocketChannel ch = accepted.get(30, TimeUnit.SECONDS);
            assertThat(ch).isInstanceOf(LeanEpollSocketChannel.class);
            assertThat(ch.parent()).isInstanceOf(LeanEpollServerSocketChannel.class);
            assertThat(ch.isActive()).isTrue();
            assertThat(ch.remoteAddress().getPort()).isEqualTo(client.getLocalPort());
            assertThat(ch.localAddress().getPort()).as("looked up when asked").isEqualTo(listeners.port());
        } finally {
            listeners.close();
        }
    }

    @Test
    void aClientChannelConnectsAndKnowsBothAddresses() throws Exception {
        SocketChannel ch = connected(transport.group().next());
        try (Socket peer = server.accept()) {
            assertThat(ch.remoteAddress().getPort()).isEqualTo(server.getLocalPort());
            assertThat(ch.localAddress().getPort()).isEqualTo(peer.getPort());
            ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'x'})).sync();
            assertThat(peer.getInputStream().read()).isEqualTo('x');
        } finally {
            ch.close().sync();
        }
    }

    @Test
    void aClientChannelAskedForItsLocalAddressBeforeItConnectsKnowsItOnceConnected() throws Exception {
        AtomicReference<SocketAddress> beforeConnect = new AtomicReference<>();
        SocketChannel ch = connected(transport.group().next(), registered -> {
            registered.toString(); // asks for it too (a log line)
            beforeConnect.set(registered.localAddress());
        });
        try (Socket peer = server.accept()) {
            assertThat(ch.localAddress().getPort()).as("not the unconnected socket's wildcard").isEqualTo(peer.getPort());
            assertThat(beforeConnect.get()).as("none before the connect, as Netty's").isNull();
        } finally {
            ch.close().sync();
        }
    }

    @Test
    void manyBuffersWrittenAtOnceArriveInOrderAndWritabilityComesBack() throws Exception {
        // Netty's channel sizes its first gathering write from SO_SNDBUF; the lean one starts unbounded (one writev of
        // up to IOV_MAX buffers) and takes what the kernel takes: 4 MiB in 256 buffers against a slow reader
        CountDownLatch writableAgain = new CountDownLatch(1);
        SocketChannel ch = connected(transport.group().next(), registered -> {
            registered.config().setWriteBufferWaterMark(ProxyContext.WATER_MARK);
            registered.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                    if (ctx.channel().isWritable()) {
                        writableAgain.countDown();
                    }
                }
            });
        });
        try (Socket peer = server.accept()) {
            int buffers = 256;
            int size = 16 * 1024;
            ch.eventLoop().execute(() -> {
                for (int i = 0; i < buffers; i++) {
                    byte[] b = new byte[size];
                    Arrays.fill(b, (byte) i);
                    ch.write(Unpooled.wrappedBuffer(b));
                }
                ch.flush();
            });
            InputStream in = peer.getInputStream();
            byte[] buf = new byte[7000];
            long total = 0;
            while (total < (long) buffers * size) {
                int n = in.read(buf);
                assertThat(n).as("bytes after %s", total).isPositive();
                for (int j = 0; j < n; j++) {
                    if (buf[j] != (byte) ((total + j) / size)) {
                        throw new AssertionError("byte " + (total + j) + " out of order");
                    }
                }
                total += n;
            }
            assertThat(writableAgain.await(30, TimeUnit.SECONDS)).as("writable again").isTrue();
        } finally {
            ch.close().sync();
        }
    }

    @Test
    void aRefusedConnectFails() throws Exception {
        for (InetAddress host : new InetAddress[] {InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")}) {
            int closedPort;
            try (ServerSocket gone = new ServerSocket(0, 1, host)) {
                closedPort = gone.getLocalPort();
            }
            SocketChannel ch = transport.newChannel();
            EventLoop loop = transport.group().next();
            loop.register(ch).sync();
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            InetSocketAddress to = new InetSocketAddress(host, closedPort);
            ch.connect(to).addListener(f -> failed.complete(f.cause()));
            Throwable cause = failed.get(30, TimeUnit.SECONDS);
            assertThat(cause).as("to %s", to).isInstanceOf(ConnectException.class);
            assertThat(cause.getMessage()).as("names the address, as Netty's").endsWith(": " + to);
            ch.closeFuture().sync();
            assertThat(ch.isOpen()).isFalse();
            assertThat(ch.remoteAddress()).as("never connected").isNull();
        }
    }

    /** A connect that waits past its timeout fails as Netty's does, naming the address it was asked for. */
    @Test
    void aConnectThatTimesOutFailsNamingItsAddress() throws Exception {
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // a listener that never accepts: once its accept queue is full, the kernel drops further SYNs
            List<Socket> queued = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 16; i++) {
                    Socket s = new Socket();
                    queued.add(s);
                    try {
                        s.connect(full.getLocalSocketAddress(), 200);
                    } catch (java.net.SocketTimeoutException dropped) {
                        break;
                    }
                }
                SocketChannel ch = transport.newChannel();
                ch.config().setConnectTimeoutMillis(300);
                transport.group().next().register(ch).sync();
                InetSocketAddress to = (InetSocketAddress) full.getLocalSocketAddress();
                CompletableFuture<Throwable> failed = new CompletableFuture<>();
                ch.connect(to).addListener(f -> failed.complete(f.cause()));
                Throwable cause = failed.get(30, TimeUnit.SECONDS);
                assertThat(cause).isInstanceOf(ConnectTimeoutException.class);
                assertThat(cause.getMessage()).endsWith(" ms: " + to);
                ch.closeFuture().sync();
                assertThat(ch.remoteAddress()).isNull();
            } finally {
                for (Socket s : queued) {
                    s.close();
                }
            }
        }
    }

    /**
     * Netty's socket constructor asks the kernel for the socket's family ({@code getsockname}), and its connect, once
     * finished, for the peer's address ({@code getpeername}); the lean channels know both (bench/README "System calls
     * per session" counts them).
     */
    @Test
    void socketsAreMadeAndConnectedWithoutLookingUpWhatTheChannelKnows() {
        assertThat(LeanEpollSocketChannel.familyLookupSkipped()).as("no getsockname per socket made").isTrue();
        assertThat(LeanEpollSocketChannel.peerLookupSkipped()).as("no getpeername per connect").isTrue();
    }

    /** An accepted socket has its listener's family (a dual-stack one here): as the kernel says, over IPv4 and IPv6. */
    @Test
    void anAcceptedChannelsSocketHasTheKernelsFamilyOverIpv4AndIpv6() throws Exception {
        for (InetAddress from : new InetAddress[] {InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")}) {
            CompletableFuture<SocketChannel> accepted = new CompletableFuture<>();
            Listeners listeners = Listeners.bind(transport, new InetSocketAddress(InetAddress.getByName("::"), 0),
                    () -> DataPlane.clientBootstrap(transport), new ClientAcceptor.Setup() {
                        @Override
                        public boolean init(Channel ch) {
                            return true;
                        }

                        @Override
                        public void registered(ChannelFuture registration) {
                            accepted.complete((SocketChannel) registration.channel());
                        }
                    });
            try (Socket client = new Socket(from, listeners.port())) {
                SocketChannel ch = accepted.get(30, TimeUnit.SECONDS);
                assertThat(SocketFamilies.made(ch)).as("from %s", from).isEqualTo(SocketFamilies.kernel(ch));
                assertThat(ch.remoteAddress().getAddress()).isEqualTo(client.getLocalAddress());
                assertThat(ch.remoteAddress().getPort()).isEqualTo(client.getLocalPort());
                assertThat(ch.localAddress().getAddress()).isEqualTo(from);
                assertThat(ch.localAddress().getPort()).isEqualTo(listeners.port());
                ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'z'})).sync();
                assertThat(client.getInputStream().read()).isEqualTo('z');
            } finally {
                listeners.close();
            }
        }
    }

    /**
     * A client socket has the family it was made with (as the kernel says: its connects use it), connects over IPv4 and
     * IPv6, and knows the address it connected to without asking the kernel: the very address it was given (Netty's
     * makes another from the kernel's answer).
     */
    @Test
    void aClientChannelsSocketHasItsFamilyAndKnowsThePeerItConnectedTo() throws Exception {
        try (ServerSocket v6 = new ServerSocket(0, 50, InetAddress.getByName("::1"))) {
            Object[][] cases = {
                    {InternetProtocolFamily.IPv4, server}, {null, server}, {null, v6}, {InternetProtocolFamily.IPv6, server},
                    {InternetProtocolFamily.IPv6, v6}};
            for (Object[] c : cases) {
                InternetProtocolFamily family = (InternetProtocolFamily) c[0];
                ServerSocket peerListener = (ServerSocket) c[1];
                SocketChannel ch = transport.channels().apply(family);
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter());
                transport.group().next().register(ch).sync();
                InetSocketAddress to = new InetSocketAddress(peerListener.getInetAddress().getHostAddress(),
                        peerListener.getLocalPort());
                ch.connect(to).sync();
                try (Socket peer = peerListener.accept()) {
                    String what = family + " socket to " + to;
                    assertThat(SocketFamilies.made(ch)).as(what).isEqualTo(SocketFamilies.kernel(ch));
                    assertThat(SocketFamilies.made(ch)).as(what).isEqualTo(
                            io.netty.channel.unix.Socket.shouldUseIpv6(family) ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4);
                    assertThat(ch.remoteAddress()).as(what).isSameAs(to);
                    assertThat(ch.localAddress().getPort()).as(what).isEqualTo(peer.getPort());
                    ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'x'})).sync();
                    assertThat(peer.getInputStream().read()).isEqualTo('x');
                } finally {
                    ch.close().sync();
                }
            }
        }
    }

    /** First asked for after the close: the address it was connected to, as Netty's. */
    @Test
    void aClosedChannelStillKnowsThePeerItWasConnectedTo() throws Exception {
        SocketChannel ch = transport.newChannel();
        transport.group().next().register(ch).sync();
        InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
        ch.connect(to).sync();
        try (Socket peer = server.accept()) {
            ch.close().sync();
            assertThat(ch.remoteAddress()).isEqualTo(to);
        }
    }

    @Test
    void aChannelMovedToAnotherLoopKeepsItsConnection() throws Exception {
        EventLoop first = transport.group().next();
        EventLoop second = transport.group().next();
        assertThat(second).isNotSameAs(first);
        CompletableFuture<String> read = new CompletableFuture<>();
        SocketChannel ch = connected(first);
        try (Socket peer = server.accept()) {
            ch.deregister().sync(); // open: taken out of the first loop's epoll set, not closed
            assertThat(ch.isOpen()).isTrue();
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    read.complete(((ByteBuf) msg).toString(java.nio.charset.StandardCharsets.US_ASCII));
                    ((ByteBuf) msg).release();
                }
            });
            second.register(ch).sync();
            peer.getOutputStream().write('y');
            assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo("y");
        } finally {
            ch.close().sync();
        }
    }

    @Test
    void closingEndsTheConnectionAlsoWithLingerSet() throws Exception {
        for (int linger : new int[] {-1, 1}) {
            SocketChannel ch = connected(transport.group().next());
            try (Socket peer = server.accept()) {
                ch.config().setOption(ChannelOption.SO_LINGER, linger);
                assertThat(ch.config().getSoLinger()).isEqualTo(linger);
                ch.close().sync();
                assertThat(ch.isOpen()).isFalse();
                InputStream in = peer.getInputStream();
                assertThat(in.read()).as("the peer sees the end, linger %s", linger).isEqualTo(-1);
            }
        }
    }

    /**
     * Netty's close makes a ClosedChannelException, to fail the writes still queued, at every close: two per proxied
     * WebSocket session, nearly always with nothing queued. The lean channel's close with nothing queued makes none
     * (JFR records every Throwable made), and the connection still ends after all that was written.
     */
    @Test
    void aCloseWithNothingQueuedMakesNoException() throws Exception {
        assertThat(LeanEpollSocketChannel.quietCloseLinked()).as("Netty's close found to link to").isTrue();
        Path file = Files.createTempFile("lean-close", ".jfr");
        try {
            try (Recording recording = new Recording()) {
                recording.enable("jdk.JavaExceptionThrow");
                recording.start();
                for (int i = 0; i < 3; i++) {
                    SocketChannel ch = connected(transport.group().next());
                    try (Socket peer = server.accept()) {
                        ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'x'})).sync(); // written: nothing queued
                        ch.close().sync();
                        assertThat(ch.closeFuture().isSuccess()).isTrue();
                        InputStream in = peer.getInputStream();
                        assertThat(in.read()).isEqualTo('x');
                        assertThat(in.read()).as("the peer sees the end").isEqualTo(-1);
                    }
                }
                recording.stop();
                recording.dump(file);
            }
            List<String> closedChannel = RecordingFile.readAllEvents(file).stream()
                    .map(e -> e.getClass("thrownClass").getName())
                    .filter(name -> name.contains("ClosedChannelException"))
                    .toList();
            assertThat(closedChannel).as("exceptions made by the three closes").isEmpty();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Writes still queued at a close fail as with Netty's close (a ClosedChannelException of their own). */
    @Test
    void writesQueuedAtACloseStillFail() throws Exception {
        SocketChannel ch = connected(transport.group().next());
        try (Socket peer = server.accept()) {
            ChannelFuture unflushed = ch.eventLoop().submit(() -> ch.write(Unpooled.wrappedBuffer(new byte[] {'x'}))).get();
            ch.close().sync();
            assertThat(unflushed.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(unflushed.cause()).isInstanceOf(ClosedChannelException.class);
            assertThat(peer.getInputStream().read()).as("nothing written, the end").isEqualTo(-1);
        }
    }

    @Test
    void aSecondConnectIsRefused() throws Exception {
        SocketChannel ch = connected(transport.group().next());
        try (Socket peer = server.accept()) {
            assertThatThrownBy(() -> ch.connect(server.getLocalSocketAddress()).sync())
                    .isInstanceOfAny(java.nio.channels.AlreadyConnectedException.class, ExecutionException.class);
        } finally {
            ch.close().sync();
        }
    }

    private SocketChannel connected(EventLoop loop) throws Exception {
        return connected(loop, registered -> {
        });
    }

    private SocketChannel connected(EventLoop loop, Consumer<SocketChannel> beforeConnect) throws Exception {
        SocketChannel ch = transport.newChannel();
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter());
        loop.register(ch).sync();
        beforeConnect.accept(ch);
        ch.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort())).sync();
        return ch;
    }

}
