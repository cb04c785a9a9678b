package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.header;
import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.ScriptedProxy;
import dev.wsroute.testing.ScriptedUpstream;
import dev.wsroute.testing.ScriptedUpstream.Answer;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.Pool;
import dev.wsroute.testing.TestConfig;

/**
 * Chunked request bodies go upstream as the client sent them — chunk sizes, extensions and trailers, never
 * re-chunked — after the client decoder checked their framing. A broken body, or one over the body limit, gets
 * 400 / 413 and closes both connections: nothing after it is read as a request, and the upstream connection that
 * carried part of it is never reused.
 */
class ChunkedRequestBodyTest {
    @RegisterExtension
    static final ScriptedProxy http = new ScriptedProxy(ChunkedRequestBodyTest::echo);

    @TempDir
    Path dir;

    static Answer echo(ScriptedUpstream.Request r) {
        String body = "got " + r.body();
        return Answer.of("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
    }

    static String post(String body) {
        return "POST /up HTTP/1.1\r\nHost: up.test\r\nTransfer-Encoding: chunked\r\n\r\n" + body;
    }

    @Test
    void aChunkedBodyGoesUpstreamByteForByteWithExtensionsAndTrailers() throws Exception {
        String body = "5;name=value;flag\r\nhello\r\n1;x=\"quoted; string\"\r\n \r\n5\r\nworld\r\n0;last=1\r\nX-Checksum: 42\r\nX-Other: a b\r\n\r\n";
        try (RawHttp raw = new RawHttp(http.port())) {
            for (int i = 0; i < 2; i++) {
                String r = raw.send(post(body)).readResponse();
                assertThat(r).startsWith("HTTP/1.1 200").endsWith("got hello world");
            }
        }
        assertThat(http.upstream().requests).hasSize(2).allSatisfy(r -> {
            assertThat(header(r.head(), "transfer-encoding")).isEqualTo("chunked");
            assertThat(r.framedBody()).as("as it came: not re-chunked, trailers kept").isEqualTo(body);
        });
        assertThat(http.upstream().connectionsUsed()).as("the body ended where its framing said: the connection is reused").isEqualTo(1);
    }

    @Test
    void aLargeChunkedBodySentInPiecesArrivesIntact() throws Exception {
        StringBuilder body = new StringBuilder();
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            String chunk = String.valueOf((char) ('a' + i % 26)).repeat(1 + i * 37 % 4000);
            body.append(Integer.toHexString(chunk.length())).append(i % 7 == 0 ? ";n=" + i : "").append("\r\n").append(chunk).append("\r\n");
            data.append(chunk);
        }
        body.append("0\r\nX-Count: 300\r\n\r\n");
        byte[] all = post(body.toString()).getBytes(StandardCharsets.ISO_8859_1);
        try (RawHttp raw = new RawHttp(http.port())) {
            for (int from = 0; from < all.length; from += 777) { // pieces that cut lines and data anywhere
                raw.send(java.util.Arrays.copyOfRange(all, from, Math.min(all.length, from + 777)));
            }
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 200");
        }
        assertThat(http.upstream().requests).singleElement().satisfies(r -> {
            assertThat(r.framedBody()).isEqualTo(body.toString());
            assertThat(r.body()).isEqualTo(data.toString());
        });
    }

