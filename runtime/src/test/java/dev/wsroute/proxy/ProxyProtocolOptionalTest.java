package dev.wsroute.proxy;

import static dev.wsroute.proxy.ProxyProtocolTest.errors;
import static dev.wsroute.proxy.ProxyProtocolTest.get;
import static dev.wsroute.proxy.ProxyProtocolTest.on;
import static dev.wsroute.proxy.ProxyProtocolTest.v2;
import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.micrometer.MicrometerMeters;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.LogLines;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;
import dev.wsroute.testing.TlsClients;
import dev.wsroute.testing.WsClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * wsroute.listen.proxy-protocol-optional: while a balancer that sends the PROXY header is put in front (or taken
 * away), some clients still arrive without it. With the header required they were closed ("missing"); optional, they
 * are served as direct clients — their TCP peer is the client — and counted, while connections with a header still
 * get the header's client. Before the setting, the start-up refused it as unknown, and these clients were cut.
 */
class ProxyProtocolOptionalTest {
    static final String OPTIONAL = "wsroute.listen.proxy-protocol-optional";

    static double absent(ProxyHarness px) {
        return px.metrics.get("wsroute.proxy.protocol.absent").counter().count();
    }

    @Test
    void clientsWithoutAHeaderAreServedAsDirectClientsAndCountedThoseWithOneGetItsClient() throws Exception {
        try (EchoBackend up = EchoBackend.start("up"); ProxyHarness px = on(OPTIONAL, "true").start()) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp direct = new RawHttp(px.port()); RawHttp proxied = new RawHttp(px.port())) {
                String answer = direct.send(get("up.test")).readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(200);
                assertThat(answer).contains("\"x-forwarded-for\":\"127.0.0.1\"");
                assertThat(direct.send(get("up.test")).readResponse()).as("kept alive").contains("\"x-forwarded-for\":\"127.0.0.1\"");

                answer = proxied.send("PROXY TCP4 203.0.113.7 127.0.0.1 40001 8080\r\n" + get("up.test")).readResponse();
                assertThat(answer).contains("\"x-forwarded-for\":\"203.0.113.7\"");
            }
            try (RawHttp v2 = new RawHttp(px.port())) {
                v2.send(v2(0x21, 0x11, InetAddress.getByName("203.0.113.8"), InetAddress.getByName("127.0.0.1"), 1, 2));
                assertThat(v2.send(get("up.test")).readResponse()).contains("\"x-forwarded-for\":\"203.0.113.8\"");
            }
            assertThat(absent(px)).isEqualTo(1.0);
            assertThat(errors(px, "missing") + errors(px, "malformed") + errors(px, "timeout")).isZero();

