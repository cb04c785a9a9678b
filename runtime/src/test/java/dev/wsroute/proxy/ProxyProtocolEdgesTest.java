package dev.wsroute.proxy;

import static dev.wsroute.proxy.ProxyProtocolTest.WAIT;
import static dev.wsroute.proxy.ProxyProtocolTest.errors;
import static dev.wsroute.proxy.ProxyProtocolTest.get;
import static dev.wsroute.proxy.ProxyProtocolTest.on;
import static dev.wsroute.proxy.ProxyProtocolTest.v2;
import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.Meters;
import dev.wsroute.metrics.micrometer.MicrometerMeters;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.LogLines;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * wsroute.listen.proxy-protocol as a client or an attacker would push it, over real sockets: headers split byte by
 * byte, the header and what follows in one write (TLS ClientHello; pipelined requests, an upgrade and its early
 * frames), v2 TLVs (well formed as balancers send them, and broken), a FIN before the header, the connection limit and
 * the listeners' close with connections still owing their header, and hashOn sourceIP by the header's address.
 */
class ProxyProtocolEdgesTest {

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A v2 PROXY TCP4 header from {@code src} with these TLV bytes after the addresses (the length counts them). */
    static byte[] v2WithTlvs(String src, byte[] tlvs) throws Exception {
        byte[] plain = v2(0x21, 0x11, InetAddress.getByName(src), InetAddress.getByName("127.0.0.1"), 40000, 8080);
        byte[] h = concat(plain, tlvs);
        int length = 12 + tlvs.length;
        h[14] = (byte) (length >> 8);
        h[15] = (byte) length;
        return h;
    }

    static byte[] tlv(int type, byte[] value) {
        return concat(new byte[] {(byte) type, (byte) (value.length >> 8), (byte) value.length}, value);
    }

    /** As an AWS NLB sends it (PP2_TYPE_AWS, subtype VPC endpoint id), with ALPN and authority as HAProxy may add. */
    static byte[] balancerTlvs() {
        return concat(tlv(0xEA, concat(new byte[] {0x01}, ascii("vpce-08d2bf15fEXAMPLE"))), tlv(0x01, ascii("http/1.1")),
                tlv(0x02, ascii("up.test")), tlv(0x20, concat(new byte[] {0x01, 0, 0, 0, 0}, tlv(0x21, ascii("TLSv1.3")))));
    }

