package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.RecordingHttpBackend;

/**
 * Request smuggling, tried for real: raw bytes into our proxy, and an independent HTTP server (the JDK's) behind it
 * recording what it acts on. Each case lists the requests the client meant; the backend must see exactly those
 * (or, for a body that turns out malformed half-way, at most the client's own request, cut short) and never a
 * request hidden in a body. After every case a marker request goes through the proxy, on the upstream connection
 * the proxy keeps alive, so that bytes left behind in it would show up as a request of their own.
 */
class DesyncCorpusTest {
    static final String SMUGGLED = "GET /admin HTTP/1.1\r\nHost: h.test\r\n\r\n";
    static RecordingHttpBackend backend;
    static ProxyHarness px;

    @BeforeAll
    static void start() throws Exception {
        backend = new RecordingHttpBackend();
        px = new ProxyHarness(TestConfig.wsroute());
        px.routes(TestRoutes.plainHttp("h", "h.test", backend.endpoint()));
    }

    @AfterAll
    static void stop() {
        px.close();
        backend.close();
    }

    @BeforeEach
    void clear() {
        backend.seen.clear();
    }

    record Case(String name, String bytes, List<String> meant, boolean mayBeCutShort, int firstStatus) {
        @Override
        public String toString() {
            return name;
        }
    }

    static String post(String headers, String body) {
        return "POST /p HTTP/1.1\r\nHost: h.test\r\n" + headers + "\r\n" + body;
    }

    static String chunked(String body) {
        return Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
    }

