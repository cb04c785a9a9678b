package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.Meters;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The listeners' own acceptor ({@link ClientAcceptor}): where one listener accepts for every loop (NIO, no
 * {@code SO_REUSEPORT}) its connections still go to every loop, and a connection whose registration fails is closed
 * and leaves the connection count. Guards behaviour Netty's acceptor had.
 */
class ClientAcceptorTest {

    @Test
    void oneNioListenerHandsItsConnectionsToEveryLoop() throws Exception {
        try (EchoBackend a = EchoBackend.start("a");
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.transport", "nio", "wsroute.io-threads", "2",
                        "wsroute.access-log.enabled", "false"))) {
            px.routes(WebSocketProxyTest.simpleRoute(a.endpoint()));
            assertThat(px.dataPlane.listeners()).hasSize(1);
            List<WsClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    WsClient c = WsClient.connect(px.ws("/echo"), Map.of());
                    clients.add(c);
                    assertThat(c.roundTrip("m" + i)).isEqualTo("m" + i);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> count(px.dataPlane.liveTunnels()) == 4);
                Set<EventLoop> loops = new HashSet<>();
                px.dataPlane.liveTunnels().forEach(t -> loops.add(t.client.channel.eventLoop()));
                assertThat(loops).as("the client connections' event loops").hasSize(2);
            } finally {
                for (WsClient c : clients) {
                    c.close();
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> px.dataPlane.clientConnections() == 0);
        }
    }

    @Test
    void aConnectionWhoseRegistrationFailsIsClosedAndLeavesTheCount() throws Exception {
        Transport transport = Transport.create(1, Transport.Kind.NIO);
        Transport stopped = Transport.create(1, Transport.Kind.NIO);
        stopped.group().shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        try {
            ProxyContext px = new ProxyContext(TestConfig.wsroute("wsroute.access-log.enabled", "false"), new RouteTableHolder(),
                    new ProxyMetrics(Meters.NONE), () -> null, transport);
            EmbeddedChannel listener = new EmbeddedChannel(
                    new ClientAcceptor(transport, new ClientInitializer(px, false), stopped.group(), Map.of()));
            NioSocketChannel accepted = new NioSocketChannel();

            listener.writeInbound(accepted); // as a listener's read of a new connection: registered on a loop that is gone

            await().atMost(Duration.ofSeconds(10)).until(() -> !accepted.isOpen());
            assertThat(px.metrics.clientConnections().get()).isZero();
            assertThat((Object) listener.readInbound()).as("nothing passed on").isNull();
            listener.close();
        } finally {
            transport.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    private static int count(Iterable<?> items) {
        int n = 0;
        for (Object ignored : items) {
            n++;
        }
        return n;
    }
}
