package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.header;
import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.wsroute.testing.LogLines;
import dev.wsroute.testing.Peers;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.ScriptedProxy;
import dev.wsroute.testing.ScriptedUpstream;
import dev.wsroute.testing.ScriptedUpstream.Answer;

/**
 * How the proxy reads an upstream's answers now that it relays them as bytes (no HTTP codec): each framing a real
 * upstream socket can use reaches the client intact, the pooled upstream connection carries the next request only
 * when the answer ended where its framing says, and what follows an answer is never taken for the next one.
 */
class UpstreamFramingTest {
    @RegisterExtension
    static final ScriptedProxy http = new ScriptedProxy(r -> Answer.of(ok("unset")));

    static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: up.test\r\n\r\n";
    }

    static String readExactly(RawHttp raw, int n) throws IOException {
        return new String(raw.readBytes(n), StandardCharsets.ISO_8859_1);
    }

    /** Everything until the proxy closes the connection. */
    static String readToEnd(RawHttp raw) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        InputStream in = raw.socket.getInputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0;) {
                all.write(buf, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // a reset after the answer is a close too
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    /** Answers by request path: the test's cases side by side on one http.upstream(). */
    static void script(java.util.Map<String, String> byPath) {
        http.upstream().script(r -> {
            String path = r.requestLine().split(" ")[1];
            String answer = byPath.get(path);
            return answer != null ? Answer.of(answer) : Answer.of(ok(r.requestLine()));
        });
    }

    /**
     * TRACE was forwarded: a backend that answers it echoes the request it got, with the client's Cookie and
     * Authorization and the forwarding fields the proxy adds (cross-site tracing). The proxy now answers it 405 with
     * Allow itself, whatever the method's case, counted and access-logged as the route's; the upstream never sees it,
     * and the connection stays usable.
     */
    @Test
    void traceIsAnswered405WithAllowAndNeverReachesTheUpstream() throws Exception {
        http.upstream().script(r -> Answer.of(ok(r.head()))); // a backend that echoes, as TRACE asks
        double before = requests("405");
        try (LogLines access = LogLines.of("wsroute.access"); RawHttp raw = new RawHttp(http.port())) {
            for (String method : java.util.List.of("TRACE", "trace")) {
                String r = raw.send(method + " /debug HTTP/1.1\r\nHost: up.test\r\nCookie: sid=secret\r\nAuthorization: Bearer t0ken\r\n\r\n")
                        .readResponse();
                assertThat(status(r)).as(r).isEqualTo(405);
                assertThat(header(r, "allow")).isEqualTo("GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS");
                assertThat(r).doesNotContain("secret", "t0ken", "X-Forwarded");
            }
            assertThat(raw.send(get("/after")).readResponse()).as("the connection stays usable").startsWith("HTTP/1.1 200");
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(access.lines())
                    .filteredOn(l -> l.contains(" uri=/debug ") && l.contains(" route=default/up ") && l.contains(" status=405 "))
                    .hasSize(2).anyMatch(l -> l.contains(" method=TRACE ")).anyMatch(l -> l.contains(" method=trace ")));
        }
        assertThat(http.upstream().requests).extracting(ScriptedUpstream.Request::requestLine).containsExactly("GET /after HTTP/1.1");
        assertThat(requests("405") - before).isEqualTo(2);
    }

    /**
     * A request pipelined behind one answered by the proxy itself (here TRACE) that closes the connection was
     * dispatched all the same: the close waits for the answer's write, and the decoder handed on the next head from
     * the same read meanwhile, although the client had asked to close (RFC 9112 §9.6: no further request is
     * processed). It was dialled for (and its head written at once where a parked upstream connection was at hand on
     * that loop), then cut by the close, counted 499 and access-logged. Now nothing the client sent after a request
     * that ends its connection is served.
     */
    @Test
    void aRequestPipelinedBehindALocalAnswerThatClosesTheConnectionIsNotForwarded() throws Exception {
        http.upstream().script(r -> Answer.of(ok("fine")));
        double cutOff = requests("499");
        try (RawHttp warm = new RawHttp(http.port())) { // a parked upstream connection takes a dispatched head at once
            assertThat(status(warm.send(get("/warm")).readResponse())).isEqualTo(200);
        }
        try (RawHttp raw = new RawHttp(http.port())) {
            String r = raw.send("TRACE /debug HTTP/1.1\r\nHost: up.test\r\nConnection: close\r\n\r\n"
                    + "DELETE /pipelined HTTP/1.1\r\nHost: up.test\r\n\r\n").readResponse();
            assertThat(status(r)).as(r).isEqualTo(405);
            assertThat(raw.closedByServer()).isTrue();
        }
        try (RawHttp after = new RawHttp(http.port())) {
            assertThat(status(after.send(get("/after")).readResponse())).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> http.px().clientConnections() == 0);
        assertThat(http.upstream().requests).extracting(ScriptedUpstream.Request::requestLine).doesNotContain("DELETE /pipelined HTTP/1.1");
        assertThat(requests("499") - cutOff).isZero();
    }

    private static double requests(String status) {
        var c = http.px().metrics.find("wsroute.http.requests").tag("route", "default/up").tag("status", status).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aChunkedBodyWithExtensionsAndTrailersIsRelayedByteForByteAndTheConnectionIsReused() throws Exception {
        String body = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Checksum: 42\r\nX-Other: a b\r\n\r\n";
        script(java.util.Map.of("/chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n" + body));
        try (RawHttp raw = new RawHttp(http.port())) {
            for (int i = 0; i < 3; i++) {
                String head = raw.send(get("/chunked")).readHead();
                assertThat(status(head)).isEqualTo(200);
                assertThat(header(head, "transfer-encoding")).isEqualTo("chunked");
                assertThat(header(head, "trailer")).as("trailers now pass, so their announcement does too").isEqualTo("X-Checksum");
                assertThat(readExactly(raw, body.length())).isEqualTo(body);
            }
            assertThat(status(raw.send(get("/after")).readResponse())).isEqualTo(200);
        }
        assertThat(http.upstream().requests).hasSize(4);
        assertThat(http.upstream().connectionsUsed()).as("one pooled upstream connection for all four").isEqualTo(1);
    }

    /**
     * A trailer field that must not be one (RFC 9110 §6.5.1) in an answer: in the read after the body (the client
     * already has the head and the body), the client connection was cut mid-answer and the client lost it; in the
     * head's read the client got a 502 for an answer that was fine but for a trailer. Now, whichever read it comes in
     * (also a field line cut across two), the field is dropped and the rest of the trailers go on: the client gets the
     * whole answer, its connection stays usable, and the drop is counted under the route.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"in the head's read", "after the client got the body", "a field line cut across reads"})
    void aTrailerFieldThatMustNotBeOneIsDroppedFromAnAnswerWhicheverReadItComesIn(String split) throws Exception {
        String head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        String trailers = "0\r\nX-Sum: 42\r\nSet-Cookie: sid=evil\r\nCONTENT-LENGTH: 9\r\nX-After: 1\r\n\r\n";
        java.util.concurrent.CountDownLatch bodySeen = new java.util.concurrent.CountDownLatch(1);
        int cut = split.startsWith("a field") ? "0\r\nX-Sum: 42\r\nSet-Coo".length() : 0;
        String first = head + "5\r\nhello\r\n" + trailers.substring(0, cut);
        http.upstream().script(r -> r.requestLine().startsWith("GET /trailers ")
                ? split.startsWith("in the head") ? Answer.of(first + trailers) : Answer.inTwo(first, bodySeen, trailers.substring(cut))
                : Answer.of(ok("next")));
        double before = trailersDropped();
        try (RawHttp raw = new RawHttp(http.port())) {
            assertThat(raw.send(get("/trailers")).readHead()).isEqualTo(head);
            assertThat(readExactly(raw, 10)).isEqualTo("5\r\nhello\r\n");
            bodySeen.countDown();
            String end = "0\r\nX-Sum: 42\r\nX-After: 1\r\n\r\n";
            assertThat(readExactly(raw, end.length())).as("the trailers but the forbidden ones").isEqualTo(end);
            assertThat(raw.send(get("/next")).readResponse()).as("the connection stays usable").endsWith("\r\n\r\nnext");
        }
        assertThat(trailersDropped() - before).isEqualTo(1);
    }

    private static double trailersDropped() {
        var c = http.px().metrics.find("wsroute.http.trailer.fields.dropped").tag("route", "default/up").tag("from", "upstream").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void headAnswersHaveNoBodyWhateverTheirLengthSays() throws Exception {
        script(java.util.Map.of("/doc", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
                "/chunky", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
        try (RawHttp raw = new RawHttp(http.port())) {
            String head = raw.send("HEAD /doc HTTP/1.1\r\nHost: up.test\r\n\r\n").readHead();
            assertThat(status(head)).isEqualTo(200);
            assertThat(header(head, "content-length")).isEqualTo("1000");
            head = raw.send("HEAD /chunky HTTP/1.1\r\nHost: up.test\r\n\r\n").readHead();
            assertThat(header(head, "transfer-encoding")).isEqualTo("chunked");
            String next = raw.send(get("/next")).readResponse();
            assertThat(next).startsWith("HTTP/1.1 200").endsWith("GET /next HTTP/1.1");
        }
        assertThat(http.upstream().requests).extracting(ScriptedUpstream.Request::requestLine)
                .containsExactly("HEAD /doc HTTP/1.1", "HEAD /chunky HTTP/1.1", "GET /next HTTP/1.1");
        assertThat(http.upstream().connectionsUsed()).isEqualTo(1);
    }

    @Test
    void noContentAndNotModifiedEndAtTheirHead() throws Exception {
        script(java.util.Map.of("/204", "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n",
                "/304", "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\nETag: \"v1\"\r\n\r\n"));
        try (RawHttp raw = new RawHttp(http.port())) {
            String r204 = raw.send(get("/204")).readHead();
            assertThat(status(r204)).isEqualTo(204);
            assertThat(header(r204, "x-a")).isEqualTo("1");
            String r304 = raw.send(get("/304")).readHead();
            assertThat(status(r304)).isEqualTo(304);
            assertThat(header(r304, "etag")).isEqualTo("\"v1\"");
            assertThat(raw.send(get("/next")).readResponse()).startsWith("HTTP/1.1 200").endsWith("GET /next HTTP/1.1");
        }
        assertThat(http.upstream().connectionsUsed()).isEqualTo(1);
    }

    @Test
    void informationalHeadsGoBeforeTheFinalAnswerToHttp11ClientsOnly() throws Exception {
        String hints = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n";
        script(java.util.Map.of("/hints", hints + ok("page")));
        try (RawHttp raw = new RawHttp(http.port())) {
            String first = raw.send(get("/hints")).readHead();
            assertThat(first).isEqualTo(hints);
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 200").endsWith("page");
        }
        try (RawHttp raw = new RawHttp(http.port())) {
            String r = raw.send("GET /hints HTTP/1.0\r\nHost: up.test\r\n\r\n").readResponse();
            assertThat(r).as("an HTTP/1.0 client knows no 1xx").startsWith("HTTP/1.1 200").endsWith("page");
            assertThat(header(r, "connection")).isEqualTo("close");
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    static final String CHUNKED_WITH_TRAILERS = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\nX-App: 1\r\n\r\n"
            + "5;ext=1\r\nhello\r\n";
    static final String CHUNKED_REST = "6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n";

    @Test
    void anHttp10ClientGetsAChunkedBodyDecodedAndEndedByTheClose() throws Exception {
        int closedBefore = http.upstream().closedByProxy.get();
        for (String connection : new String[] {"", "Connection: keep-alive\r\n"}) {
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            http.upstream().script(r -> Answer.inTwo(CHUNKED_WITH_TRAILERS, gate, CHUNKED_REST));
            try (RawHttp raw = new RawHttp(http.port())) {
                String head = raw.send("GET /chunked HTTP/1.0\r\nHost: up.test\r\n" + connection + "\r\n").readHead();
                assertThat(head).as("no chunked coding for HTTP/1.0 (RFC 9112 §7.1); the close ends the body")
                        .isEqualTo("HTTP/1.1 200 OK\r\nTrailer: X-Sum\r\nX-App: 1\r\nConnection: close\r\n\r\n");
                assertThat(readExactly(raw, 5)).as("the first chunk's data, before the rest came").isEqualTo("hello");
                gate.countDown();
                assertThat(readToEnd(raw)).as("the data only: no chunk lines, no trailers").isEqualTo(" world");
            }
        }
        http.upstream().script(r -> Answer.of(CHUNKED_WITH_TRAILERS + CHUNKED_REST));
        try (RawHttp raw = new RawHttp(http.port())) {
            String head = raw.send(get("/chunked")).readHead();
            assertThat(header(head, "transfer-encoding")).as("an HTTP/1.1 client still gets it as it came").isEqualTo("chunked");
            String body = "5;ext=1\r\nhello\r\n" + CHUNKED_REST;
            assertThat(readExactly(raw, body.length())).isEqualTo(body);
        }
        assertThat(http.upstream().closedByProxy.get()).as("the answers ended where their framing said: no upstream connection was closed")
                .isEqualTo(closedBefore);
    }

    @Test
    void anHttp10KeepAliveClientKeepsItsConnectionForAnswersWithALength() throws Exception {
        script(java.util.Map.of("/len", ok("sized"), "/chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
        try (RawHttp raw = new RawHttp(http.port())) {
            String keepAlive = "Host: up.test\r\nConnection: keep-alive\r\n\r\n";
            String r = raw.send("GET /len HTTP/1.0\r\n" + keepAlive).readResponse();
            assertThat(r).endsWith("sized");
            assertThat(header(r, "connection")).isEqualTo("keep-alive");
            String head = raw.send("HEAD /chunked HTTP/1.0\r\n" + keepAlive).readHead();
            assertThat(header(head, "connection")).as("an answer to HEAD has no body to decode").isEqualTo("keep-alive");
            head = raw.send("GET /chunked HTTP/1.0\r\n" + keepAlive).readHead();
            assertThat(header(head, "connection")).isEqualTo("close");
            assertThat(header(head, "transfer-encoding")).isNull();
            assertThat(readToEnd(raw)).isEqualTo("abc");
        }
    }

    @Test
    void curlSpeakingHttp10GetsTheDecodedBody() throws Exception {
        assumeCurl();
        script(java.util.Map.of("/chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + "400\r\n" + "a".repeat(1024)
                + "\r\n3;x=y\r\nend\r\n0\r\nX-T: 1\r\n\r\n"));
        Process p = new ProcessBuilder("/usr/bin/curl", "-sS", "-i", "--http1.0", "--max-time", "30", "-H", "Host: up.test",
                "http://127.0.0.1:" + http.port() + "/chunked").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).startsWith("HTTP/1.1 200 OK\r\n").doesNotContainIgnoringCase("transfer-encoding").contains("Connection: close\r\n")
                .endsWith("\r\n\r\n" + "a".repeat(1024) + "end");
    }

    @Test
    void aBrokenChunkForAnHttp10ClientGets502BeforeItsHeadAndAClosedConnectionAfter() throws Exception {
        int closedBefore = http.upstream().closedByProxy.get();
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        String head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        http.upstream().script(r -> r.requestLine().contains("/early") ? Answer.of(head + "3\r\nabc\r\nzz\r\n")
                : r.requestLine().contains("/gzip") ? Answer.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
                : Answer.inTwo(head + "3\r\nabc\r\n", gate, "3\r\ndefXX"));
        try (RawHttp raw = new RawHttp(http.port())) {
            String keepAlive = "Host: up.test\r\nConnection: keep-alive\r\n\r\n";
            assertThat(status(raw.send("GET /early HTTP/1.0\r\n" + keepAlive).readResponse())).isEqualTo(502);
            String r = raw.send("GET /gzip HTTP/1.0\r\n" + keepAlive).readResponse();
            assertThat(status(r)).as("a coding an HTTP/1.0 client cannot take").isEqualTo(502);
            assertThat(raw.send("GET /late HTTP/1.0\r\n" + keepAlive).readHead()).doesNotContainIgnoringCase("transfer-encoding");
            assertThat(readExactly(raw, 3)).isEqualTo("abc");
            gate.countDown();
            assertThat(readToEnd(raw)).as("the bad chunk's data never reaches the client").isEmpty();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(http.upstream().closedByProxy.get())
                .as("each of the three upstream connections is closed, none reused").isEqualTo(closedBefore + 3));
    }

    /**
     * A body in a transfer coding other than chunked, ended by the upstream's close (RFC 9112 §6.3): an HTTP/1.1 client
     * gets it with its Transfer-Encoding and the close; an HTTP/1.0 client can read no transfer coding and must not
     * be sent one (RFC 9112 §6.1), so it gets a 502, as for {@code gzip, chunked}. It used to get the head with
     * {@code Transfer-Encoding: gzip} and the coded bytes as if they were the body.
     */
    @Test
    void aCodedBodyEndedByTheCloseGoesToHttp11ClientsOnly() throws Exception {
        http.upstream().script(r -> r.requestLine().startsWith("HEAD ") ? Answer.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                : Answer.closing("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\u001f\u008bcoded until the close"));
        try (RawHttp raw = new RawHttp(http.port())) {
            String all = readToEnd(raw.send(get("/coded")));
            assertThat(header(all, "transfer-encoding")).isEqualTo("gzip");
            assertThat(header(all, "connection")).isEqualTo("close");
            assertThat(all).endsWith("\r\n\r\n\u001f\u008bcoded until the close");
        }
        try (RawHttp raw = new RawHttp(http.port())) {
            String keepAlive = "Host: up.test\r\nConnection: keep-alive\r\n\r\n";
            String r = raw.send("GET /coded HTTP/1.0\r\n" + keepAlive).readResponse();
            assertThat(status(r)).as(r).isEqualTo(502);
            assertThat(r).doesNotContainIgnoringCase("transfer-encoding").contains("a transfer coding other than chunked");
            String head = raw.send("HEAD /coded HTTP/1.0\r\n" + keepAlive).readHead();
            assertThat(status(head)).isEqualTo(200);
            assertThat(head).as("no Transfer-Encoding to HTTP/1.0, even on an answer without a body").doesNotContainIgnoringCase("transfer-encoding");
        }
    }

    static void assumeCurl() {
        Peers.require(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/curl")), "curl is not installed: apt-get install curl");
    }

    @Test
    void continueIsRelayedThenTheBodyGoesUpstream() throws Exception {
        // (ExpectContinueCurlTest has an upstream that answers 100 before the body; this one answers after it)
        http.upstream().script(r -> Answer.of("HTTP/1.1 100 Continue\r\n\r\n" + ok("got " + r.body())));
        try (RawHttp raw = new RawHttp(http.port())) {
            raw.send("POST /up HTTP/1.1\r\nHost: up.test\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
            assertThat(raw.readHead()).startsWith("HTTP/1.1 100 Continue");
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 200").endsWith("got abc");
        }
        assertThat(http.upstream().requests).last().satisfies(r -> {
            assertThat(header(r.head(), "expect")).isEqualTo("100-continue");
            assertThat(header(r.head(), "transfer-encoding")).isEqualTo("chunked");
        });
    }

    @Test
    void aBodyThatRunsUntilTheUpstreamClosesEndsTheClientConnectionToo() throws Exception {
        http.upstream().script(r -> Answer.closing(r.requestLine().contains("/v10") ? "HTTP/1.0 200 OK\r\nX-V: 10\r\n\r\nold style body"
                : "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close"));
        for (String path : new String[] {"/v11", "/v10"}) {
            try (RawHttp raw = new RawHttp(http.port())) {
                String all = readToEnd(raw.send(get(path)));
                assertThat(all).startsWith("HTTP/1.1 200 OK\r\n").as("the proxy speaks HTTP/1.1 whatever the upstream spoke");
                assertThat(header(all, "connection")).isEqualTo("close");
                assertThat(all).endsWith(path.equals("/v10") ? "\r\n\r\nold style body" : "\r\n\r\nuntil close");
            }
        }
    }

    @Test
    void pipelinedRequestsGetTheirAnswersInOrderAcrossFramings() throws Exception {
        script(java.util.Map.of("/a", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
                "/b", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n",
                "/c", "HTTP/1.1 204 No Content\r\n\r\n",
                "/d", ok("dd")));
        try (RawHttp raw = new RawHttp(http.port())) {
            raw.send(get("/a") + "HEAD /b HTTP/1.1\r\nHost: up.test\r\n\r\n" + get("/c") + get("/d"));
            assertThat(raw.readHead()).contains("Transfer-Encoding: chunked");
            assertThat(readExactly(raw, 11)).isEqualTo("1\r\na\r\n0\r\n\r\n");
            assertThat(header(raw.readHead(), "content-length")).isEqualTo("3");
            assertThat(status(raw.readHead())).isEqualTo(204);
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 200").endsWith("dd");
        }
        assertThat(http.upstream().connectionsUsed()).isEqualTo(1);
    }

    @Test
    void hopByHopFieldsAndThoseConnectionNamesAreDroppedTheRestKeptInOrder() throws Exception {
        script(java.util.Map.of("/hop", "HTTP/1.1 200 OK\r\nX-First: 1\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\n"
                + "X-Secret: s\r\nProxy-Connection: keep-alive\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 2\r\n\r\nok",
                "/lf", "HTTP/1.1 200 OK\nX-Lf: 1\nContent-Length: 2\n\nok"));
        try (RawHttp raw = new RawHttp(http.port())) {
            String r = raw.send(get("/hop")).readResponse();
            assertThat(r).isEqualTo("HTTP/1.1 200 OK\r\nX-First: 1\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 2\r\n\r\nok");
            assertThat(raw.send(get("/lf")).readResponse()).as("bare LFs become CRLFs").isEqualTo("HTTP/1.1 200 OK\r\nX-Lf: 1\r\nContent-Length: 2\r\n\r\nok");
        }
        try (RawHttp raw = new RawHttp(http.port())) {
            String r = raw.send("GET /hop HTTP/1.0\r\nHost: up.test\r\nConnection: keep-alive\r\n\r\n").readResponse();
            assertThat(header(r, "connection")).as("an HTTP/1.0 client is told the connection stays").isEqualTo("keep-alive");
            assertThat(raw.send("GET /hop HTTP/1.1\r\nHost: up.test\r\nConnection: close\r\n\r\n").readResponse()).contains("Connection: close\r\n");
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void theRequestHeadGoesUpstreamAsParsedWithoutHopByHopFieldsAndWithForwardingFields() throws Exception {
        http.upstream().script(r -> Answer.of(ok("seen")));
        try (RawHttp raw = new RawHttp(http.port())) {
            raw.send("GET /f?q=1 HTTP/1.1\r\nHost: up.test\r\nX-Forwarded-For: 10.0.0.1\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\n"
                    + "Keep-Alive: timeout=5\r\nTE: trailers\r\nX-Keep: k\r\nForwarded: for=10.0.0.1\r\nX-Forwarded-Host: spoofed\r\n\r\n");
            assertThat(raw.readResponse()).endsWith("seen");
        }
        assertThat(http.upstream().requests).singleElement().extracting(ScriptedUpstream.Request::head).isEqualTo(
                "GET /f?q=1 HTTP/1.1\r\nHost: up.test\r\nX-Keep: k\r\nX-Forwarded-For: 10.0.0.1, 127.0.0.1\r\nX-Forwarded-Proto: http\r\n"
                        + "X-Forwarded-Host: up.test\r\nForwarded: for=10.0.0.1, for=127.0.0.1;host=up.test;proto=http\r\n\r\n");
    }

    /**
     * The hop-by-hop and forwarding edits decide field by field in one pass: names in any case, repeated fields and
     * Connection lines, names of the same length as an edited one, obs-text values (passed on byte for byte), and
     * forwarding fields the client itself named hop-by-hop (not passed on in front of ours).
     */
    @Test
    void hopByHopAndForwardingEditsReadEachFieldOnce() throws Exception {
        http.upstream().script(r -> Answer.of(ok("seen")));
        try (RawHttp raw = new RawHttp(http.port())) {
            raw.send("GET /e HTTP/1.1\r\nHost: up.test\r\nx-FORWARDED-for: 10.0.0.1\r\nX-Forwarded-For: 10.0.0.2\r\nUpgrade: h2c\r\n"
                    + "connection: X-Drop-A\r\nX-Drop-a: 1\r\nX-Obs: caf\u00e9 \u00ff\r\nCONNECTION: x-drop-b, Proxy-Authenticate\r\n"
                    + "x-drop-B: 2\r\nProxy-Connection: keep-alive\r\nTrailer: X-Sum\r\nX-Forwarded-Fox: kept\r\nKeep-Alivf: kept\r\n"
                    + "tE: trailers\r\nX-Forwarded-Proto: https\r\nforwarded: for=10.0.0.9\r\nForwarded: for=10.0.0.8\r\n"
                    + "x-forwarded-HOST: spoofed\r\n\r\n");
            assertThat(raw.readResponse()).endsWith("seen");
            raw.send("GET /f HTTP/1.1\r\nHost: up.test\r\nX-Forwarded-For: 10.0.0.1\r\nForwarded: for=10.0.0.1\r\n"
                    + "Connection: x-forwarded-for, FORWARDED\r\n\r\n");
            assertThat(raw.readResponse()).endsWith("seen");
        }
        assertThat(http.upstream().requests).extracting(ScriptedUpstream.Request::head).containsExactly(
                "GET /e HTTP/1.1\r\nHost: up.test\r\nX-Obs: caf\u00e9 \u00ff\r\nX-Forwarded-Fox: kept\r\nKeep-Alivf: kept\r\n"
                        + "X-Forwarded-For: 10.0.0.1, 10.0.0.2, 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: up.test\r\n"
                        + "Forwarded: for=10.0.0.9, for=10.0.0.8, for=127.0.0.1;host=up.test;proto=http\r\n\r\n",
                "GET /f HTTP/1.1\r\nHost: up.test\r\nX-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\n"
                        + "X-Forwarded-Host: up.test\r\nForwarded: for=127.0.0.1;host=up.test;proto=http\r\n\r\n");
    }

    @Test
    void bytesAfterAnAnswerAreNeverRelayedAndRetireTheConnection() throws Exception {
        String smuggled = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled";
        script(java.util.Map.of("/extra", ok("ok") + smuggled));
        try (RawHttp raw = new RawHttp(http.port())) {
            assertThat(raw.send(get("/extra")).readResponse()).endsWith("\r\n\r\nok");
            String next = raw.send(get("/next")).readResponse();
            assertThat(next).startsWith("HTTP/1.1 200").endsWith("GET /next HTTP/1.1");
        }
        assertThat(http.upstream().connectionsUsed()).as("the connection that sent extra bytes was not reused").isEqualTo(2);
    }
}