    static Stream<Case> corpus() {
        String cl = "Content-Length: " + SMUGGLED.length() + "\r\n";
        List<Case> c = new ArrayList<>();
        // the cases: framing headers named by Connection are kept, so the body stays a body
        c.add(new Case("Connection: Content-Length", post("Connection: Content-Length\r\n" + cl, SMUGGLED) + "GET /last HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\n\r\n",
                List.of("POST /p " + SMUGGLED, "GET /last"), false, 200));
        c.add(new Case("Connection: close, Content-Length", post("Connection: close, Content-Length\r\n" + cl, SMUGGLED),
                List.of("POST /p " + SMUGGLED), false, 200));
        c.add(new Case("Connection: Transfer-Encoding", post("Connection: Transfer-Encoding, close\r\nTransfer-Encoding: chunked\r\n", chunked(SMUGGLED)),
                List.of("POST /p " + SMUGGLED), false, 200));
        c.add(new Case("Connection: Host", "GET /p HTTP/1.1\r\nHost: h.test\r\nConnection: Host, close\r\n\r\n", List.of("GET /p"), false, 200));
        c.add(new Case("xchunked", post("Transfer-Encoding: xchunked\r\n", chunked(SMUGGLED)), List.of(), false, 400));
        c.add(new Case("xchunked with Content-Length", post("Transfer-Encoding: xchunked\r\n" + cl, SMUGGLED), List.of(), false, 400));
        c.add(new Case("quoted chunked with Content-Length", post("Transfer-Encoding: \"chunked\"\r\n" + cl, SMUGGLED), List.of(), false, 400));
        // CL.TE / TE.CL / TE.TE
        c.add(new Case("CL.TE", post("Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + SMUGGLED), List.of(), false, 400));
        c.add(new Case("TE.CL", post("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", "5c\r\n" + SMUGGLED + "\r\n0\r\n\r\n"), List.of(), false, 400));
        c.add(new Case("TE.TE two headers", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", chunked(SMUGGLED)), List.of(), false, 400));
        c.add(new Case("TE.TE list", post("Transfer-Encoding: chunked, identity\r\n", chunked(SMUGGLED)), List.of(), false, 400));
        c.add(new Case("TE.TE identity first", post("Transfer-Encoding: identity, chunked\r\n", chunked(SMUGGLED)), List.of(), false, 400));
        c.add(new Case("TE space before colon", post("Transfer-Encoding : chunked\r\n" + cl, SMUGGLED), List.of(), false, 400));
        c.add(new Case("TE obs-fold", post("Transfer-Encoding: identity\r\n chunked\r\n", chunked(SMUGGLED)), List.of(), false, 400));
        c.add(new Case("TE leading space line", post("X: y\r\n Transfer-Encoding: chunked\r\n" + cl, SMUGGLED), List.of(), false, 400));
        c.add(new Case("TE vertical tab", post("Transfer-Encoding:\u000bchunked\r\n", chunked(SMUGGLED)), List.of(), false, 400));
        c.add(new Case("TE with underscore and CL", post("Transfer_Encoding: chunked\r\n" + cl, SMUGGLED), List.of(), false, 400));
        c.add(new Case("TE in HTTP/1.0", "POST /p HTTP/1.0\r\nHost: h.test\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(SMUGGLED), List.of(), false, 400));
        c.add(new Case("two Content-Lengths", post("Content-Length: 0\r\n" + cl, SMUGGLED), List.of(), false, 400));
        c.add(new Case("Content-Length list", post("Content-Length: 0, " + SMUGGLED.length() + "\r\n", SMUGGLED), List.of(), false, 400));
        c.add(new Case("Content-Length sign", post("Content-Length: +" + SMUGGLED.length() + "\r\n", SMUGGLED), List.of(), false, 400));
        // malformed chunks: the head may have gone upstream; the body never completes there, the client gets 400
        for (String junk : List.of("5c \r\n", "0x5c\r\n", "+5c\r\n", "5c\n", "-1\r\n", "fffffffffffffffffff\r\n", "00000000000000005c\r\n",
                "5c;\u0000\r\n", " 5c\r\n", "\r\n")) {
            c.add(new Case("chunk-size " + junk.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "NUL"),
                    post("Transfer-Encoding: chunked\r\n", junk + SMUGGLED + "\r\n0\r\n\r\n"), List.of("POST /p"), true, 400));
        }
        c.add(new Case("chunk data without CRLF", post("Transfer-Encoding: chunked\r\n", "3\r\nabcX" + "0\r\n\r\n" + SMUGGLED), List.of("POST /p"), true, 400));
        c.add(new Case("bare LF in trailer", post("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\nX: y\n\r\n" + SMUGGLED), List.of("POST /p"), true, 400));
        // heads
        c.add(new Case("bare LF head", "POST /p HTTP/1.1\nHost: h.test\n" + cl + "\n" + SMUGGLED, List.of(), false, 400));
        c.add(new Case("bare LF in one field", post("X: y\nContent-Length: 0\r\n", SMUGGLED), List.of(), false, 400));
        c.add(new Case("bare CR in a field", post("X: y\rContent-Length: 0\r\n" + cl, SMUGGLED), List.of(), false, 400));
        c.add(new Case("NUL in a field", post("X: a\u0000b\r\n" + cl, SMUGGLED), List.of(), false, 400));
        c.add(new Case("NUL in the target", "GET /p\u0000 HTTP/1.1\r\nHost: h.test\r\n\r\n" + SMUGGLED, List.of(), false, 400));
        c.add(new Case("%00 in the path", "GET /p%00 HTTP/1.1\r\nHost: h.test\r\n\r\n" + SMUGGLED, List.of(), false, 400));
        c.add(new Case("dot segment with parameters", "GET /p/..;/admin HTTP/1.1\r\nHost: h.test\r\n\r\n", List.of(), false, 400));
        c.add(new Case("encoded dot segment with parameters", "GET /p/%2e%2e;x/admin HTTP/1.1\r\nHost: h.test\r\n\r\n", List.of(), false, 400));
        c.add(new Case("bytes after a bad request are never parsed", "GET /%zz HTTP/1.1\r\nHost: h.test\r\n\r\n" + SMUGGLED, List.of(), false, 400));
        c.add(new Case("absolute-form with another Host", "GET http://evil.test/p HTTP/1.1\r\nHost: h.test\r\n\r\n", List.of(), false, 400));
        // what is well framed goes through as sent
        // (no trailer here: the JDK's server behind cannot read request trailers; UpstreamFramingTest relays them)
        c.add(new Case("chunked with extension", post("Transfer-Encoding: chunked\r\nConnection: close\r\n", "3;x=y\r\nabc\r\n0\r\n\r\n"),
                List.of("POST /p abc"), false, 200));
        c.add(new Case("pipelined", "GET /a HTTP/1.1\r\nHost: h.test\r\n\r\n" + post(cl, SMUGGLED).replace("POST /p", "POST /b")
                + "GET /c HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\n\r\n", List.of("GET /a", "POST /b " + SMUGGLED, "GET /c"), false, 200));
        c.add(new Case("normalised path", "GET /x/../p/./q HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\n\r\n", List.of("GET /p/q"), false, 200));
        c.add(new Case("absolute-form", "GET http://h.test/p?q=1 HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\n\r\n", List.of("GET /p?q=1"), false, 200));
        return c.stream();
    }

    static Stream<Arguments> cases() {
        String only = System.getProperty("desync.only");
        return corpus().filter(c -> only == null || c.name().contains(only)).map(Arguments::of);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("cases")
    void theBackendSeesOnlyTheRequestsTheClientMeant(Case c) throws IOException {
        String responses;
        try (RawHttp client = new RawHttp(px.port())) {
            client.send(c.bytes());
            responses = readUntilClosed(client);
        }
        if (c.firstStatus() != 0) {
            assertThat(responses).as("first answer").startsWith("HTTP/1.1 " + c.firstStatus());
        }
        if (c.firstStatus() >= 400) {
            assertThat(responses.split("HTTP/1.1 ", -1)).as("one answer, then the connection closes").hasSize(2);
        }
        // a marker through the proxy: it reuses the kept-alive upstream connection if there is one
        try (RawHttp marker = new RawHttp(px.port())) {
            String answer = marker.send("GET /marker HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\n\r\n").readResponse();
            assertThat(answer).startsWith("HTTP/1.1 200").endsWith("GET /marker");
        }
        List<String> seen = backend.seen.subList(0, backend.seen.size() - 1);
        assertThat(backend.seen).last().isEqualTo("GET /marker");
        assertThat(seen).noneMatch(s -> s.startsWith("GET /admin"));
        if (c.mayBeCutShort()) {
            assertThat(seen).as("at most the client's own request").hasSizeLessThanOrEqualTo(1)
                    .allMatch(s -> s.startsWith(c.meant().get(0)));
        } else {
            assertThat(seen).containsExactlyElementsOf(c.meant());
        }
    }

    /** Everything the proxy answers until it closes the connection. */
    static String readUntilClosed(RawHttp client) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        InputStream in = client.socket.getInputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0;) {
                all.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the proxy neither answered and closed nor closed: " + all.toString(StandardCharsets.ISO_8859_1));
        } catch (IOException reset) {
            // a reset after the answer is a close too
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }
}
