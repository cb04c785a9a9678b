package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.LeanEpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/**
 * Two channels of one epoll loop have events in the same batch: the first a read, the second its peer's hang-up (FIN).
 * The first one's handler closes the second and connects a new channel (as a tunnel that ends while a handshake next
 * to it dials). Closed at once, the second's descriptor number can go to the new channel, and Netty hands it the
 * second's pending hang-up: the new channel, still connecting, has its input shut down (on Linux that aborts the
 * connect). Closed with {@link PeerClose}, the second gets its own hang-up and the new channel nothing stray.
 */
class PeerCloseTest {
    private EpollEventLoopGroup loop;
    private ServerSocket server;
    /** A listener whose accept queue is full: a connect to it stays in progress. */
    private ServerSocket fullQueue;
    private final List<Socket> held = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        assertThat(Epoll.isAvailable()).as("the epoll transport (Linux)").isTrue();
        loop = new EpollEventLoopGroup(1);
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        fullQueue = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        for (int i = 0; i < 2; i++) {
            held.add(new Socket(InetAddress.getLoopbackAddress(), fullQueue.getLocalPort()));
        }
    }

    @AfterEach
    void stop() throws Exception {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        for (Socket s : held) {
            s.close();
        }
        server.close();
        fullQueue.close();
    }

    @Test
    void aPeerClosedAtOnceMidBatchHandsItsPendingReadToTheChannelThatReusesItsDescriptor() throws Exception {
        Outcome o = closeThePeerMidBatchAndConnect(Channel::close);

        assertThat(o.newChannelFd).as("the new channel got the closed peer's descriptor").isEqualTo(o.peerFd);
        assertThat(o.stray).as("what the new, still connecting channel was handed").contains(ChannelInputShutdownEvent.INSTANCE);
    }

    @Test
    void aPeerClosedWithPeerCloseGetsItsOwnEventAndTheNewChannelNothingStray() throws Exception {
        Outcome o = closeThePeerMidBatchAndConnect(PeerClose::close);

        assertThat(o.stray).isEmpty();
        assertThat(o.peerSawItsHangUp.await(10, TimeUnit.SECONDS)).as("the peer's own hang-up reached the peer").isTrue();
    }

    record Outcome(int peerFd, int newChannelFd, List<Object> stray, CountDownLatch peerSawItsHangUp) {
    }

    private Outcome closeThePeerMidBatchAndConnect(Consumer<Channel> closePeer) throws Exception {
        ConcurrentLinkedQueue<Object> stray = new ConcurrentLinkedQueue<>();
        CompletableFuture<Integer> newChannelFd = new CompletableFuture<>();
        CountDownLatch peerSawItsHangUp = new CountDownLatch(1);
        Channel[] peer = new Channel[1];
        int[] peerFd = new int[1];

        Channel first = connect(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ((ByteBuf) msg).release();
                closePeer.accept(peer[0]);
                LeanEpollSocketChannel fresh = freshChannelTaking(peerFd[0]);
                fresh.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true); // as the dialer makes upstream channels
                fresh.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext c, Object evt) {
                        stray.add(evt);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                        stray.add(cause);
                    }
                });
                ctx.channel().eventLoop().register(fresh); // on the loop: registered when this returns
                fresh.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), fullQueue.getLocalPort()));
                newChannelFd.complete(fresh.fd().intValue());
            }
        });
        Socket firstServerSide = server.accept();
        peer[0] = connect(new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt == ChannelInputShutdownEvent.INSTANCE) {
                    peerSawItsHangUp.countDown();
                }
            }
        });
        peer[0].config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        Socket peerServerSide = server.accept();
        peerFd[0] = ((LeanEpollSocketChannel) peer[0]).fd().intValue();

        // hold the loop while both events happen: its next epoll_wait reports both, the read first
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        OutputStream out = firstServerSide.getOutputStream();
        out.write('x');
        out.flush();
        peerServerSide.shutdownOutput();
        release.countDown();

        int fd = newChannelFd.get(10, TimeUnit.SECONDS);
        CountDownLatch settled = new CountDownLatch(1);
        loop.execute(settled::countDown); // after the batch and the tasks it queued
        assertThat(settled.await(10, TimeUnit.SECONDS)).isTrue();
        first.close().sync();
        firstServerSide.close();
        peerServerSide.close();
        return new Outcome(peerFd[0], fd, List.copyOf(stray), peerSawItsHangUp);
    }

    /**
     * A new channel whose socket has the given descriptor number if that number is free now: a busy proxy opens many
     * sockets, and the lowest free number goes to the next one; sockets opened on the way are closed.
     */
    private static LeanEpollSocketChannel freshChannelTaking(int fd) {
        List<LeanEpollSocketChannel> others = new ArrayList<>();
        LeanEpollSocketChannel fresh = new LeanEpollSocketChannel(null, ProxyContext.RECV_ALLOCATOR);
        while (fresh.fd().intValue() != fd && others.size() < 1_000) {
            others.add(fresh);
            fresh = new LeanEpollSocketChannel(null, ProxyContext.RECV_ALLOCATOR);
        }
        for (LeanEpollSocketChannel o : others) {
            o.unsafe().closeForcibly();
        }
        return fresh;
    }

    private Channel connect(ChannelInboundHandlerAdapter handler) throws Exception {
        LeanEpollSocketChannel ch = new LeanEpollSocketChannel(null, ProxyContext.RECV_ALLOCATOR);
        ch.pipeline().addLast(handler);
        loop.register(ch).sync();
        ch.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort())).sync();
        return ch;
    }

    private static void write(Socket s) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write('x');
        out.flush();
    }
}
