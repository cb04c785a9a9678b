package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.header;
import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.tls.TlsResolver;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.RawUpstream;
import dev.wsroute.testing.WsClient;
import dev.wsroute.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** WebSocket upgrades through the real data plane, from the JDK's client and raw sockets, to Vert.x echo backends. */
class WebSocketProxyTest {
    static Vertx vertx;
    static EchoBackend a;
    static EchoBackend b;
    ProxyHarness px;

    @BeforeAll
    static void backends() {
        vertx = Vertx.vertx();
        a = new EchoBackend(vertx, "a");
        b = new EchoBackend(vertx, "b");
    }

    @AfterAll
    static void stopBackends() {
        a.close();
        b.close();
        vertx.close();
    }

    @BeforeEach
    void proxy() throws Exception {
        px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "300ms"));
    }

    @AfterEach
    void stopProxy() {
        px.close();
    }

    static String route(String name, String hosts, String rules) {
        return """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: %s, namespace: default}
                spec:
                  hosts: %s
                  rules:
                %s
                """.formatted(name, hosts, rules.indent(4));
    }

    static String simpleRoute(String... endpoints) {
        return route("chat", "[]", """
                - match: {path: {type: Prefix, value: /echo}}
                  backends: [{endpoints: [%s]}]
                """.formatted(String.join(", ", endpoints)));
    }

    private String whoami(WsClient c) throws Exception {
        return new JsonObject(c.roundTrip("whoami")).getString("backend");
    }

    @Test
    void echoesThroughTheProxyWithTheJdkClient() throws Exception {
        px.routes(simpleRoute(a.endpoint()));
        try (WsClient c = WsClient.connect(px.ws("/echo/room1"), Map.of())) {
            assertThat(c.roundTrip("hello")).isEqualTo("hello");
            String big = "x".repeat(300_000); // many reads and writes: the backpressure path
            assertThat(c.roundTrip(big)).isEqualTo(big);
            c.ws.sendClose(1000, "bye").get();
            assertThat(c.awaitClose()).isEqualTo(1000);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> px.dataPlane.tunnels() == 0);
        assertThat(px.metrics.get("wsroute.websocket.messages").tag("direction", "upstream").counter().count()).isGreaterThanOrEqualTo(2);
        assertThat(px.metrics.get("wsroute.websocket.closes").tag("by", "client").tag("code", "1000").counter().count()).isEqualTo(1);
    }

    /**
     * A client picks its close code: codes no endpoint may send share one {@code invalid} series, and application codes
     * beyond the first 64 of a route share {@code other}, so that a client cannot grow the metrics without bound.
     */
    @Test
    void closeCodesAClientInventsAddABoundedNumberOfSeries() throws Exception {
        px.routes(simpleRoute(a.endpoint()));
        List<Integer> codes = new ArrayList<>(List.of(1, 999, 1016, 2999, 5000, 65535, 1000));
        for (int app = 4000; app < 4000 + CloseCodeLabels.APPLICATION_CODES + 6; app++) {
            codes.add(app);
        }
        for (int code : codes) {
            try (RawHttp raw = new RawHttp(px.port())) {
                assertThat(status(raw.send(RawHttp.upgradeRequest("/echo", "x")).readHead())).isEqualTo(101);
                raw.send(RawHttp.maskedClose(code));
                assertThat(raw.readServerFrame()[0]).as("the answering Close").isEqualTo((byte) 8);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> px.dataPlane.tunnels() == 0);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> px.metrics.get("wsroute.websocket.closes").counters().stream()
                .mapToDouble(c -> c.count()).sum() == codes.size());
        Map<String, Double> byCode = new java.util.TreeMap<>();
        px.metrics.get("wsroute.websocket.closes").tag("by", "client").counters()
                .forEach(c -> byCode.merge(c.getId().getTag("code"), c.count(), Double::sum));
        assertThat(byCode).hasSize(1 + 1 + CloseCodeLabels.APPLICATION_CODES + 1)
                .containsEntry("invalid", 6.0).containsEntry("1000", 1.0).containsEntry("4000", 1.0).containsEntry("4063", 1.0)
                .containsEntry("other", 6.0).doesNotContainKeys("1", "65535", "4064");
    }

    /**
     * A client that sent more than the upstream read, then went away: what is queued for the upstream cannot be
     * written (it reads nothing: a stalled consumer, or one blocked writing to us while we, held back, read nothing
     * from it), so closing it once that is flushed never happened and the tunnel stayed open for good.
     */
    @Test
    void aClientGoneWhileTheUpstreamReadsNothingStillEndsTheTunnel() throws Exception {
        try (java.net.ServerSocket upstream = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            px.routes(simpleRoute("127.0.0.1:" + upstream.getLocalPort()));
            RawHttp raw = new RawHttp(px.port());
            raw.send(RawHttp.upgradeRequest("/echo", "x"));
            java.net.Socket stalled = upstream.accept();
            byte[] head = new byte[4096];
            for (int n = 0; !new String(head, 0, n, StandardCharsets.ISO_8859_1).contains("\r\n\r\n");) {
                n += stalled.getInputStream().read(head, n, head.length - n);
            }
            stalled.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)); // and from now on it reads nothing
            assertThat(status(raw.readHead())).isEqualTo(101);

            byte[] frame = new byte[4 + 4 + 60_000]; // binary, masked (with a zero mask), 60000 bytes
            frame[0] = (byte) 0x82;
            frame[1] = (byte) (0x80 | 126);
            frame[2] = (byte) (60_000 >>> 8);
            frame[3] = (byte) 60_000;
            java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
            Thread writer = new Thread(() -> {
                try {
                    while (true) {
                        raw.socket.getOutputStream().write(frame);
                        written.addAndGet(frame.length);
                    }
                } catch (java.io.IOException closed) {
                    // the test reset the connection
                }
            });
            writer.start();
            long[] last = { -1 };
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> { // every buffer on the way is full
                long now = written.get();
                boolean blocked = now > 0 && now == last[0];
                last[0] = now;
                return blocked;
            });
            raw.socket.setSoLinger(true, 0);
            raw.socket.close(); // the client is gone
            writer.join(10_000);

            await().atMost(Duration.ofSeconds(20)).until(() -> px.dataPlane.tunnels() == 0);
            stalled.setSoTimeout(20_000);
            try (java.io.InputStream in = stalled.getInputStream()) {
                byte[] buf = new byte[1 << 16];
                while (in.read(buf) >= 0) { // what the proxy had written, then its close
                }
            } catch (java.net.SocketException reset) {
                // closed as well
            }
            stalled.close();
        }
    }

    @Test
    void countsOfAnOpenSessionReachTheMetricsWhileItStaysOpen() throws Exception {
        px.routes(simpleRoute(a.endpoint()));
        try (WsClient c = WsClient.connect(px.ws("/echo/room1"), Map.of())) {
            for (int i = 0; i < 5; i++) {
                assertThat(c.roundTrip("m" + i)).isEqualTo("m" + i);
            }
            // reported by the loop's sweep (a few times a second), not per read; the session is still open
            await().atMost(Duration.ofSeconds(10)).until(() -> counter("wsroute.websocket.messages", "upstream") == 5
                    && counter("wsroute.websocket.messages", "downstream") == 5);
            assertThat(counter("wsroute.websocket.bytes", "upstream")).as("5 masked frames of 2 bytes").isEqualTo(5 * (2 + 4 + 2));
            assertThat(counter("wsroute.websocket.bytes", "downstream")).as("5 unmasked frames of 2 bytes").isEqualTo(5 * (2 + 2));
            assertThat(px.dataPlane.tunnels()).isEqualTo(1);
        }
    }

    private double counter(String name, String direction) {
        return px.metrics.get(name).tag("direction", direction).counter().count();
    }

    @Test
    void handshakeEditsAndForwardingHeadersReachTheUpstream() throws Exception {
        px.routes(route("chat", "[]", """
                - match: {path: {type: Prefix, value: /ws}}
                  rewrite:
                    path: {replacePrefixMatch: /echo}
                    hostname: backend.internal
                    setHeaders: [{name: X-Route, value: chat}]
                    removeHeaders: [Cookie]
                  backends: [{endpoints: [%s]}]
                """.formatted(a.endpoint())));
        try (WsClient c = WsClient.connect(px.ws("/ws/room?x=1"), Map.of("Cookie", "sid=secret", "X-Forwarded-For", "10.1.2.3"))) {
            JsonObject seen = new JsonObject(c.roundTrip("whoami"));
            assertThat(seen.getString("uri")).isEqualTo("/echo/room?x=1");
            JsonObject h = seen.getJsonObject("headers");
            assertThat(h.getString("host")).isEqualTo("backend.internal");
            assertThat(h.getString("x-route")).isEqualTo("chat");
            assertThat(h.getString("cookie")).isNull();
            assertThat(h.getString("x-forwarded-for")).isEqualTo("10.1.2.3, 127.0.0.1");
            assertThat(h.getString("x-forwarded-proto")).isEqualTo("http");
            assertThat(h.getString("x-forwarded-host")).isEqualTo("127.0.0.1:" + px.port());
            assertThat(h.getString("forwarded")).isEqualTo("for=127.0.0.1;host=\"127.0.0.1:" + px.port() + "\";proto=http");
        }
    }

    @Test
    void rulesSelectBySubprotocolHeaderAndQueryAndTheChosenSubprotocolIsRelayed() throws Exception {
        px.routes(route("chat", "[]", """
                - match: {path: {value: /echo}, subprotocols: [mqtt]}
                  backends: [{endpoints: [%1$s]}]
                - match: {path: {value: /echo}, headers: [{name: X-Tenant, value: gold}]}
                  backends: [{endpoints: [%1$s]}]
                - match: {path: {value: /echo}, queryParams: [{name: room, value: lobby}]}
                  backends: [{endpoints: [%2$s]}]
                """.formatted(a.endpoint(), b.endpoint())));
        try (WsClient c = WsClient.connect(px.ws("/echo"), Map.of(), "mqtt")) {
            assertThat(c.ws.getSubprotocol()).isEqualTo("mqtt");
            assertThat(whoami(c)).isEqualTo("a");
        }
        try (WsClient c = WsClient.connect(px.ws("/echo"), Map.of("X-Tenant", "gold"))) {
            assertThat(whoami(c)).isEqualTo("a");
        }
        try (WsClient c = WsClient.connect(px.ws("/echo?room=lobby"), Map.of())) {
            assertThat(whoami(c)).isEqualTo("b");
        }
        try (RawHttp raw = new RawHttp(px.port())) { // none of the rules holds: 404, no fallthrough
            assertThat(status(raw.send(RawHttp.upgradeRequest("/echo?room=attic", "x")).readResponse())).isEqualTo(404);
        }
    }

    @Test
    void bytesSentWithTheUpgradeRequestReachTheUpstreamInOrder() throws Exception {
        try (RawUpstream echo = new RawUpstream(RawUpstream.Mode.ECHO_FRAMES); RawHttp raw = new RawHttp(px.port())) {
            px.routes(simpleRoute(echo.endpoint()));
            byte[] head = RawHttp.upgradeRequest("/echo", "x").getBytes(StandardCharsets.US_ASCII);
            byte[] f1 = RawHttp.maskedText("early-1");
            byte[] f2 = RawHttp.maskedText("early-2");
            byte[] all = new byte[head.length + f1.length + f2.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(f1, 0, all, head.length, f1.length);
            System.arraycopy(f2, 0, all, head.length + f1.length, f2.length);
            raw.send(all); // one write: request and first frames in the same segment
            String response = raw.readHead();
            assertThat(status(response)).isEqualTo(101);
            assertThat(header(response, "sec-websocket-accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            assertThat(new String(raw.readServerFrame(), 1, 7, StandardCharsets.UTF_8)).isEqualTo("early-1");
            assertThat(new String(raw.readServerFrame(), 1, 7, StandardCharsets.UTF_8)).isEqualTo("early-2");
        }
    }

    @Test
    void bytesSentWithAnUpgradePipelinedBehindAPlainRequestReachTheUpstreamInOrder() throws Exception {
        try (RawUpstream echo = new RawUpstream(RawUpstream.Mode.ECHO_FRAMES); RawHttp raw = new RawHttp(px.port())) {
            px.routes(route("chat", "[]", """
                    - match: {path: {type: Prefix, value: /echo}}
                      backends: [{endpoints: [%s]}]
                    """.formatted(echo.endpoint())) + """
                      http:
                        backends: [{endpoints: [%s]}]
                    """.formatted(a.endpoint()));
            // masked, these payloads are bytes an HTTP parser would take for a broken head (a bare LF) and a head's end
            byte[] f1 = RawHttp.maskedText(unmasked("ab\ncd"));
            byte[] f2 = RawHttp.maskedText(unmasked("x\r\n\r\n"));
            String get = "GET /page HTTP/1.1\r\nHost: x\r\n\r\n"; // answered by a backend: the upgrade waits behind it
            byte[] heads = (get + RawHttp.upgradeRequest("/echo", "x")).getBytes(StandardCharsets.US_ASCII);
            byte[] all = new byte[heads.length + f1.length + f2.length];
            System.arraycopy(heads, 0, all, 0, heads.length);
            System.arraycopy(f1, 0, all, heads.length, f1.length);
            System.arraycopy(f2, 0, all, heads.length + f1.length, f2.length);
            raw.send(all); // one write: both requests and the first frames
            assertThat(status(raw.readResponse())).isEqualTo(200);
            assertThat(status(raw.readHead())).isEqualTo(101);
            assertThat(new String(raw.readServerFrame(), 1, 5, StandardCharsets.ISO_8859_1)).isEqualTo(unmasked("ab\ncd"));
            assertThat(new String(raw.readServerFrame(), 1, 5, StandardCharsets.ISO_8859_1)).isEqualTo(unmasked("x\r\n\r\n"));
        }
    }

    @Test
    void requestsPipelinedBehindAnUpgradeAnsweredByTheProxyAreStillAnswered() throws Exception {
        px.routes(route("chat", "[]", """
                - match: {path: {type: Prefix, value: /echo}}
                  backends: [{endpoints: [%s]}]
                """.formatted(a.endpoint())) + """
                  http:
                    backends: [{endpoints: [%s]}]
                """.formatted(a.endpoint()));
        String get = "GET /page HTTP/1.1\r\nHost: x\r\n\r\n";
        try (RawHttp raw = new RawHttp(px.port())) {
            raw.send(RawHttp.upgradeRequest("/nothing-here", "x") + get); // one read: the 404 is answered inside it
            assertThat(status(raw.readResponse())).isEqualTo(404);
            assertThat(status(raw.readResponse())).isEqualTo(200);
            raw.send(get + RawHttp.upgradeRequest("/nothing-here", "x") + get); // the upgrade waits for a backend's answer
            assertThat(status(raw.readResponse())).isEqualTo(200);
            assertThat(status(raw.readResponse())).isEqualTo(404);
            assertThat(status(raw.readResponse())).isEqualTo(200);
        }
    }

    /** The text whose frame from {@link RawHttp#maskedText} carries these bytes on the wire. */
    private static String unmasked(String wire) {
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < wire.length(); i++) {
            sb.append((char) (wire.charAt(i) ^ mask[i & 3]));
        }
        return sb.toString();
    }

    @Test
    void extensionNegotiationIsPassedThroughUnchanged() throws Exception {
        px.routes(simpleRoute(a.endpoint()));
        try (RawHttp raw = new RawHttp(px.port())) {
            String response = raw.send(RawHttp.upgradeRequest("/echo", "x", "Sec-WebSocket-Extensions: permessage-deflate")).readHead();
            assertThat(status(response)).isEqualTo(101);
            assertThat(header(response, "sec-websocket-extensions")).startsWith("permessage-deflate");
        }
    }

    @Test
    void noRouteIs404AndTheConnectionStaysUsable() throws Exception {
        px.routes(simpleRoute(a.endpoint()));
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send(RawHttp.upgradeRequest("/nothing-here", "x")).readResponse())).isEqualTo(404);
            assertThat(status(raw.send(RawHttp.upgradeRequest("/echo", "x")).readHead())).isEqualTo(101);
        }
    }

    @Test
    void malformedUpgradesAre400And426() throws Exception {
        px.routes(simpleRoute(a.endpoint()));
        try (RawHttp raw = new RawHttp(px.port())) {
            String r = raw.send("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: not-base64-16\r\nSec-WebSocket-Version: 13\r\n\r\n").readResponse();
            assertThat(status(r)).isEqualTo(400);
            r = raw.send("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n").readResponse();
            assertThat(status(r)).isEqualTo(426);
            assertThat(header(r, "sec-websocket-version")).isEqualTo("13");
        }
    }

    @Test
    void originsAreCheckedAndAMissingOriginPasses() throws Exception {
        px.routes(route("chat", "[]", """
                - match: {path: {value: /echo}}
                  allowedOrigins: ["https://chat.example.com"]
                  backends: [{endpoints: [%s]}]
                """.formatted(a.endpoint())));
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send(RawHttp.upgradeRequest("/echo", "x", "Origin: https://evil.example")).readResponse())).isEqualTo(403);
            assertThat(status(raw.send(RawHttp.upgradeRequest("/echo", "x", "Origin: https://CHAT.example.com")).readHead())).isEqualTo(101);
        }
        try (WsClient c = WsClient.connect(px.ws("/echo"), Map.of())) {
            assertThat(c.roundTrip("no origin")).isEqualTo("no origin");
        }
    }

    @Test
    void noReadyEndpointIs503() throws Exception {
        px.routes(simpleRoute(a.endpoint()), TlsResolver.NONE, (route, backend) -> List.of());
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send(RawHttp.upgradeRequest("/echo", "x")).readResponse())).isEqualTo(503);
        }
    }

    @Test
    void ruleAtMaxConnectionsIs503WithRetryAfter() throws Exception {
        px.routes(route("chat", "[]", """
                - match: {path: {value: /echo}}
                  maxConnections: 1
                  backends: [{endpoints: [%s]}]
                """.formatted(a.endpoint())));
        try (WsClient first = WsClient.connect(px.ws("/echo"), Map.of()); RawHttp raw = new RawHttp(px.port())) {
            assertThat(first.roundTrip("1")).isEqualTo("1");
            String r = raw.send(RawHttp.upgradeRequest("/echo", "x")).readResponse();
            assertThat(status(r)).isEqualTo(503);
            assertThat(header(r, "retry-after")).isNotNull();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> px.dataPlane.tunnels() == 0);
        try (WsClient again = WsClient.connect(px.ws("/echo"), Map.of())) { // the slot came back
            assertThat(again.roundTrip("2")).isEqualTo("2");
        }
    }

    @Test
    void refusedEverywhereIs502AndARefusalIsRetriedElsewhere() throws Exception {
        String dead = RawUpstream.refusedEndpoint();
        px.routes(simpleRoute(dead));
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send(RawHttp.upgradeRequest("/echo", "x")).readResponse())).isEqualTo(502);
        }
        px.routes(route("chat", "[]", """
                - match: {path: {value: /echo}}
                  loadBalancer: {policy: RoundRobin}
                  backends: [{endpoints: [%s, %s]}]
                """.formatted(dead, a.endpoint())));
        for (int i = 0; i < 4; i++) {
            try (WsClient c = WsClient.connect(px.ws("/echo"), Map.of())) {
                assertThat(c.roundTrip("retry " + i)).isEqualTo("retry " + i);
            }
        }
    }

    @Test
    void silentUpstreamIs504() throws Exception {
        try (RawUpstream silent = new RawUpstream(RawUpstream.Mode.SILENT)) {
            px.routes(route("chat", "[]", """
                    - match: {path: {value: /echo}}
                      timeouts: {handshake: 500ms}
                      backends: [{endpoints: [%s]}]
                    """.formatted(silent.endpoint())));
            try (RawHttp raw = new RawHttp(px.port())) {
                assertThat(status(raw.send(RawHttp.upgradeRequest("/echo", "x")).readResponse())).isEqualTo(504);
            }
        }
    }

    @Test
    void anUpstreamRefusalIsPassedThrough() throws Exception {
        io.vertx.core.http.HttpServer plain = vertx.createHttpServer()
                .requestHandler(req -> req.response().setStatusCode(401).putHeader("x-why", "no token").end("login first"))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
        try {
            px.routes(simpleRoute("127.0.0.1:" + plain.actualPort()));
            try (RawHttp raw = new RawHttp(px.port())) {
                String r = raw.send(RawHttp.upgradeRequest("/echo", "x")).readResponse();
                assertThat(status(r)).isEqualTo(401);
                assertThat(header(r, "x-why")).isEqualTo("no token");
                assertThat(r).endsWith("login first");
            }
        } finally {
            plain.close();
        }
    }

    @Test
    void aDeadUpstreamGivesTheClientClose1011AndAnUpstreamCloseIsRelayed() throws Exception {
        try (RawUpstream dying = new RawUpstream(RawUpstream.Mode.ACCEPT_THEN_DIE)) {
            px.routes(simpleRoute(dying.endpoint()));
            try (WsClient c = WsClient.connect(px.ws("/echo"), Map.of())) {
                c.ws.sendText("anyone?", true);
                assertThat(c.awaitClose()).isEqualTo(1011);
            }
        }
        px.routes(simpleRoute(a.endpoint()));
        try (WsClient c = WsClient.connect(px.ws("/echo"), Map.of())) {
            c.ws.sendText("close-me", true);
            assertThat(c.awaitClose()).isEqualTo(4000);
        }
    }

    /**
     * A pod that exits during its sockets' drain, before the drain's own Close 1001: its clients get 1001 too (it was
     * going away, as wsroute knew), not the 1011 of a server error, from which clients back off before reconnecting.
     */
    @Test
    void anUpstreamThatDiesWhileDrainingGivesTheClientClose1001() throws Exception {
        px.close();
        px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "60s"));
        try (RawUpstream dying = new RawUpstream(RawUpstream.Mode.ACCEPT_THEN_DIE)) {
            px.routes(simpleRoute(dying.endpoint()));
            try (WsClient c = WsClient.connect(px.ws("/echo"), Map.of())) {
                px.routes(simpleRoute(a.endpoint())); // its endpoint leaves: the socket drains for a minute
                c.ws.sendText("anyone?", true); // and the pod dies at it
                assertThat(c.awaitClose()).isEqualTo(1001);
            }
        }
        // counted once both its sockets have closed: the client's closes in a task after its Close went out
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            var closes = px.metrics.find("wsroute.websocket.closes").tags("by", "upstream", "code", "1001").counter();
            return closes != null && closes.count() == 1;
        });
    }

    @Test
    void aReloadLeavesOpenConnectionsAlone() throws Exception {
        px.routes(simpleRoute(a.endpoint()));
        try (WsClient c = WsClient.connect(px.ws("/echo"), Map.of())) {
            assertThat(c.roundTrip("before")).isEqualTo("before");
            // unchanged route plus a new one, then the same route with other edits but the same endpoint
            px.routes(simpleRoute(a.endpoint()) + "---\n" + route("other", "[]", """
                    - match: {path: {value: /other}}
                      backends: [{endpoints: [%s]}]
                    """.formatted(b.endpoint())));
            try (WsClient marker = WsClient.connect(px.ws("/other"), Map.of())) {
                px.routes(route("chat", "[]", """
                        - match: {path: {value: /echo}}
                          rewrite: {setHeaders: [{name: X-New, value: "1"}]}
                          backends: [{endpoints: [%s, %s]}]
                        """.formatted(a.endpoint(), b.endpoint())));
                // the last reload dropped the marker's route: once its drain has ended, one of c would have too
                assertThat(marker.awaitClose()).isEqualTo(1001);
            }
            assertThat(c.roundTrip("after")).isEqualTo("after");
            assertThat(c.closeCode).isNotDone();
        }
    }

    @Test
    void aRemovedEndpointDrainsWithClose1001AndNewConnectionsGoElsewhere() throws Exception {
        px.close();
        px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "5s")); // room for a round trip during the drain
        px.routes(simpleRoute(a.endpoint()));
        try (WsClient c = WsClient.connect(px.ws("/echo"), Map.of())) {
            assertThat(whoami(c)).isEqualTo("a");
            px.routes(simpleRoute(b.endpoint()));
            assertThat(c.roundTrip("still here during the drain")).isEqualTo("still here during the drain");
            try (WsClient fresh = WsClient.connect(px.ws("/echo"), Map.of())) {
                assertThat(whoami(fresh)).isEqualTo("b");
            }
            assertThat(c.awaitClose()).isEqualTo(1001);
        }
        assertThat(px.metrics.get("wsroute.websocket.drained").counter().count()).isEqualTo(1);
    }

    @Test
    void idleTunnelsCloseWith1001() throws Exception {
        px.routes(route("chat", "[]", """
                - match: {path: {value: /echo}}
                  timeouts: {idle: 400ms}
                  backends: [{endpoints: [%s]}]
                """.formatted(a.endpoint())));
        // no round trip first: on a loaded machine it could take longer than the idle time it would have to fit in
        try (WsClient c = WsClient.connect(px.ws("/echo"), Map.of())) {
            assertThat(c.awaitClose()).isEqualTo(1001);
        }
        await("closed for being idle").atMost(Duration.ofSeconds(10)).until(() -> {
            var idle = px.metrics.find("wsroute.websocket.closes").tags("by", "proxy", "code", "1001", "reason", "idle").counter();
            return idle != null && idle.count() == 1;
        });
    }

    /**
     * The idle time counts from the last byte as it came, not from the sweep before it: each tunnel's last message goes
     * at its own moment of a sweep period, and no Close 1001 for being idle may come before that message's send time
     * plus the idle time (a sound lower bound: the proxy reads the message after it is sent). It counted from the last
     * sweep's time, up to 250 ms before the read, so most of these closes came early.
     */
    @Test
    void idleTimeoutNeverFiresBeforeTheIdleTimeAfterTheLastMessage() throws Exception {
        px.routes(route("chat", "[]", """
                - match: {path: {value: /echo}}
                  timeouts: {idle: 1s}
                  backends: [{endpoints: [%s]}]
                """.formatted(a.endpoint())));
        int n = 40;
        List<WsClient> clients = new ArrayList<>();
        long[] sent = new long[n];
        List<java.util.concurrent.CompletableFuture<Long>> closed = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                clients.add(WsClient.connect(px.ws("/echo"), Map.of()));
            }
            for (WsClient c : clients) {
                closed.add(c.closeCode.thenApply(code -> System.nanoTime()));
            }
            long spread = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(300) / n;
            for (int i = 0; i < n; i++) { // paced, not timed: each message at another moment of the sweep period
                sent[i] = System.nanoTime();
                clients.get(i).ws.sendText("m" + i, true);
                java.util.concurrent.locks.LockSupport.parkNanos(spread);
            }
            long idle = Duration.ofSeconds(1).toNanos();
            int early = 0;
            for (int i = 0; i < n; i++) {
                assertThat(clients.get(i).awaitClose()).isEqualTo(1001);
                if (closed.get(i).get() - sent[i] < idle) {
                    early++;
                }
            }
            assertThat(early).as("idle closes before 1 s after the last message, of " + n).isZero();
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    @Test
    void shutdownClosesOpenSocketsWith1001AfterTheDrainPeriod() throws Exception {
        px.routes(simpleRoute(a.endpoint()));
        WsClient c = WsClient.connect(px.ws("/echo"), Map.of());
        assertThat(c.roundTrip("x")).isEqualTo("x");
        px.close();
        assertThat(c.awaitClose()).isEqualTo(1001);
    }

    @Test
    void consistentHashKeepsAKeyOnOneEndpointAndLeastConnectionsSpreads() throws Exception {
        px.routes(route("chat", "[]", """
                - match: {path: {value: /sticky}}
                  loadBalancer: {policy: ConsistentHash, hashOn: {header: X-User}}
                  backends: [{endpoints: [%1$s, %2$s]}]
                - match: {path: {value: /echo}}
                  backends: [{endpoints: [%1$s, %2$s]}]
                """.formatted(a.endpoint(), b.endpoint())));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            try (WsClient c = WsClient.connect(px.ws("/sticky"), Map.of("X-User", "alice"))) {
                seen.add(whoami(c));
            }
        }
        assertThat(seen).hasSize(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> px.dataPlane.tunnels() == 0);
        List<WsClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                WsClient c = WsClient.connect(px.ws("/echo"), Map.of());
                assertThat(c.roundTrip("hi")).isEqualTo("hi");
                open.add(c);
            }
            List<String> where = new ArrayList<>();
            for (WsClient c : open) {
                where.add(whoami(c));
            }
            assertThat(where).containsOnly("a", "b").filteredOn("a"::equals).hasSize(2);
        } finally {
            open.forEach(WsClient::close);
        }
    }

    @Test
    void slowAndOversizedHeadsGet408And431ThenClose() throws Exception {
        px.routes(simpleRoute(a.endpoint()));
        // the default head timeout here: under 700 ms, a stall between connect and send on a loaded machine would be a 408
        try (RawHttp raw = new RawHttp(px.port())) {
            String r = raw.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n").readResponse();
            assertThat(status(r)).isEqualTo(431);
            assertThat(raw.closedByServer()).isTrue();
        }
        px.close();
        px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.request-header-timeout", "700ms"));
        px.routes(simpleRoute(a.endpoint()));
        try (RawHttp raw = new RawHttp(px.port())) {
            String r = raw.send("GET /echo HTTP/1.1\r\nHost: x\r\n").readResponse(); // and then nothing more
            assertThat(status(r)).isEqualTo(408);
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void hostsPickTheMostSpecificRouteWithoutFallthrough() throws Exception {
        px.routes(route("exact", "[chat.example.com]", """
                - match: {path: {value: /only-exact}}
                  backends: [{endpoints: [%s]}]
                """.formatted(a.endpoint())) + "---\n" + route("wild", "['*.example.com']", """
                - backends: [{endpoints: [%s]}]
                """.formatted(b.endpoint())));
        try (WsClient c = WsClient.connect(px.ws("/anything"), Map.of())) {
            org.junit.jupiter.api.Assertions.fail("no route claims host 127.0.0.1");
        } catch (java.util.concurrent.ExecutionException expected) {
            assertThat(expected).hasStackTraceContaining("404");
        }
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send(RawHttp.upgradeRequest("/only-exact", "CHAT.example.com:8080")).readHead())).isEqualTo(101);
        }
        try (RawHttp raw = new RawHttp(px.port())) { // exact host owns it: its rules only
            assertThat(status(raw.send(RawHttp.upgradeRequest("/elsewhere", "chat.example.com")).readResponse())).isEqualTo(404);
        }
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send(RawHttp.upgradeRequest("/elsewhere", "a.b.example.com")).readHead())).isEqualTo(101);
        }
    }
}