    @Test
    void theJdkHttpClientStreamsAChunkedBodyThroughTheProxy() throws Exception {
        byte[] data = "streamed by the JDK client ".repeat(5000).getBytes(StandardCharsets.US_ASCII);
        HttpRequest.BodyPublisher unknownLength = HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(data));
        assertThat(unknownLength.contentLength()).as("so the JDK client sends it chunked").isNegative();
        int port = Integer.parseInt(http.upstream().endpoint().substring(http.upstream().endpoint().lastIndexOf(':') + 1));
        // the JDK client sends Host from the URI: the default backend takes it
        try (ProxyHarness byAddress = new ProxyHarness(TestConfig.wsroute(),
                () -> Pool.defaultBackend(List.of(Endpoint.of("127.0.0.1", port, 1))))) {
            HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + byAddress.port() + "/up")).POST(unknownLength).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("got " + new String(data, StandardCharsets.US_ASCII));
        }
        assertThat(http.upstream().requests).singleElement().satisfies(r -> {
            assertThat(header(r.head(), "transfer-encoding")).isEqualTo("chunked");
            assertThat(r.body()).isEqualTo(new String(data, StandardCharsets.US_ASCII));
            assertThat(r.framedBody()).as("the JDK's own chunks, as they came").matches("(?s)([0-9a-fA-F]+\r\n[^\r]+\r\n)+0\r\n\r\n");
        });
    }

    @Test
    void curlUploadsAChunkedBodyWithTheChunksItChose() throws Exception {
        UpstreamFramingTest.assumeCurl();
        Path file = dir.resolve("body");
        Files.writeString(file, "c".repeat(70_000));
        Process p = new ProcessBuilder("/usr/bin/curl", "-sS", "--max-time", "30", "-H", "Host: up.test", "-H", "Transfer-Encoding: chunked",
                "--data-binary", "@" + file, "http://127.0.0.1:" + http.port() + "/up").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).isEqualTo("got " + "c".repeat(70_000));
        assertThat(http.upstream().requests).singleElement().satisfies(r -> {
            assertThat(header(r.head(), "transfer-encoding")).isEqualTo("chunked");
            assertThat(r.framedBody()).matches("(?s)[0-9a-fA-F]+\r\nc+\r\n.*0\r\n\r\n");
        });
    }

    /** Broken framing, each a case of its own: 400, and both connections closed. */
    @ParameterizedTest
    @ValueSource(strings = {"zz\r\nabc\r\n0\r\n\r\n", "3 \r\nabc\r\n0\r\n\r\n", "3\nabc\r\n0\r\n\r\n", "0000000000000000003\r\nabc\r\n0\r\n\r\n",
            "3;a\u0001b\r\nabc\r\n0\r\n\r\n", "3\r\nabcX\r\n0\r\n\r\n", "3\r\nabc\r\n0\r\nX y: 1\r\n\r\n", "3\r\nabc\r\n0\r\nX: a\u0000\r\n\r\n",
            "3\r\nabc\r\n0\r\nX: 1\n\r\n", "3\r\nabc\r\n0\r\n\r\r"})
    void aBrokenChunkedBodyGets400AndClosesBothConnections(String body) throws Exception {
        try (ScriptedUpstream own = new ScriptedUpstream(ChunkedRequestBodyTest::echo); ProxyHarness h = new ProxyHarness(TestConfig.wsroute())) {
            h.routes(own.routes());
            try (RawHttp raw = new RawHttp(h.port())) {
                raw.send(post(""));
                await().atMost(Duration.ofSeconds(10)).until(() -> own.accepted.get() == 1); // the head is on its way upstream
                String r = raw.send(body + "GET /smuggled HTTP/1.1\r\nHost: up.test\r\n\r\n").readResponse();
                assertThat(status(r)).isEqualTo(400);
                assertThat(header(r, "connection")).isEqualTo("close");
                assertThat(raw.closedByServer()).isTrue();
            }
            assertThat(count(h, 400)).as("counted as a 400").isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(own.closedByProxy.get())
                    .as("the upstream connection that got part of the body is closed, not pooled").isEqualTo(1));
            assertThat(own.requests).as("the upstream never got a whole request, nor the one after the body").isEmpty();
        }
    }

    /**
     * A trailer field that must not be one (RFC 9110 §6.5.1) — framing, routing, authentication, the forwarding fields
     * the proxy vouches for — in any case: an upstream that merges trailers into the head would act on a value nothing
     * checked (a second Content-Length, another Host, a forged X-Forwarded-For). It is dropped: the upstream never gets
     * the field line, and gets the rest of the body and trailers whole, in whichever reads they come (here the
     * trailers after the head went upstream, the field line cut across two writes). It was refused with 400 and the
     * upstream connection cut, as in an answer, where that cut an answer under way; one rule now for both.
     */
    @ParameterizedTest
    @ValueSource(strings = {"Content-Length: 5", "transfer-encoding: chunked", "HOST: admin.internal", "Connection: close", "Trailer: X",
            "X-Forwarded-For: 10.0.0.1", "Authorization: Basic YTpi", "Cookie: sid=1", "Content-Type: text/html"})
    void aTrailerFieldThatMustNotBeATrailerIsDroppedAndTheRestGoesUpstream(String field) throws Exception {
        try (ScriptedUpstream own = new ScriptedUpstream(ChunkedRequestBodyTest::echo); ProxyHarness h = new ProxyHarness(TestConfig.wsroute())) {
            h.routes(own.routes());
            try (RawHttp raw = new RawHttp(h.port())) {
                raw.send(post("3\r\nabc\r\n0\r\nX-Fine: 1\r\n" + field.substring(0, 3)));
                await().atMost(Duration.ofSeconds(10)).until(() -> own.accepted.get() == 1); // the head is on its way upstream
                String r = raw.send(field.substring(3) + "\r\nX-After: 2\r\n\r\nGET /next HTTP/1.1\r\nHost: up.test\r\n\r\n").readResponse();
                assertThat(r).as(r).startsWith("HTTP/1.1 200").endsWith("got abc");
                assertThat(raw.readResponse()).as("the request after the body").startsWith("HTTP/1.1 200");
            }
            assertThat(own.requests).extracting(ScriptedUpstream.Request::framedBody)
                    .containsExactly("3\r\nabc\r\n0\r\nX-Fine: 1\r\nX-After: 2\r\n\r\n", "");
            assertThat(h.metrics.get("wsroute.http.trailer.fields.dropped").tag("from", "client").counter().count()).isEqualTo(1);
        }
    }

    @Test
    void trailerFieldsThatMayBeTrailersGoUpstreamAsSent() throws Exception {
        String body = "3\r\nabc\r\n0\r\nServer-Timing: db;dur=5\r\nX-Content-Length: 9\r\nContent-Lengths: 1\r\nDigest: sha-256=x\r\n\r\n";
        try (RawHttp raw = new RawHttp(http.port())) {
            assertThat(raw.send(post(body)).readResponse()).startsWith("HTTP/1.1 200").endsWith("got abc");
        }
        assertThat(http.upstream().requests).singleElement().extracting(ScriptedUpstream.Request::framedBody).isEqualTo(body);
    }

    @Test
    void aClientThatGoesAwayMidBodyLeavesNoUpstreamConnectionBehind() throws Exception {
        try (ScriptedUpstream own = new ScriptedUpstream(ChunkedRequestBodyTest::echo); ProxyHarness h = new ProxyHarness(TestConfig.wsroute())) {
            h.routes(own.routes());
            try (RawHttp raw = new RawHttp(h.port())) {
                raw.send(post("a\r\n01234"));
                await().atMost(Duration.ofSeconds(10)).until(() -> own.accepted.get() == 1);
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(own.closedByProxy.get()).isEqualTo(1));
            assertThat(own.requests).isEmpty();
        }
    }

    @Test
    void bodiesOverTheLimitGet413ChunkedOrNot() throws Exception {
        try (ProxyHarness small = new ProxyHarness(TestConfig.wsroute("wsroute.limits.max-request-body-size", "1K"))) {
            small.routes(http.upstream().routes());
            try (RawHttp raw = new RawHttp(small.port())) {
                String r = raw.send("POST /up HTTP/1.1\r\nHost: up.test\r\nContent-Length: 1025\r\n\r\n").readResponse();
                assertThat(status(r)).as("refused from its head, before any byte goes upstream").isEqualTo(413);
                assertThat(raw.closedByServer()).isTrue();
            }
            try (RawHttp raw = new RawHttp(small.port())) {
                String r = raw.send(post("200\r\n" + "x".repeat(512) + "\r\n200\r\n" + "y".repeat(512) + "\r\n1\r\nz\r\n0\r\n\r\n")).readResponse();
                assertThat(status(r)).as("the chunk that goes over is refused before its data is relayed").isEqualTo(413);
                assertThat(raw.closedByServer()).isTrue();
            }
            try (RawHttp raw = new RawHttp(small.port())) {
                String r = raw.send(post("200\r\n" + "x".repeat(512) + "\r\n200\r\n" + "y".repeat(512) + "\r\n0\r\n\r\n")).readResponse();
                assertThat(r).as("exactly the limit passes").startsWith("HTTP/1.1 200").endsWith("got " + "x".repeat(512) + "y".repeat(512));
            }
            assertThat(count(small, 413)).isEqualTo(2);
        }
        assertThat(http.upstream().requests).extracting(ScriptedUpstream.Request::body).containsExactly("x".repeat(512) + "y".repeat(512));
    }

    static double count(ProxyHarness h, int status) {
        var c = h.metrics.find("wsroute.http.requests").tag("status", String.valueOf(status)).counters();
        return c.stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }
}