            try (RawHttp broken = new RawHttp(px.port())) { // a signature, then garbage: still a broken header
                broken.send("PROXY TCP4 999.0.0.1 127.0.0.1 1 2\r\n");
                assertThat(broken.closedByServer()).isTrue();
            }
            // Netty's decoder closes a malformed header's connection before it raises what the stage counts
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(errors(px, "malformed")).isEqualTo(1.0));
        }
    }

    @Test
    void aWebSocketWithoutAHeaderIsRelayed() throws Exception {
        try (EchoBackend up = EchoBackend.start("up"); ProxyHarness px = on(OPTIONAL, "true").start()) {
            px.routes(TestRoutes.wsAndHttp("echo", "/ws", up.endpoint()));
            try (WsClient ws = WsClient.connect(px.ws("/ws"), Map.of())) {
                assertThat(ws.roundTrip("no header")).isEqualTo("no header");
            }
            assertThat(absent(px)).isEqualTo(1.0);
        }
    }

    /** On the TLS port a direct client's first byte begins a ClientHello: the TLS stages get it. */
    @Test
    void aDirectTlsClientIsServed() throws Exception {
        try (EchoBackend up = EchoBackend.start("up");
                ProxyHarness px = new ProxyHarness(TestConfig.withTls("wsroute.listen.proxy-protocol", "true", OPTIONAL, "true"))) {
            TestCertificates.Authority ca = TestCertificates.authority("optional proxy protocol CA");
            px.routesWithSecrets(TestRoutes.httpOverTls(up.endpoint(), ca));
            try (SSLSocket tls = TlsClients.connect(ca.clientSslContext(), px.dataPlane.tlsPort(), "localhost")) {
                String answer = new RawHttp(tls).send("GET /who HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(200);
                assertThat(answer).contains("\"x-forwarded-for\":\"127.0.0.1\"", "\"x-forwarded-proto\":\"https\"");
            }
            assertThat(absent(px)).isEqualTo(1.0);
        }
    }

    /** A peer outside proxy-protocol-from is a direct client: its header is not taken, so it is no HTTP (400). */
    @Test
    void aPeerOutsideProxyProtocolFromIsADirectClientWhoseHeaderIsNotTaken() throws Exception {
        try (EchoBackend up = EchoBackend.start("up");
                ProxyHarness px = on(OPTIONAL, "true", "wsroute.listen.proxy-protocol-from", "10.0.0.0/8").start()) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp direct = new RawHttp(px.port())) {
                assertThat(direct.send(get("up.test")).readResponse()).contains("\"x-forwarded-for\":\"127.0.0.1\"");
            }
            try (RawHttp forger = new RawHttp(px.port())) {
                String answer = forger.send("PROXY TCP4 203.0.113.7 127.0.0.1 40001 8080\r\n" + get("up.test")).readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(400);
            }
            assertThat(absent(px)).isEqualTo(2.0);
            assertThat(errors(px, "untrusted-peer")).isZero();
        }
    }

    /** Silent until the deadline: closed as a silent client is, and no header error; a header begun and left is one. */
    @Test
    void aSilentConnectionIsNoHeaderErrorAHeaderLeftUnfinishedIs() throws Exception {
        try (EchoBackend up = EchoBackend.start("up");
                ProxyHarness px = on(OPTIONAL, "true", "wsroute.limits.request-header-timeout", "1s").start()) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp silent = new RawHttp(px.port())) {
                assertThat(silent.closedByServer()).isTrue();
            }
            assertThat(errors(px, "timeout")).isZero();
            try (RawHttp slow = new RawHttp(px.port())) {
                slow.send("PROXY TCP4 203.0.");
                assertThat(slow.closedByServer()).isTrue();
            }
            assertThat(errors(px, "timeout")).isEqualTo(1.0);
            assertThat(absent(px)).isZero();
        }
    }

    /** A first read of one byte that could begin a header ('P' of POST): the request is served whole once it tells. */
    @Test
    void aRequestWhoseFirstByteCouldBeginAHeaderReachesTheStagesWhole() throws Exception {
        Transport transport = Transport.create(1, Transport.Kind.NIO);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try {
            ProxyContext on = new ProxyContext(TestConfig.wsroute("wsroute.listen.proxy-protocol", "true", OPTIONAL, "true"),
                    new RouteTableHolder(), new ProxyMetrics(new MicrometerMeters(registry)), () -> null, transport);
            EmbeddedChannel ch = new EmbeddedChannel(false, false);
            new ClientInitializer(on, false).init(ch);
            ch.register();
            ch.writeInbound(Unpooled.copiedBuffer("P", StandardCharsets.US_ASCII));
            ch.writeInbound(Unpooled.copiedBuffer("OST /upload HTTP/1.1\r\nHost: up.test\r\nContent-Length: 0\r\n\r\n", StandardCharsets.US_ASCII));
            ch.runPendingTasks();
            assertThat(ch.pipeline().names()).startsWith("http", "receiver").doesNotContain("proxy-protocol-decoder", "proxy-protocol");
            assertThat(ch.isOpen()).isTrue();
            String answer = ch.outboundMessages().stream().map(m -> ((io.netty.buffer.ByteBuf) m).toString(StandardCharsets.US_ASCII))
                    .reduce("", String::concat);
            assertThat(answer).as("no route: the request was read whole, as POST").startsWith("HTTP/1.1 404");
            assertThat(registry.get("wsroute.proxy.protocol.absent").counter().count()).isEqualTo(1.0);
            ch.finishAndReleaseAll(); // closes it, and frees the answer it kept
        } finally {
            transport.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    @Test
    void theStartUpSaysHeadersAreOptionalOrThatTheSettingIsIgnored() throws Exception {
        try (LogLines log = LogLines.of(DataPlane.class.getName()); ProxyHarness px = on(OPTIONAL, "true").start()) {
            assertThat(log.lines()).anyMatch(l -> l.contains("served as direct clients") && l.contains("any peer"));
        }
        try (LogLines log = LogLines.of(DataPlane.class.getName()); ProxyHarness off = new ProxyHarness(TestConfig.wsroute(OPTIONAL, "true"))) {
            assertThat(log.lines()).anyMatch(l -> l.contains("proxy-protocol-optional is set but wsroute.listen.proxy-protocol is off"));
        }
    }
}
