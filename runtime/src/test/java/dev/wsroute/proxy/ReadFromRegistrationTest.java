package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.epoll.Epoll;

/**
 * With epoll, the listeners' acceptor asks for an accepted connection's reads before its registration, so that the
 * registration carries the read interest (one {@code epoll_ctl} instead of two). That relies on Netty 4.1's epoll
 * channel noting a read asked for while unregistered and registering with it. The acceptor sits in the server
 * bootstrap's handler place, so a bootstrap with a handler of its own is refused.
 */
class ReadFromRegistrationTest {
    private Transport transport;
    private final AtomicInteger readsAsked = new AtomicInteger();
    private final CompletableFuture<String> firstRead = new CompletableFuture<>();

    /** The data plane's client handler stand-in: every read() the pipeline asks for stops here, before the channel. */
    private final ClientAcceptor.Setup noReadsAsked = new ClientAcceptor.Setup() {
        @Override
        public boolean init(Channel ch) {
            ch.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
                @Override
                public void read(ChannelHandlerContext ctx) {
                    readsAsked.incrementAndGet(); // not passed on
                }
            }, new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ByteBuf b = (ByteBuf) msg;
                    firstRead.complete(b.toString(StandardCharsets.US_ASCII));
                    b.release();
                }
            });
            return true;
        }

        @Override
        public void registered(ChannelFuture registration) {
        }
    };

    @BeforeEach
    void start() {
        assertThat(Epoll.isAvailable()).as("the epoll transport (Linux)").isTrue();
        transport = Transport.create(1, Transport.Kind.EPOLL);
    }

    @AfterEach
    void stop() {
        transport.group().shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void aConnectionOfTheShippedBootstrapReadsItsFirstRequestThoughNoReadReachedIt() throws Exception {
        Listeners listeners = Listeners.bind(transport, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                () -> DataPlane.clientBootstrap(transport), noReadsAsked);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), listeners.port())) {
            OutputStream out = client.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();

            assertThat(firstRead.get(30, TimeUnit.SECONDS)).startsWith("GET / HTTP/1.1\r\n"); // the bound only stops a hang
            assertThat(readsAsked.get()).as("Netty asked for reads on activation; none reached the channel").isPositive();
        } finally {
            listeners.close();
        }
    }

    @Test
    void theAcceptorTakesTheServerBootstrapsHandlerPlaceSoItRefusesABootstrapWithOne() {
        assertThatThrownBy(() -> Listeners.bind(transport, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                () -> DataPlane.clientBootstrap(transport).handler(new ChannelInboundHandlerAdapter()), noReadsAsked))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
