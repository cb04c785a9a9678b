package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.wsroute.testing.LogLines;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;

/**
 * The upstream's answer to an upgrade, written in pieces from a real socket (one byte a write, seven, or all at once),
 * so that the proxy reads it split across reads: a clean 101 reaches the client byte for byte, with the frame the
 * upstream sent right after it; an odd 101 (a folded field) and a refusal still get through as before, read by a
 * full HTTP decoder.
 */
class UpstreamAnswerTest {
    static final String CLEAN_101 = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nX-Spacing:  kept\t as sent \r\n\r\n";
    static final byte[] HELLO = {(byte) 0x81, 5, 'h', 'e', 'l', 'l', 'o'};

    ProxyHarness px;

    @BeforeEach
    void start() throws Exception {
        px = new ProxyHarness(TestConfig.wsroute());
    }

    @AfterEach
    void stop() {
        px.close();
    }

    /** Answers one upgrade with {@code answer} in writes of {@code piece} bytes, then keeps what the client sends. */
    static final class ScriptedUpstream implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        final CompletableFuture<String> requestHead = new CompletableFuture<>();
        final CompletableFuture<byte[]> clientBytes = new CompletableFuture<>();

        ScriptedUpstream(byte[] answer, int piece, int expectFromClient) throws IOException {
            this(answer, piece, expectFromClient, false);
        }

