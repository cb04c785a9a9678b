package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.Meters;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.vertx.core.Vertx;

/**
 * What a connection's pipelines hold once set up: every stage is a pipeline change (and a context, and Netty's checks)
 * paid per session or per connection, so the shape is pinned. An open WebSocket keeps one stage a channel, the one
 * that ran its handshake there, now handing every event to the tunnel's side (the codec is gone); a keep-alive HTTP
 * connection keeps codec and receiver between requests, and a request changes neither. A guard: a stage added to
 * these paths must change this test, and say what it costs per session.
 * <p>
 * A ws:// session makes 4 pipeline changes: on the client's channel codec and receiver added before registration
 * ({@link ClientAcceptor}), and at the upgrade the codec removed (handing on the bytes read past the head); on the
 * upstream's, its one stage added before it connects. (6 while each tunnel side took the place of the stage that ran
 * the handshake on its channel; 7 while the server bootstrap's child handler was added to each connection, and
 * replaced itself with the codec once registered.)
 */
class PipelineShapeTest {

    @Test
    void anUpgradeChangesNoStageButTheCodecsRemoval() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (EchoBackend a = new EchoBackend(vertx, "a");
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.access-log.enabled", "false"))) {
            px.routes(WebSocketProxyTest.simpleRoute(a.endpoint()));
            try (WsClient c = WsClient.connect(HttpClient.newHttpClient(), px.ws("/echo"), Map.of())) {
                assertThat(c.roundTrip("m")).isEqualTo("m");
                await().atMost(Duration.ofSeconds(10)).until(() -> tunnels(px).size() == 1);
                Tunnel t = tunnels(px).get(0);

                // the stages each channel got before its first byte, in place: the receiver the connection was
                // accepted with, the handler its dial gave the upstream connection
                assertThat(stages(t.client.channel)).containsExactly("receiver");
                assertThat(onLoop(t.client.channel, () -> t.client.channel.pipeline().first())).isInstanceOf(ClientRequestReceiver.class);
                assertThat(stages(t.upstream.channel)).containsExactly("websocket");
                assertThat(onLoop(t.upstream.channel, () -> t.upstream.channel.pipeline().first())).isInstanceOf(UpstreamWebSocketHandler.class);
                assertThat(c.roundTrip("n")).isEqualTo("n");
            }
        } finally {
            vertx.close();
        }
    }

    @Test
    void aKeepAliveHttpConnectionKeepsCodecAndReceiverAcrossRequests() throws Exception {
        Transport transport = Transport.create(1, Transport.Kind.NIO);
        try {
            ProxyContext px = new ProxyContext(TestConfig.wsroute("wsroute.access-log.enabled", "false"), new RouteTableHolder(),
                    new ProxyMetrics(Meters.NONE), () -> null, transport);
            EmbeddedChannel connection = new EmbeddedChannel(false, false);
            assertThat(new ClientInitializer(px, false).init(connection)).isTrue();
            // as a listener's connection: codec and receiver in place before the registration, nothing added then (the
            // embedded channel's own initializer, which leaves at the registration, aside)
            assertThat(connection.pipeline().toMap().keySet()).containsSubsequence("http", "receiver");
            connection.register();
            assertThat(stages(connection)).containsExactly("http", "receiver");

            for (int i = 0; i < 2; i++) { // no route and no default backend: answered here, 404, and kept open
                connection.writeInbound(Unpooled.copiedBuffer("GET /" + i + " HTTP/1.1\r\nhost: a.test\r\n\r\n", StandardCharsets.US_ASCII));
                ByteBuf answer = connection.readOutbound();
                assertThat(answer.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 404");
                answer.release();
                assertThat(connection.isOpen()).isTrue();
                assertThat(stages(connection)).containsExactly("http", "receiver");
            }
            connection.close();
        } finally {
            transport.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    private static List<Tunnel> tunnels(ProxyHarness px) {
        List<Tunnel> open = new ArrayList<>();
        px.dataPlane.liveTunnels().forEach(open::add);
        return open;
    }

    /** The names of a channel's stages, read on its event loop. */
    private static List<String> stages(Channel ch) throws Exception {
        return onLoop(ch, () -> new ArrayList<>(ch.pipeline().toMap().keySet()));
    }

    private static <T> T onLoop(Channel ch, Callable<T> read) throws Exception {
        if (ch.eventLoop().inEventLoop()) { // an EmbeddedChannel's
            return read.call();
        }
        return ch.eventLoop().submit(read).get(10, TimeUnit.SECONDS);
    }
}