    @Test
    void headersSplitByteByByteAndV2TlvsAsBalancersSendThem() throws Exception {
        try (EchoBackend up = EchoBackend.start("up"); ProxyHarness px = on().start()) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            Map<String, byte[]> headers = new HashMap<>();
            headers.put("203.0.113.21", ascii("PROXY TCP4 203.0.113.21 127.0.0.1 40001 8080\r\n"));
            headers.put("203.0.113.22", v2WithTlvs("203.0.113.22", balancerTlvs()));
            for (Map.Entry<String, byte[]> h : headers.entrySet()) {
                try (RawHttp client = new RawHttp(px.port())) {
                    client.socket.setTcpNoDelay(true);
                    for (byte b : h.getValue()) {
                        client.send(new byte[] {b});
                    }
                    String answer = client.send(get("up.test")).readResponse();
                    assertThat(status(answer)).as(answer).isEqualTo(200);
                    assertThat(answer).contains("\"x-forwarded-for\":\"" + h.getKey() + "\"");
                }
            }
            try (RawHttp client = new RawHttp(px.port())) { // the whole of it and the request in one write
                String answer = client.send(concat(v2WithTlvs("203.0.113.23", balancerTlvs()), ascii(get("up.test")))).readResponse();
                assertThat(answer).contains("\"x-forwarded-for\":\"203.0.113.23\"");
            }
            try (RawHttp client = new RawHttp(px.port())) { // v1 UNKNOWN may carry addresses: the receiver ignores them
                String answer = client.send("PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n" + get("up.test")).readResponse();
                assertThat(answer).contains("\"x-forwarded-for\":\"127.0.0.1\"");
            }
            assertThat(errors(px, "malformed") + errors(px, "missing") + errors(px, "timeout")).isZero();
        }
    }

    /**
     * Netty's TLV parse reads each TLV's length as given: one longer than what is left of the header threw
     * IndexOutOfBoundsException, which the stage did not count (not a HAProxyProtocolException) and which left the
     * TLVs read before it retained (a leak of the connection's buffer). Now refused before Netty parses them, as
     * malformed.
     */
    @Test
    void v2TlvsLongerThanTheHeaderAreMalformedAndCounted() throws Exception {
        byte[] overlong = concat(tlv(0xEA, ascii("vpce")), new byte[] {0x02, 0x01, 0x00}, ascii("short"));
        byte[] shortSsl = concat(tlv(0x01, ascii("h2")), tlv(0x20, new byte[] {0x01, 0}));
        byte[] overlongInSsl = concat(tlv(0x20, concat(new byte[] {0x01, 0, 0, 0, 0}, new byte[] {0x22, 0x00, 0x40}, ascii("cn"))));
        try (EchoBackend up = EchoBackend.start("up"); ProxyHarness px = on().start()) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            for (byte[] tlvs : List.of(overlong, shortSsl, overlongInSsl)) {
                try (RawHttp client = new RawHttp(px.port())) {
                    client.send(concat(v2WithTlvs("203.0.113.30", tlvs), ascii(get("up.test"))));
                    assertThat(client.closedByServer()).isTrue();
                }
            }
            await().atMost(WAIT).untilAsserted(() -> assertThat(errors(px, "malformed")).isEqualTo(3.0));
            try (RawHttp client = new RawHttp(px.port())) {
                assertThat(client.send(concat(v2WithTlvs("203.0.113.31", balancerTlvs()), ascii(get("up.test")))).readResponse())
                        .contains("\"x-forwarded-for\":\"203.0.113.31\"");
            }
        }
    }

    /** The same broken TLVs over an embedded channel: the connection's buffer is released in full (no retained slice left). */
    @Test
    void brokenV2TlvsLeaveNoBufferRetained() throws Exception {
        Transport transport = Transport.create(1, Transport.Kind.NIO);
        try {
            ProxyContext on = new ProxyContext(TestConfig.wsroute("wsroute.listen.proxy-protocol", "true"), new RouteTableHolder(),
                    new ProxyMetrics(Meters.NONE), () -> null, transport);
            for (byte[] tlvs : List.of(concat(tlv(0xEA, ascii("vpce")), new byte[] {0x02, 0x01, 0x00}),
                    concat(tlv(0x01, ascii("h2")), tlv(0x20, new byte[] {0x01})))) {
                EmbeddedChannel ch = new EmbeddedChannel(false, false);
                new ClientInitializer(on, false).init(ch);
                ch.register();
                ByteBuf in = Unpooled.copiedBuffer(v2WithTlvs("203.0.113.32", tlvs));
                in.retain(); // the test's own reference: after the close, it is the only one left
                ch.writeInbound(in);
                ch.close();
                assertThat(in.refCnt()).as("references left on the connection's buffer").isEqualTo(1);
                in.release();
            }
        } finally {
            transport.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    /**
     * A client around the balancer whose first read is one byte that could begin "PROXY " ("P" of "POST") is
     * {@code missing}, as one whose first read is the whole request: the signature is judged on its first 12 bytes, in
     * as many reads as they take. It was judged on the first read alone, and Netty's decoder then refused the rest as a
     * malformed header.
     */
    @Test
    void noSignatureIsMissingAlsoWhenItsFirstReadIsOneByteThatCouldBeginOne() throws Exception {
        Transport transport = Transport.create(1, Transport.Kind.NIO);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try {
            ProxyContext on = new ProxyContext(TestConfig.wsroute("wsroute.listen.proxy-protocol", "true"), new RouteTableHolder(),
                    new ProxyMetrics(new MicrometerMeters(registry)), () -> null, transport);
            EmbeddedChannel ch = new EmbeddedChannel(false, false);
            new ClientInitializer(on, false).init(ch);
            ch.register();
            ch.writeInbound(Unpooled.copiedBuffer(ascii("P")));
            assertThat(ch.isOpen()).as("one byte that could begin a header: wait for more").isTrue();
            ch.writeInbound(Unpooled.copiedBuffer(ascii("OST /upload HTTP/1.1\r\nHost: up.test\r\n\r\n")));
            assertThat(ch.isOpen()).isFalse();
            assertThat(registry.get("wsroute.proxy.protocol.errors").tag("reason", "missing").counter().count()).isEqualTo(1.0);
            assertThat(registry.get("wsroute.proxy.protocol.errors").tag("reason", "malformed").counter().count()).isZero();
        } finally {
            transport.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    /**
     * The listeners allow half-closure: a FIN before the header was seen by no stage, so the connection sat in
     * CLOSE-WAIT until the header's deadline and was then counted as a timeout (a TCP health check: every one of them).
     * Now it closes at once; a connect-and-close is no error, a header cut short is malformed.
     */
    @Test
    void aFinBeforeTheHeaderClosesAtOnce() throws Exception {
        try (EchoBackend up = EchoBackend.start("up"); ProxyHarness px = on("wsroute.limits.request-header-timeout", "10m").start()) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp check = new RawHttp(px.port())) { // a balancer's TCP health check
                check.socket.shutdownOutput();
                assertThat(check.closedByServer()).as("closed at the FIN, not at the header's deadline").isTrue();
            }
            try (RawHttp cut = new RawHttp(px.port())) {
                cut.send("PROXY TCP4 203.0.");
                cut.socket.shutdownOutput();
                assertThat(cut.closedByServer()).isTrue();
            }
            try (RawHttp whole = new RawHttp(px.port())) { // a header, then FIN: as a client that sends nothing more
                whole.send("PROXY TCP4 203.0.113.40 127.0.0.1 1 2\r\n");
                whole.socket.shutdownOutput();
                assertThat(whole.closedByServer()).isTrue();
            }
            await().atMost(WAIT).untilAsserted(() -> assertThat(errors(px, "malformed")).isEqualTo(1.0));
            assertThat(errors(px, "timeout")).isZero();
            assertThat(errors(px, "missing")).isZero();
            await().atMost(WAIT).until(() -> px.clientConnections() == 0);
        }
    }

    /** A header then nothing: the request head's own deadline follows the header's; a 408 as for any silent client. */
    @Test
    void aHeaderAndThenNothingGetsThe408OfAnyClientThatSendsNoRequest() throws Exception {
        try (LogLines access = LogLines.of(AccessLogOutput.CATEGORY); EchoBackend up = EchoBackend.start("up");
                ProxyHarness px = on("wsroute.limits.request-header-timeout", "1s").start()) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                String answer = client.send("PROXY TCP4 203.0.113.41 127.0.0.1 40041 2\r\n").readResponse();
                assertThat(status(answer)).isEqualTo(408);
                assertThat(client.closedByServer()).isTrue();
            }
            assertThat(errors(px, "timeout")).as("the header was on time").isZero();
            await().atMost(WAIT).untilAsserted(() -> assertThat(access.lines()).anySatisfy(l -> assertThat(l).contains("http client=203.0.113.41:40041", "status=408")));
        }
    }

    /** Header, two pipelined requests, an upgrade and a WebSocket frame sent before its 101: one write, all answered in order. */
    @Test
    void theHeaderPipelinedRequestsAnUpgradeAndEarlyFramesInOneWrite() throws Exception {
        try (LogLines access = LogLines.of(AccessLogOutput.CATEGORY); EchoBackend up = EchoBackend.named("up");
                ProxyHarness px = on().start()) {
            px.routes("""
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: up, namespace: default}
                    spec:
                      hosts: [up.test]
                      rules:
                        - match: {path: {type: Prefix, value: /ws}}
                          backends: [{endpoints: ["%1$s"]}]
                      http: {backends: [{endpoints: ["%1$s"]}]}
                    """.formatted(up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                client.send(concat(ascii("PROXY TCP4 203.0.113.50 127.0.0.1 40050 8080\r\n"), ascii("GET /one HTTP/1.1\r\nHost: up.test\r\n\r\n"),
                        ascii("GET /two HTTP/1.1\r\nHost: up.test\r\n\r\n"), ascii(RawHttp.upgradeRequest("/ws", "up.test")),
                        RawHttp.maskedText("early")));
                String one = client.readResponse();
                String two = client.readResponse();
                assertThat(one).contains("\"path\":\"/one\"", "\"x-forwarded-for\":\"203.0.113.50\"");
                assertThat(two).contains("\"path\":\"/two\"", "\"x-forwarded-for\":\"203.0.113.50\"");
                assertThat(status(client.readHead())).isEqualTo(101);
                assertThat(new String(client.readServerFrame(), 1, "up:early".length(), StandardCharsets.UTF_8)).isEqualTo("up:early");
                client.send(RawHttp.maskedClose(1000));
                assertThat(client.readServerFrame()[0]).isEqualTo((byte) 8);
            }
            await().atMost(WAIT).untilAsserted(() -> assertThat(access.lines()).anySatisfy(l -> assertThat(l).contains("ws client=203.0.113.50:40050")));
        }
    }

    /** On the TLS port: the header and the ClientHello in one write (the stream below the TLS socket prepends it). */
    @Test
    void theHeaderAndTheClientHelloInOneWrite() throws Exception {
        try (EchoBackend up = EchoBackend.start("up"); ProxyHarness px = new ProxyHarness(TestConfig.withTls("wsroute.listen.proxy-protocol", "true"))) {
            TestCertificates.Authority ca = TestCertificates.authority("proxy protocol CA");
            String yaml = """
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: secure, namespace: default}
                    spec:
                      hosts: [localhost]
                      tls: {secretName: secure-tls}
                      http: {backends: [{endpoints: ["%s"]}]}
                    ---
                    %s
                    """.formatted(up.endpoint(), ca.issue("localhost").secretYaml("default", "secure-tls"));
            px.routesWithSecrets(yaml);
            byte[] header = v2WithTlvs("203.0.113.60", balancerTlvs());
            Socket raw = new HeaderFirst(header);
            raw.connect(new InetSocketAddress("127.0.0.1", px.dataPlane.tlsPort()), 5_000);
            raw.setSoTimeout(10_000);
            try (SSLSocket tls = (SSLSocket) ca.clientSslContext().getSocketFactory().createSocket(raw, "localhost", px.dataPlane.tlsPort(), true)) {
                SSLParameters p = tls.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName("localhost")));
                tls.setSSLParameters(p);
                tls.startHandshake();
                RawHttp client = new RawHttp(tls);
                String answer = client.send("GET /who HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(200);
                assertThat(answer).contains("\"x-forwarded-for\":\"203.0.113.60\"", "\"x-forwarded-proto\":\"https\"");
            }
            assertThat(errors(px, "malformed") + errors(px, "missing") + errors(px, "timeout")).isZero();
        }
    }

    /** A socket whose first write goes out with {@code header} before it, in the same write. */
    static final class HeaderFirst extends Socket {
        private final byte[] header;
        private OutputStream out;

        HeaderFirst(byte[] header) {
            this.header = header;
        }

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (out == null) {
                out = new FilterOutputStream(super.getOutputStream()) {
                    private boolean sent;

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        if (!sent) {
                            sent = true;
                            byte[] both = concat(header, java.util.Arrays.copyOfRange(b, off, off + len));
                            super.out.write(both);
                            return;
                        }
                        super.out.write(b, off, len);
                    }
                };
            }
            return out;
        }
    }

    /** Connections still owing their header count against the limit, free their place when they go, and close with the listeners. */
    @Test
    void headerlessConnectionsHoldAPlaceUnderTheLimitAndCloseWithTheListeners() throws Exception {
        try (EchoBackend up = EchoBackend.start("up");
                ProxyHarness px = on("wsroute.limits.max-connections", "2", "wsroute.limits.request-header-timeout", "10m",
                        "wsroute.drain.period", "10m").start()) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp a = new RawHttp(px.port()); RawHttp b = new RawHttp(px.port())) {
                a.send("PROXY TCP4 203.0."); // part of a header
                await().atMost(WAIT).until(() -> px.clientConnections() == 2);
                try (RawHttp third = new RawHttp(px.port())) {
                    assertThat(third.closedByServer()).as("over the limit").isTrue();
                }
                b.close();
                await().atMost(WAIT).until(() -> px.clientConnections() == 1);
                try (RawHttp c = new RawHttp(px.port())) {
                    assertThat(c.send("PROXY TCP4 203.0.113.70 127.0.0.1 1 2\r\n" + get("up.test")).readResponse())
                            .contains("\"x-forwarded-for\":\"203.0.113.70\"");
                }
                await().atMost(WAIT).until(() -> px.clientConnections() == 1);
                try (RawHttp silent = new RawHttp(px.port())) {
                    await().atMost(WAIT).until(() -> px.clientConnections() == 2);
                    px.dataPlane.leave();
                    CompletableFuture<Void> stopped = CompletableFuture.runAsync(px::close);
                    assertThat(a.closedByServer()).as("part of a header sent: closes with the listeners").isTrue();
                    assertThat(silent.closedByServer()).as("nothing sent: closes with the listeners").isTrue();
                    stopped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                }
            }
            assertThat(errors(px, "timeout")).isZero();
        }
    }

    private static final int CLIENTS = 32;

    /**
     * hashOn sourceIP behind a balancer: every connection comes from the balancer's one address, so hashing the TCP
     * peer sends every client to one endpoint. With the header, each client address keeps its endpoint, and
     * different ones spread. Each address picks one of the two at even odds (the endpoints' ports, and so the hash,
     * differ per run), so all on one endpoint has odds 2^-(CLIENTS-1): 2^-31, not the 1/128 that eight addresses had.
     */
    @Test
    void hashOnSourceIpHashesTheHeadersAddressNotTheBalancers() throws Exception {
        try (EchoBackend a = EchoBackend.named("a"); EchoBackend b = EchoBackend.named("b"); ProxyHarness px = on().start()) {
            px.routes("""
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: chat, namespace: default}
                    spec:
                      rules:
                        - match: {path: {type: Prefix, value: /ws}}
                          loadBalancer: {policy: ConsistentHash, hashOn: {sourceIP: true}}
                          backends: [{endpoints: ["%s", "%s"]}]
                    """.formatted(a.endpoint(), b.endpoint()));
            Map<String, String> endpointOf = new HashMap<>();
            for (int round = 0; round < 2; round++) {
                for (int i = 1; i <= CLIENTS; i++) {
                    String client = "198.51.100." + i;
                    String seen = endpoint(px, "PROXY TCP4 " + client + " 127.0.0.1 " + (40000 + round) + " 8080\r\n");
                    String before = endpointOf.putIfAbsent(client, seen);
                    assertThat(before == null ? seen : before).as("%s keeps its endpoint", client).isEqualTo(seen);
                }
            }
            assertThat(endpointOf.values()).as("%d client addresses from one TCP peer", CLIENTS).contains("a", "b");
        }
    }

    /** Which endpoint an upgrade after this header reaches (the echo names it). */
    private static String endpoint(ProxyHarness px, String header) throws IOException {
        try (RawHttp c = new RawHttp(px.port())) {
            String head = c.send(header + RawHttp.upgradeRequest("/ws", "chat.test")).readHead();
            assertThat(status(head)).as(head).isEqualTo(101);
            byte[] frame = c.send(RawHttp.maskedText("who")).readServerFrame();
            String text = new String(frame, 1, frame.length - 1, StandardCharsets.UTF_8);
            c.send(RawHttp.maskedClose(1000));
            return text.substring(0, text.indexOf(':'));
        }
    }
}
