package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.wsroute.http.ClientHttpCodec;
import dev.wsroute.http.ClientHttpDecoder;
import dev.wsroute.metrics.Meters;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.TestConfig;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Every handler wsroute makes per connection or per session answers Netty's "may this handler be added twice?"
 * itself, with a constant: Netty's own answer is a look-up by class in a per-thread WeakHashMap, made at every
 * pipeline add (and at the construction of a decoder or combined codec), ~8 per proxied WebSocket session. The
 * constant must be what the annotation says, or Netty would let a stateful handler be added to two channels.
 */
class SharableAnswersTest {

    @Test
    void everyHandlerMadePerConnectionAnswersIsSharableItselfAsItsAnnotationSays() throws Exception {
        Transport transport = Transport.create(1, Transport.Kind.NIO);
        try {
            ProxyContext px = new ProxyContext(TestConfig.wsroute("wsroute.access-log.enabled", "false"), new RouteTableHolder(),
                    new ProxyMetrics(Meters.NONE), () -> null, transport);
            EmbeddedChannel tls = new EmbeddedChannel(false, false);
            new ClientInitializer(px, true).init(tls);
            tls.register(); // the TLS port's stages, as a listener's connection gets them
            ProxyProtocolStage header = new ProxyProtocolStage(px.metrics, 1, false, at -> { });
            TlsHandshakeCounter failures = new TlsHandshakeCounter(px.metrics, 1);
            List<ChannelHandlerAdapter> handlers = List.of(
                    new ClientAcceptor(transport, new ClientInitializer(px, false), transport.group(), java.util.Map.of()),
                    new ClientRequestReceiver(px, false, null),
                    new ClientHttpCodec(8192, 8192, 1024, () -> { }),
                    new ClientHttpDecoder(8192, 8192, 1024, new java.util.ArrayDeque<>(), () -> { }),
                    new UpstreamWebSocketHandler(null),
                    new UpstreamHttpHandler(),
                    new PlainHttpOnTlsPort(1, client -> { }),
                    failures,
                    (ChannelHandlerAdapter) failures.alertReader,
                    header,
                    (ChannelHandlerAdapter) header.decoder,
                    (ChannelHandlerAdapter) tls.pipeline().get("sni-tls"));

            for (ChannelHandlerAdapter h : handlers) {
                Class<?> type = h.getClass();
                assertThat(type.getDeclaredMethod("isSharable").getDeclaringClass()).as("%s answers itself", type.getName())
                        .isEqualTo(type);
                assertThat(h.isSharable()).as("%s says what its annotation says", type.getName())
                        .isEqualTo(type.isAnnotationPresent(ChannelHandler.Sharable.class));
            }
            tls.close();
        } finally {
            transport.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }
}
