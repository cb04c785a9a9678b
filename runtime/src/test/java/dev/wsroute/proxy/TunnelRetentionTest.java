package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.wsroute.http.ClientHttpCodec;
import dev.wsroute.lifecycle.LifecycleFixture;
import dev.wsroute.metrics.Meters;
import dev.wsroute.model.Lifecycle;
import dev.wsroute.model.RouteId;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.table.CompiledRule;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.table.PoolId;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.tls.TlsResolver;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * An open WebSocket keeps only what relaying needs. The stages that ran the upgrade stay in their pipelines for the
 * tunnel's life (the request receiver on the client's channel, the upstream's WebSocket handler), handing events to
 * its sides: they must let go of the finished handshake (request head, headers, early-bytes list, deadline) and of the
 * HTTP codec the upgrade removed, or an idle socket keeps them for its life (a close-future listener that captured the
 * receiver once kept ~1.6 KB per idle socket). And a closed tunnel is garbage at once, not kept (with both channels and
 * pipelines) until its loop's next sweep.
 */
class TunnelRetentionTest {

    @Test
    void anOpenTunnelKeepsNeitherTheHandshakeNorTheHttpCodecItsStagesUsed() throws Exception {
        Transport transport = Transport.create(1, Transport.Kind.NIO);
        EmbeddedChannel connection = new EmbeddedChannel(false, false);
        EmbeddedChannel upstream = new EmbeddedChannel();
        try {
            RouteTableHolder tables = chatRoute();
            ProxyContext px = new ProxyContext(TestConfig.wsroute("wsroute.access-log.enabled", "false"), tables,
                    new ProxyMetrics(Meters.NONE), () -> null, transport);
            List<WeakReference<?>> gone = upgradeAndStartTunnel(px, tables, connection, upstream);
            assertThat(px.metrics.clientConnections().get()).isEqualTo(1);

            await().atMost(Duration.ofSeconds(30)).until(() -> {
                System.gc();
                return gone.stream().allMatch(r -> r.get() == null);
            });

            // binary frame, masked, payload "hi" (mask 1 2 3 4): the receiver hands it to the tunnel's client side
            connection.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x82, (byte) 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2}));
            assertThat(upstream.outboundMessages()).as("relayed").isNotEmpty();
            upstream.releaseOutbound();
            assertThat(connection.isOpen()).isTrue();
            connection.close();
            assertThat(px.metrics.clientConnections().get()).as("the connection still stops counting when it closes").isZero();
        } finally {
            connection.finishAndReleaseAll();
            upstream.finishAndReleaseAll();
            transport.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    /**
     * Opens the connection as the listener does, removes its codec as the upgrade does, gives the upstream connection
     * the stage its dial gives it, and starts a tunnel over both as the handshake does; returns what must be garbage
     * then: the codec and the handshake.
     */
    private static List<WeakReference<?>> upgradeAndStartTunnel(ProxyContext px, RouteTableHolder tables, EmbeddedChannel connection,
            EmbeddedChannel upstream) throws Exception {
        ClientInitializer clients = new ClientInitializer(px, false);
        clients.init(connection); // counts the connection, adds codec and receiver
        connection.register();
        clients.registered(connection.newSucceededFuture()); // listens for its close
        ClientRequestReceiver receiver = connection.pipeline().get(ClientRequestReceiver.class);
        WeakReference<?> codec = new WeakReference<>(connection.pipeline().remove(ClientHttpCodec.class));
        CompiledRule rule = tables.current().route(new RouteId("default", "chat")).rules().get(0);
        UpgradeHandshake handshake = new UpgradeHandshake(px, connection.pipeline().context(receiver), null, null, rule, null);
        UpstreamWebSocketHandler upstreamStage = new UpstreamWebSocketHandler(handshake);
        upstream.pipeline().addLast(upstreamStage);
        assertThat(px.tunnels.tryAcquire(rule.key(), 10)).isTrue(); // the slot the handshake takes, released at the close
        new Tunnel(connection, upstream, rule.key(), Endpoint.of("127.0.0.1", 9001, 1), px.tunnelContext, null,
                Lifecycle.NONE, System.nanoTime()).start(Duration.ofHours(1), null, null, receiver, upstreamStage, 0);
        return List.of(codec, new WeakReference<>(handshake));
    }

    private static RouteTableHolder chatRoute() {
        RouteTableHolder tables = new RouteTableHolder();
        tables.publish(new TableBuilder(EndpointSource.STATIC, TlsResolver.NONE).build(1,
                RoutesDocuments.parse("test", LifecycleFixture.route("", "127.0.0.1:9001")
                        .getBytes(StandardCharsets.UTF_8)).routes(), p -> { }));
        return tables;
    }

    /**
     * A tunnel that relayed bytes waits in its loop clock's list for the next sweep (up to 250 ms) to report them. If
     * it closes before that sweep, the list must not keep it: kept, every session closed in the last quarter second
     * (its tunnel, both channels, pipelines, buffers' wrappers) was alive at each young collection, ~1.5 MB at a few
     * thousand sessions a second, copied, and promoted once the survivor space overflowed. The sweep never runs here
     * (the embedded loop runs scheduled tasks only when told to).
     */
    @Test
    void aClosedTunnelIsNotKeptUntilTheNextSweep() throws Exception {
        Transport transport = Transport.create(1, Transport.Kind.NIO);
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel upstream = new EmbeddedChannel();
        try {
            RouteTableHolder tables = chatRoute();
            ProxyContext px = new ProxyContext(TestConfig.wsroute("wsroute.access-log.enabled", "false"), tables,
                    new ProxyMetrics(Meters.NONE), () -> null, transport);
            WeakReference<Tunnel> tunnel = relayAndClose(px, tables, client, upstream);
            assertThat(px.tunnels.size()).as("closed").isZero();

            await().atMost(Duration.ofSeconds(30)).until(() -> {
                System.gc();
                return tunnel.get() == null;
            });
        } finally {
            client.finishAndReleaseAll();
            upstream.finishAndReleaseAll();
            transport.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    /** Starts a tunnel as the handshake does, relays one masked frame client to upstream, closes both sides. */
    private static WeakReference<Tunnel> relayAndClose(ProxyContext px, RouteTableHolder tables, EmbeddedChannel client,
            EmbeddedChannel upstream) {
        PoolId rule = tables.current().route(new RouteId("default", "chat")).rules().get(0).key();
        assertThat(px.tunnels.tryAcquire(rule, 10)).isTrue(); // the slot the handshake takes, released at the close
        UpstreamWebSocketHandler clientStage = new UpstreamWebSocketHandler(null); // any host will do: hands events to its side
        UpstreamWebSocketHandler upstreamStage = new UpstreamWebSocketHandler(null);
        client.pipeline().addLast(clientStage);
        upstream.pipeline().addLast(upstreamStage);
        Tunnel t = new Tunnel(client, upstream, rule, Endpoint.of("127.0.0.1", 9001, 1), px.tunnelContext, null,
                Lifecycle.NONE, System.nanoTime());
        t.start(Duration.ofHours(1), null, null, clientStage, upstreamStage, 0);

        // binary frame, masked, payload "hi" (mask 1 2 3 4)
        client.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x82, (byte) 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2}));
        assertThat(upstream.outboundMessages()).as("relayed").isNotEmpty();
        upstream.releaseOutbound();

        client.close();
        client.runPendingTasks();
        upstream.runPendingTasks(); // the tunnel closes the other side after the client's close
        client.runPendingTasks();
        assertThat(upstream.isOpen()).isFalse();
        return new WeakReference<>(t);
    }
}
