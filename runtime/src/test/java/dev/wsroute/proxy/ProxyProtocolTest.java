package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.Meters;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.LogLines;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * wsroute.listen.proxy-protocol: behind an L4 balancer every connection's peer is the balancer, and the PROXY header
 * it sends first names the client. With the setting on, that source is the client for X-Forwarded-For, Forwarded,
 * the access log and the per-client rate limit; a connection without a valid header is closed and counted, others
 * are untouched. Before, the header was read as a request line (400) and every client was the balancer.
 * Real PROXY senders (HAProxy, curl) are in {@link ProxyProtocolPeersTest}; these write the headers byte by byte.
 */
class ProxyProtocolTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    /** wsroute.listen.proxy-protocol=true and these settings. */
    static OnSettings on(String... more) {
        String[] all = Arrays.copyOf(more, more.length + 2);
        all[more.length] = "wsroute.listen.proxy-protocol";
        all[more.length + 1] = "true";
        return new OnSettings(all);
    }

    record OnSettings(String[] settings) {
        ProxyHarness start() throws InterruptedException {
            return new ProxyHarness(TestConfig.wsroute(settings));
        }
    }

    /** The start-up says so where a header is taken from anyone, or where a list of peers does nothing. */
    @Test
    void startUpWarnsWhereAnyPeerMayNameTheClientOrTheListOfPeersIsIgnored() throws Exception {
        try (LogLines log = LogLines.of(DataPlane.class.getName()); ProxyHarness any = on().start()) {
            assertThat(log.lines()).anyMatch(l -> l.contains("taken from any peer"));
        }
        try (LogLines log = LogLines.of(DataPlane.class.getName());
                ProxyHarness listed = on("wsroute.listen.proxy-protocol-from", "10.0.0.0/8").start()) {
            assertThat(log.lines()).anyMatch(l -> l.contains("taken from") && l.contains("10.0.0.0/8")).noneMatch(l -> l.contains("any peer"));
        }
        try (LogLines log = LogLines.of(DataPlane.class.getName());
                ProxyHarness off = new ProxyHarness(TestConfig.wsroute("wsroute.listen.proxy-protocol-from", "10.0.0.0/8"))) {
            assertThat(log.lines()).anyMatch(l -> l.contains("proxy-protocol-from is set but wsroute.listen.proxy-protocol is off"));
        }
    }

    static String get(String host) {
        return "GET /who HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
    }

    @Test
    void aV1HeaderNamesTheClientForXForwardedForForwardedAndTheAccessLog() throws Exception {
        try (LogLines access = LogLines.of(AccessLogOutput.CATEGORY); EchoBackend up = EchoBackend.start("up");
                ProxyHarness px = on().start()) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                // header and request in one write: what follows the header in the same read is the request
                String answer = client.send("PROXY TCP4 203.0.113.7 127.0.0.1 40001 8080\r\n" + get("up.test")).readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(200);
                assertThat(answer).contains("\"x-forwarded-for\":\"203.0.113.7\"")
                        .contains("\"forwarded\":\"for=203.0.113.7;host=up.test;proto=http\"");
                // a kept-alive connection's next request: the same client
                answer = client.send(get("up.test")).readResponse();
                assertThat(answer).contains("\"x-forwarded-for\":\"203.0.113.7\"");
            }
            await().atMost(WAIT).untilAsserted(() -> assertThat(access.lines()).anySatisfy(l -> assertThat(l).contains(
                    "http client=203.0.113.7:40001 ", "host=up.test")));
        }
    }

    @Test
    void aV2HeaderForAnIpv6ClientAndTheRequestInALaterWrite() throws Exception {
        try (EchoBackend up = EchoBackend.start("up"); ProxyHarness px = on().start()) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                client.send(v2(0x21, 0x21, InetAddress.getByName("2001:db8::7"), InetAddress.getByName("::1"), 40002, 8080));
                String answer = client.send(get("up.test")).readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(200);
                assertThat(answer).contains("\"x-forwarded-for\":\"2001:db8:0:0:0:0:0:7\"")
                        .contains("\"forwarded\":\"for=\\\"[2001:db8:0:0:0:0:0:7]\\\";host=up.test;proto=http\"");
            }
        }
    }

    @Test
    void aLocalOrUnknownHeaderKeepsThePeerAsTheClient() throws Exception {
        try (EchoBackend up = EchoBackend.start("up"); ProxyHarness px = on().start()) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) { // the balancer's health check
                String answer = client.send(v2(0x20, 0x00, null, null, 0, 0)).send(get("up.test")).readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(200);
                assertThat(answer).contains("\"x-forwarded-for\":\"127.0.0.1\"");
            }
            try (RawHttp client = new RawHttp(px.port())) {
                String answer = client.send("PROXY UNKNOWN\r\n" + get("up.test")).readResponse();
                assertThat(answer).contains("\"x-forwarded-for\":\"127.0.0.1\"");
            }
        }
    }

    /** rateLimit.handshakesPerClient: two clients behind one balancer are two buckets, not one. */
    @Test
    void theRateLimitCountsEachClientTheHeaderNames() throws Exception {
        try (EchoBackend up = EchoBackend.start("up"); ProxyHarness px = on().start()) {
            px.routes("""
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: chat, namespace: default}
                    spec:
                      rules:
                        - match: {path: {type: Prefix, value: /ws}}
                          backends: [{endpoints: ["%s"]}]
                          rateLimit: {handshakesPerClient: 1}
                    """.formatted(up.endpoint()));
            for (String client : List.of("198.51.100.1", "198.51.100.2", "198.51.100.3")) {
                try (RawHttp c = new RawHttp(px.port())) {
                    String head = c.send("PROXY TCP4 " + client + " 127.0.0.1 40000 8080\r\n"
                            + RawHttp.upgradeRequest("/ws", "chat.test")).readHead();
                    assertThat(status(head)).as(client + ": " + head).isEqualTo(101);
                }
            }
            assertThat(px.dataPlane.handshakeBuckets()).as("a bucket per client the headers named").isEqualTo(3);
        }
    }

    @Test
    void refusedHeadersCloseTheirConnectionAreCountedAndLeaveOthersAlone() throws Exception {
        try (EchoBackend up = EchoBackend.start("up"); ProxyHarness px = on().start()) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp good = new RawHttp(px.port())) {
                assertThat(status(good.send("PROXY TCP4 203.0.113.9 127.0.0.1 1 2\r\n" + get("up.test")).readResponse())).isEqualTo(200);

                refused(px, get("up.test").getBytes(StandardCharsets.US_ASCII)); // no header: a client around the balancer
                refused(px, "PROXY TCP4 999.0.0.1 127.0.0.1 1 2\r\n".getBytes(StandardCharsets.US_ASCII));
                refused(px, ("PROXY TCP4 " + "1".repeat(120)).getBytes(StandardCharsets.US_ASCII)); // no end of line within 107 bytes
                byte[] badVersion = v2(0x21, 0x11, InetAddress.getByName("203.0.113.1"), InetAddress.getByName("127.0.0.1"), 1, 2);
                badVersion[12] = 0x31; // version 3
                refused(px, badVersion);
                byte[] shortAddresses = v2(0x21, 0x11, InetAddress.getByName("203.0.113.1"), InetAddress.getByName("127.0.0.1"), 1, 2);
                shortAddresses[15] = 4; // TCP4 with 4 bytes of addresses
                refused(px, Arrays.copyOf(shortAddresses, 20));

                assertThat(errors(px, "missing")).isEqualTo(1.0);
                // Netty's decoder closes a malformed header's connection before it raises what the stage counts
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(errors(px, "malformed")).isEqualTo(4.0));
                assertThat(errors(px, "timeout")).isZero();
                String again = good.send(get("up.test")).readResponse();
                assertThat(status(again)).as("the connection with a good header is untouched").isEqualTo(200);
                assertThat(again).contains("\"x-forwarded-for\":\"203.0.113.9\"");
            }
        }
    }

    @Test
    void aHeaderNotCompleteWithinTheRequestHeaderTimeoutClosesTheConnection() throws Exception {
        try (EchoBackend up = EchoBackend.start("up"); ProxyHarness px = on("wsroute.limits.request-header-timeout", "1s").start()) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp slow = new RawHttp(px.port())) {
                slow.send("PROXY TCP4 203.0.");
                assertThat(slow.closedByServer()).isTrue();
            }
            try (RawHttp silent = new RawHttp(px.port())) {
                assertThat(silent.closedByServer()).as("one that sends nothing").isTrue();
            }
            assertThat(errors(px, "timeout")).isEqualTo(2.0);
            assertThat(px.metrics.find("wsroute.http.requests").counters()).as("no 408: there was no HTTP to answer").isEmpty();
        }
    }

    @Test
    void aPeerOutsideProxyProtocolFromIsClosedBeforeAnythingIsRead() throws Exception {
        try (EchoBackend up = EchoBackend.start("up");
                ProxyHarness px = on("wsroute.listen.proxy-protocol-from", "10.0.0.0/8,fd00::/8").start();
                ProxyHarness loopback = on("wsroute.listen.proxy-protocol-from", "10.0.0.0/8,127.0.0.0/8").start()) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            loopback.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                client.send("PROXY TCP4 203.0.113.7 127.0.0.1 40001 8080\r\n" + get("up.test"));
                assertThat(client.closedByServer()).isTrue();
            }
            assertThat(errors(px, "untrusted-peer")).isEqualTo(1.0);
            try (RawHttp client = new RawHttp(loopback.port())) {
                String answer = client.send("PROXY TCP4 203.0.113.7 127.0.0.1 40001 8080\r\n" + get("up.test")).readResponse();
                assertThat(answer).contains("\"x-forwarded-for\":\"203.0.113.7\"");
            }
            assertThat(errors(loopback, "untrusted-peer")).isZero();
        }
    }

    /** The session path is benchmarked: after the header nothing of the protocol stays; with the setting off nothing is added. */
    @Test
    void thePipelineHoldsNothingOfTheProtocolAfterTheHeaderAndNothingWhenOff() throws Exception {
        Transport transport = Transport.create(1, Transport.Kind.NIO);
        try {
            ProxyContext on = new ProxyContext(TestConfig.wsroute("wsroute.listen.proxy-protocol", "true"), new RouteTableHolder(),
                    new ProxyMetrics(Meters.NONE), () -> null, transport);
            EmbeddedChannel proxied = new EmbeddedChannel(false, false);
            new ClientInitializer(on, false).init(proxied);
            proxied.register();
            assertThat(proxied.pipeline().names()).startsWith("proxy-protocol-decoder", "proxy-protocol");
            proxied.writeInbound(Unpooled.copiedBuffer("PROXY TCP4 203.0.113.7 127.0.0.1 40001 8080\r\nGET / HT", StandardCharsets.US_ASCII));
            assertThat(proxied.pipeline().names()).startsWith("http", "receiver").doesNotContain("proxy-protocol-decoder", "proxy-protocol");
            assertThat(ClientAddress.of(proxied)).hasToString("/203.0.113.7:40001");
            proxied.close();

            ProxyContext off = new ProxyContext(TestConfig.wsroute(), new RouteTableHolder(), new ProxyMetrics(Meters.NONE), () -> null, transport);
            EmbeddedChannel plain = new EmbeddedChannel(false, false);
            new ClientInitializer(off, false).init(plain);
            plain.register();
            assertThat(plain.pipeline().names()).startsWith("http", "receiver").doesNotContain("proxy-protocol-decoder", "proxy-protocol");
            plain.close();
        } finally {
            transport.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    private static void refused(ProxyHarness px, byte[] first) throws Exception {
        try (RawHttp client = new RawHttp(px.port())) {
            client.send(first);
            assertThat(client.closedByServer()).as(new String(first, StandardCharsets.ISO_8859_1)).isTrue();
        }
    }

    static double errors(ProxyHarness px, String reason) {
        return px.metrics.get("wsroute.proxy.protocol.errors").tag("reason", reason).counter().count();
    }

    /** A PROXY v2 header: {@code verCmd} 0x21 PROXY / 0x20 LOCAL, {@code family} 0x11 TCP4, 0x21 TCP6, 0x00 UNSPEC. */
    static byte[] v2(int verCmd, int family, InetAddress src, InetAddress dst, int srcPort, int dstPort) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        out.write(verCmd);
        out.write(family);
        byte[] addresses = new byte[0];
        if (src != null) {
            ByteArrayOutputStream a = new ByteArrayOutputStream();
            a.writeBytes(src.getAddress());
            a.writeBytes(dst.getAddress());
            a.write(srcPort >> 8);
            a.write(srcPort);
            a.write(dstPort >> 8);
            a.write(dstPort);
            addresses = a.toByteArray();
        }
        out.write(addresses.length >> 8);
        out.write(addresses.length);
        out.writeBytes(addresses);
        return out.toByteArray();
    }
}