        /** {@code answerFirst}: the answer goes out as soon as the connection is accepted, before the request is read. */
        ScriptedUpstream(byte[] answer, int piece, int expectFromClient, boolean answerFirst) throws IOException {
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(15_000);
                    s.setTcpNoDelay(true);
                    if (!answerFirst) {
                        requestHead.complete(readHead(s.getInputStream()));
                    }
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < answer.length; i += piece) {
                        out.write(answer, i, Math.min(piece, answer.length - i));
                        out.flush();
                    }
                    if (answerFirst) {
                        requestHead.complete(readHead(s.getInputStream()));
                    }
                    clientBytes.complete(s.getInputStream().readNBytes(expectFromClient));
                } catch (Exception e) {
                    requestHead.completeExceptionally(e);
                    clientBytes.completeExceptionally(e);
                }
            }, "scripted-upstream");
            t.setDaemon(true);
            t.start();
        }

        String endpoint() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }

        static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("closed in the request head");
                }
                b.write(c);
            }
            return b.toString(StandardCharsets.ISO_8859_1);
        }
    }

    static byte[] concat(String head, byte[] after) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes(after);
        return b.toByteArray();
    }

    @ParameterizedTest(name = "in writes of {0} bytes")
    @ValueSource(ints = {1, 7, 4096})
    void aClean101ReachesTheClientByteForByteWithTheFrameAfterIt(int piece) throws Exception {
        byte[] masked = RawHttp.maskedText("up");
        try (ScriptedUpstream upstream = new ScriptedUpstream(concat(CLEAN_101, HELLO), piece, masked.length);
                RawHttp client = new RawHttp(upgradeVia(upstream))) {
            client.send(RawHttp.upgradeRequest("/echo/split", "chat.example.com"));
            assertThat(client.readHead()).as("the upstream's head, unchanged").isEqualTo(CLEAN_101);
            assertThat(client.readServerFrame()).as("the frame after the head").containsExactly(1, 'h', 'e', 'l', 'l', 'o');
            client.send(masked);
            assertThat(upstream.clientBytes.get(15, TimeUnit.SECONDS)).as("the client's frame, upstream").isEqualTo(masked);
            String forwarded = upstream.requestHead.get(15, TimeUnit.SECONDS);
            assertThat(forwarded).startsWith("GET /echo/split HTTP/1.1\r\n").endsWith("\r\n\r\n")
                    .contains("\r\nupgrade: websocket\r\n", "\r\nconnection: upgrade\r\n", "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
                            "\r\nX-Forwarded-For: 127.0.0.1\r\n", "\r\nhost: chat.example.com\r\n");
        }
    }

    /**
     * An upstream that answers the moment it accepts, before the request has reached it: its bytes can arrive in the
     * same readiness report as the connect's completion (the upstream channel asks for reads from its registration
     * on), and are still read only once the handshake has the connection, in order.
     */
    @ParameterizedTest(name = "in writes of {0} bytes")
    @ValueSource(ints = {1, 4096})
    void a101SentBeforeTheRequestArrivesStillOpensTheTunnel(int piece) throws Exception {
        byte[] masked = RawHttp.maskedText("up");
        try (ScriptedUpstream upstream = new ScriptedUpstream(concat(CLEAN_101, HELLO), piece, masked.length, true);
                RawHttp client = new RawHttp(upgradeVia(upstream))) {
            client.send(RawHttp.upgradeRequest("/echo/eager", "chat.example.com"));
            assertThat(client.readHead()).as("the upstream's head, unchanged").isEqualTo(CLEAN_101);
            assertThat(client.readServerFrame()).as("the frame after the head").containsExactly(1, 'h', 'e', 'l', 'l', 'o');
            client.send(masked);
            assertThat(upstream.requestHead.get(15, TimeUnit.SECONDS)).startsWith("GET /echo/eager HTTP/1.1\r\n").endsWith("\r\n\r\n");
            assertThat(upstream.clientBytes.get(15, TimeUnit.SECONDS)).as("the client's frame, upstream").isEqualTo(masked);
        }
    }

    @ParameterizedTest(name = "in writes of {0} bytes")
    @ValueSource(ints = {1, 4096})
    void aFolded101IsReadByTheFullDecoderAndStillOpensTheTunnel(int piece) throws Exception {
        String folded = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Folded: a\r\n b\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        byte[] masked = RawHttp.maskedText("up");
        try (ScriptedUpstream upstream = new ScriptedUpstream(concat(folded, HELLO), piece, masked.length);
                RawHttp client = new RawHttp(upgradeVia(upstream))) {
            client.send(RawHttp.upgradeRequest("/echo/folded", "chat.example.com"));
            String head = client.readHead();
            assertThat(RawHttp.status(head)).isEqualTo(101);
            assertThat(RawHttp.header(head, "upgrade")).isEqualTo("websocket");
            assertThat(client.readServerFrame()).containsExactly(1, 'h', 'e', 'l', 'l', 'o');
            client.send(masked);
            assertThat(upstream.clientBytes.get(15, TimeUnit.SECONDS)).isEqualTo(masked);
        }
    }

    @ParameterizedTest(name = "in writes of {0} bytes")
    @ValueSource(ints = {1, 4096})
    void aRefusalIsPassedThroughWithItsBodyAndTheConnectionCloses(int piece) throws Exception {
        String refusal = "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nnope!";
        try (ScriptedUpstream upstream = new ScriptedUpstream(refusal.getBytes(StandardCharsets.ISO_8859_1), piece, 0);
                RawHttp client = new RawHttp(upgradeVia(upstream))) {
            client.send(RawHttp.upgradeRequest("/echo/refused", "chat.example.com"));
            String answer = client.readResponse();
            assertThat(RawHttp.status(answer)).isEqualTo(403);
            assertThat(answer).endsWith("\r\n\r\nnope!");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    /**
     * An upstream that closes before its answer is complete (nothing, part of a clean 101, part of an odd one) gives
     * the client 502 at once: it sends FIN, which the proxy must take as the end of the answer, not wait out the
     * handshake timeout (a minute here) and answer 504.
     */
    @ParameterizedTest(name = "after \"{0}\"")
    @ValueSource(strings = {"", "HTTP/1.1 101 Swi", "HTTP/1.1 101 Switching Protocols\r\nX-Folded: a\r\n b"})
    void anUpstreamThatClosesBeforeItsAnswerIsCompleteIs502(String partial) throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream(partial.getBytes(StandardCharsets.ISO_8859_1), 4096, 0);
                RawHttp client = new RawHttp(upgradeVia(upstream, "{handshake: 60s}"))) {
            client.send(RawHttp.upgradeRequest("/echo/closing", "chat.example.com"));
            assertThat(RawHttp.status(client.readResponse())).isEqualTo(502);
            assertThat(client.closedByServer()).isTrue();
        }
    }

    /**
     * What the client sends right after its upgrade request waits for the upstream's 101. Sent on before it, it reached
     * an upstream that refused the upgrade and kept its connection as that upstream's next request — one that no
     * route, rewrite or forwarding field of the proxy ever applied to (WebSocket request smuggling: here a request
     * for another host with a forged X-Forwarded-For). After a refusal it never reaches the upstream; after a 101 it
     * goes first through the tunnel (aClean101ReachesTheClientByteForByteWithTheFrameAfterIt, WebSocketProxyTest).
     */
    @Test
    void bytesAfterAnUpgradeRequestNeverReachAnUpstreamThatRefusesIt() throws Exception {
        String smuggled = "GET /admin HTTP/1.1\r\nHost: internal.example.com\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n";
        String refusal = "HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope!";
        try (ScriptedUpstream upstream = new ScriptedUpstream(refusal.getBytes(StandardCharsets.ISO_8859_1), 4096, smuggled.length());
                RawHttp client = new RawHttp(upgradeVia(upstream))) {
            client.send(RawHttp.upgradeRequest("/echo/refused", "chat.example.com") + smuggled);
            String answer = client.readResponse();
            assertThat(RawHttp.status(answer)).isEqualTo(403);
            assertThat(client.closedByServer()).isTrue();
            assertThat(new String(upstream.clientBytes.get(15, TimeUnit.SECONDS), StandardCharsets.ISO_8859_1))
                    .as("what the upstream read after the upgrade request, until the proxy closed it").isEmpty();
        }
    }

    @Test
    void aRefusalTheUpstreamCutsShortStillClosesTheClient() throws Exception {
        String refusal = "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nnope!"; // 5 of 10 bytes, then FIN
        try (ScriptedUpstream upstream = new ScriptedUpstream(refusal.getBytes(StandardCharsets.ISO_8859_1), 4096, 0);
                RawHttp client = new RawHttp(upgradeVia(upstream))) {
            client.send(RawHttp.upgradeRequest("/echo/refused", "chat.example.com"));
            assertThat(RawHttp.status(client.readHead())).isEqualTo(403);
            assertThat(client.readBytes(5)).isEqualTo("nope!".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(client.closedByServer()).as("the client is not left waiting for the other 5 bytes").isTrue();
        }
    }

    /**
     * Interim answers (1xx but 101) before the 101 are HTTP's "more to come" (RFC 9110 §15.2): the proxy waits for the
     * answer after them. A WebSocket client reads one answer to its upgrade, so they are not relayed.
     */
    @ParameterizedTest(name = "in writes of {0} bytes")
    @ValueSource(ints = {1, 4096})
    void interimAnswersBeforeThe101AreSkippedAndTheTunnelOpens(int piece) throws Exception {
        String interim = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n";
        byte[] masked = RawHttp.maskedText("up");
        try (ScriptedUpstream upstream = new ScriptedUpstream(concat(interim + CLEAN_101, HELLO), piece, masked.length);
                RawHttp client = new RawHttp(upgradeVia(upstream))) {
            client.send(RawHttp.upgradeRequest("/echo/interim", "chat.example.com"));
            String head = client.readHead();
            assertThat(RawHttp.status(head)).isEqualTo(101);
            assertThat(RawHttp.header(head, "sec-websocket-accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            assertThat(client.readServerFrame()).containsExactly(1, 'h', 'e', 'l', 'l', 'o');
            client.send(masked);
            assertThat(upstream.clientBytes.get(15, TimeUnit.SECONDS)).isEqualTo(masked);
        }
    }

    /**
     * A 101 whose Sec-WebSocket-Accept is not the one the request's key asks for (wrong, missing, twice, or on a head
     * only the full decoder reads) is failed by every WebSocket client (RFC 6455 §4.1): the client gets a 502 saying
     * why instead of a tunnel it will not use, counted as a 502 upgrade; the upstream connection is closed.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "wrong|Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==",
        "missing|X-Other: 1",
        "twice|Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        "one character off|Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOp=",
        "wrong on a folded head|X-Folded: a\r\n b\r\nSec-WebSocket-Accept: x3JJHMbDL1EzLkh9GBhXDw=="})
    void a101WithoutTheRightAcceptGets502(String c) throws Exception {
        String fields = c.substring(c.indexOf('|') + 1);
        String head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + fields + "\r\n\r\n";
        try (ScriptedUpstream upstream = new ScriptedUpstream(concat(head, HELLO), 4096, 1);
                RawHttp client = new RawHttp(upgradeVia(upstream))) {
            client.send(RawHttp.upgradeRequest("/echo/accept", "chat.example.com"));
            String answer = client.readResponse();
            assertThat(RawHttp.status(answer)).as(answer).isEqualTo(502);
            assertThat(answer).contains("without the right Sec-WebSocket-Accept");
            assertThat(client.closedByServer()).isTrue();
            assertThat(upstream.clientBytes.get(15, TimeUnit.SECONDS)).as("the upstream connection is closed, nothing relayed").isEmpty();
        }
        assertThat(px.metrics.get("wsroute.websocket.upgrades").tag("status", "502").counter().count()).isEqualTo(1);
        assertThat(px.metrics.find("wsroute.websocket.upgrades").tag("status", "101").counter()).isNull();
    }

    /**
     * A 101 that switches to another protocol than WebSocket ({@code h2c}, TLS), or says nothing of which (no Upgrade,
     * no Connection: upgrade), even with the right Sec-WebSocket-Accept, is failed by every WebSocket client (RFC 6455
     * §4.1): it was relayed, and the client was left with a tunnel to a protocol it did not ask for. It is now refused
     * as a wrong accept value is: 502 saying why (the answer, the access log), a 502 upgrade, and a failed upgrade for
     * the endpoint's passive health (ejected at the first here).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "h2c|Upgrade: h2c\r\nConnection: Upgrade|without Upgrade: websocket",
        "websocket among others|Upgrade: websocket, h2c\r\nConnection: Upgrade|without Upgrade: websocket",
        "Upgrade twice|Upgrade: websocket\r\nUpgrade: websocket\r\nConnection: Upgrade|without Upgrade: websocket",
        "no Upgrade|Connection: Upgrade|without Upgrade: websocket",
        "no Connection|Upgrade: websocket|without Connection: upgrade",
        "Connection without upgrade|Upgrade: websocket\r\nConnection: keep-alive|without Connection: upgrade",
        "h2c on a folded head|X-Folded: a\r\n b\r\nUpgrade: h2c\r\nConnection: Upgrade|without Upgrade: websocket"})
    void a101ToAnotherProtocolGets502AndCountsAsAFailedUpgrade(String c) throws Exception {
        String[] parts = c.split("\\|");
        String head = "HTTP/1.1 101 Switching Protocols\r\n" + parts[1]
                + "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        try (LogLines access = LogLines.of("wsroute.access");
                ScriptedUpstream upstream = new ScriptedUpstream(concat(head, HELLO), 4096, 1)) {
            px.routes(WebSocketProxyTest.route("chat", "[]", """
                    - match: {path: {type: Prefix, value: /echo}}
                      backends: [{endpoints: [%s]}]
                      healthCheck: {passive: {consecutiveFailures: 1, maxEjectionPercent: 100}}
                    """.formatted(upstream.endpoint())));
            try (RawHttp client = new RawHttp(px.port())) {
                client.send(RawHttp.upgradeRequest("/echo/h2c", "chat.example.com"));
                String answer = client.readResponse();
                assertThat(RawHttp.status(answer)).as(answer).isEqualTo(502);
                assertThat(answer).contains("answered 101 " + parts[2]);
                assertThat(client.closedByServer()).isTrue();
            }
            assertThat(upstream.clientBytes.get(15, TimeUnit.SECONDS)).as("the upstream connection is closed, nothing relayed").isEmpty();
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(access.lines())
                    .anyMatch(l -> l.contains(" status=502 ") && l.contains("answered 101 " + parts[2])));
            await().atMost(Duration.ofSeconds(15)).until(() -> px.metrics.find("wsroute.endpoint.ejections")
                    .tag("endpoint", upstream.endpoint()).counter() != null);
            assertThat(px.metrics.get("wsroute.endpoint.ejections").tag("endpoint", upstream.endpoint()).counter().count())
                    .as("a failed upgrade for passive health").isEqualTo(1);
        }
        assertThat(px.metrics.get("wsroute.websocket.upgrades").tag("status", "502").counter().count()).isEqualTo(1);
        assertThat(px.metrics.find("wsroute.websocket.upgrades").tag("status", "101").counter()).isNull();
    }

    private int upgradeVia(ScriptedUpstream upstream, String timeouts) {
        px.routes(WebSocketProxyTest.route("chat", "[]", """
                - match: {path: {type: Prefix, value: /echo}}
                  backends: [{endpoints: [%s]}]
                  timeouts: %s
                """.formatted(upstream.endpoint(), timeouts)));
        return px.port();
    }

    private int upgradeVia(ScriptedUpstream upstream) {
        px.routes(WebSocketProxyTest.simpleRoute(upstream.endpoint()));
        return px.port();
    }
}
