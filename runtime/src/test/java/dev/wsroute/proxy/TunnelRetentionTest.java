package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.wsroute.http.ClientHttpCodec;
import dev.wsroute.metrics.Meters;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.TestConfig;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * An open WebSocket keeps only what relaying needs. Once a tunnel has taken the receiver's place in the pipeline,
 * the receiver (and through it the finished handshake: request head, headers, early-bytes list, deadline) must be
 * garbage: a close-future listener that captured it kept ~1.6 KB alive per idle socket for the socket's life.
 */
class TunnelRetentionTest {

    @Test
    void aConnectionDoesNotKeepTheReceiverATunnelReplaced() throws Exception {
        Transport transport = Transport.create(1, Transport.Kind.NIO);
        try {
            ProxyContext px = new ProxyContext(TestConfig.wsroute("wsroute.access-log.enabled", "false"), new RouteTableHolder(),
                    new ProxyMetrics(Meters.NONE), () -> null, transport);
            EmbeddedChannel connection = new EmbeddedChannel(false, false);
            WeakReference<ClientRequestReceiver> receiver = openAndReplaceReceiver(px, connection);
            assertThat(px.metrics.clientConnections().get()).isEqualTo(1);

            await().atMost(Duration.ofSeconds(30)).until(() -> {
                System.gc();
                return receiver.get() == null;
            });

            assertThat(connection.isOpen()).isTrue();
            connection.close();
            assertThat(px.metrics.clientConnections().get()).as("the connection still stops counting when it closes").isZero();
        } finally {
            transport.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    /** Opens the connection as the listener does, then puts a handler in the receiver's place as {@link Tunnel#start} does. */
    private static WeakReference<ClientRequestReceiver> openAndReplaceReceiver(ProxyContext px, EmbeddedChannel connection)
            throws Exception {
        ClientInitializer clients = new ClientInitializer(px, false);
        clients.init(connection); // counts the connection, adds codec and receiver
        connection.register();
        clients.registered(connection.newSucceededFuture()); // listens for its close
        ClientRequestReceiver receiver = connection.pipeline().get(ClientRequestReceiver.class);
        connection.pipeline().remove(ClientHttpCodec.class);
        connection.pipeline().replace(receiver, "tunnel", new ChannelInboundHandlerAdapter());
        return new WeakReference<>(receiver);
    }
}
