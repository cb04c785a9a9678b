package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.ScriptedProxy;
import dev.wsroute.testing.ScriptedUpstream;
import dev.wsroute.testing.ScriptedUpstream.Answer;

/**
 * Upstream answers the proxy must not relay, from a real upstream socket: each gets a 502 on a client connection
 * that stays usable, the upstream connection that sent it is closed (never pooled), and the next request goes
 * through on another one — nothing of the bad answer is ever read as the answer to a later request.
 */
class HostileUpstreamAnswerTest {
    @RegisterExtension
    static final ScriptedProxy http = new ScriptedProxy(r -> Answer.of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));

    record Case(String name, String answer) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final String OK = "HTTP/1.1 200 OK\r\n";
    /**
     * The good answers close their connection, so that every bad answer comes on a fresh one: a fresh connection reads
     * a short answer written at once in one read, and a bad framing found in the read that holds the head still gets
     * a 502 (later, the head is out and the client is cut off instead: see below).
     */
    static final Answer GOOD = Answer.closing("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\ngood");
    static final String SMUGGLED = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled";

    static Stream<Case> hostile() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("two different Content-Lengths", OK + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"));
        c.add(new Case("Content-Length list of different values", OK + "Content-Length: 5, 6\r\n\r\nhello!"));
        c.add(new Case("Content-Length and Transfer-Encoding", OK + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
        c.add(new Case("Transfer-Encoding and Content-Length", OK + "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + SMUGGLED));
        c.add(new Case("Transfer-Encoding in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
        c.add(new Case("chunked not last", OK + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"));
        c.add(new Case("chunked twice", OK + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
        c.add(new Case("Content-Length not digits", OK + "Content-Length: 5x\r\n\r\nhello"));
        c.add(new Case("Content-Length with a sign", OK + "Content-Length: +5\r\n\r\nhello"));
        c.add(new Case("Content-Length too large", OK + "Content-Length: 99999999999999999999\r\n\r\nhello"));
        for (String size : List.of("zz\r\n", "-1\r\n", "5 \r\n", "0x5\r\n", " 5\r\n", "5\n", "fffffffffffffffff\r\n", "5;\u0001\r\n", "\r\n")) {
            c.add(new Case("chunk size " + size.replace("\r", "\\r").replace("\n", "\\n"),
                    OK + "Transfer-Encoding: chunked\r\n\r\n" + size + "hello\r\n0\r\n\r\n" + SMUGGLED));
        }
        c.add(new Case("chunk data not followed by CRLF", OK + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloX0\r\n\r\n" + SMUGGLED));
        c.add(new Case("malformed trailer", OK + "Transfer-Encoding: chunked\r\n\r\n0\r\nX y\r\n\r\n" + SMUGGLED));
        c.add(new Case("bare LF in trailers", OK + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: y\n\r\n" + SMUGGLED));
        // a field that must not be a trailer is dropped, the answer relayed: UpstreamFramingTest
        c.add(new Case("head over 64 KiB", OK + "X-Big: " + "a".repeat(70 * 1024) + "\r\nContent-Length: 2\r\n\r\nok"));
        c.add(new Case("folded line", OK + "X-A: 1\r\n folded\r\nContent-Length: 2\r\n\r\nok"));
        c.add(new Case("space before colon", OK + "Content-Length : 2\r\n\r\nok"));
        c.add(new Case("NUL in a value", OK + "X-A: a\u0000b\r\nContent-Length: 2\r\n\r\nok"));
        c.add(new Case("bare CR in a value", OK + "X-A: a\rb\r\nContent-Length: 2\r\n\r\nok"));
        c.add(new Case("two-digit status", "HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok"));
        c.add(new Case("status 600", "HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nok"));
        c.add(new Case("HTTP/2 status line", "HTTP/2 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        c.add(new Case("lower-case version", "http/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        c.add(new Case("not HTTP", "ICY 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        c.add(new Case("101 without an upgrade", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"));
        return c.stream();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("hostile")
    void aHostileAnswerGets502AndNothingOfItLeaksIntoTheNextAnswer(Case c) throws Exception {
        int closed = http.upstream().closedByProxy.get();
        http.upstream().script(r -> r.requestLine().startsWith("GET /bad ") ? Answer.of(c.answer())
                : GOOD);
        try (RawHttp raw = new RawHttp(http.port())) {
            String r = raw.send("GET /bad HTTP/1.1\r\nHost: up.test\r\n\r\n").readResponse();
            assertThat(status(r)).as(r).isEqualTo(502);
            assertThat(r).contains("upstream answer unreadable");
            for (int i = 0; i < 2; i++) {
                assertThat(raw.send("GET /next HTTP/1.1\r\nHost: up.test\r\n\r\n").readResponse()).as("the client connection stays usable")
                        .startsWith("HTTP/1.1 200").endsWith("\r\n\r\ngood");
            }
        }
        assertThat(http.upstream().requests).hasSize(3);
        int bad = http.upstream().requests.get(0).connection();
        assertThat(http.upstream().requests.subList(1, 3)).as("never on the connection that sent the bad answer")
                .allMatch(r -> r.connection() != bad);
        await().atMost(Duration.ofSeconds(10)).until(() -> http.upstream().closedByProxy.get() > closed);
    }

    /**
     * A plain request that asks for another protocol (curl --http2 on http:// sends {@code Upgrade: h2c}) is not an
     * upgrade the proxy carries: Upgrade is hop-by-hop and not forwarded. An upstream that answers it 101 all the same
     * gets the client a 502; the client connection stays HTTP (never a tunnel) and the upstream's bytes after its 101
     * never reach the client.
     */
    @Test
    void a101ToAPlainRequestThatAskedForH2cIs502AndTheConnectionStaysHttp() throws Exception {
        http.upstream().script(r -> r.requestLine().startsWith("GET /h2c ")
                ? Answer.of("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n" + SMUGGLED)
                : GOOD);
        try (RawHttp raw = new RawHttp(http.port())) {
            String r = raw.send("GET /h2c HTTP/1.1\r\nHost: up.test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n").readResponse();
            assertThat(status(r)).as(r).isEqualTo(502);
            assertThat(raw.send("GET /next HTTP/1.1\r\nHost: up.test\r\n\r\n").readResponse()).as("still HTTP")
                    .startsWith("HTTP/1.1 200").endsWith("\r\n\r\ngood");
        }
        assertThat(http.upstream().requests.get(0).head()).as("the upstream was not asked to switch").doesNotContainIgnoringCase("upgrade");
    }

    @Test
    void aChunkBrokenAfterTheHeadWentOutCutsTheClientOffAndNothingElse() throws Exception {
        CountDownLatch headSeen = new CountDownLatch(1);
        http.upstream().script(r -> r.requestLine().startsWith("GET /bad ")
                ? Answer.inTwo(OK + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", headSeen, "zz\r\n" + SMUGGLED)
                : GOOD);
        try (RawHttp raw = new RawHttp(http.port())) {
            raw.send("GET /bad HTTP/1.1\r\nHost: up.test\r\n\r\nGET /next HTTP/1.1\r\nHost: up.test\r\n\r\n");
            assertThat(status(raw.readHead())).isEqualTo(200);
            assertThat(new String(raw.readBytes(10), java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("5\r\nhello\r\n");
            headSeen.countDown();
            assertThat(raw.closedByServer()).as("the client is cut off; the pipelined request behind it gets no answer").isTrue();
        }
        try (RawHttp raw = new RawHttp(http.port())) {
            assertThat(raw.send("GET /next HTTP/1.1\r\nHost: up.test\r\n\r\n").readResponse()).endsWith("\r\n\r\ngood");
        }
        assertThat(http.upstream().requests).extracting(ScriptedUpstream.Request::requestLine).doesNotContain("GET /next HTTP/1.1".repeat(2))
                .startsWith("GET /bad HTTP/1.1");
        assertThat(http.upstream().requests.get(http.upstream().requests.size() - 1).connection()).isNotEqualTo(http.upstream().requests.get(0).connection());
    }

    @Test
    void anUpstreamThatClosesMidBodyCutsTheClientOff() throws Exception {
        http.upstream().script(r -> Answer.closing(OK + "Content-Length: 100\r\n\r\nonly part"));
        try (RawHttp raw = new RawHttp(http.port())) {
            String head = raw.send("GET /short HTTP/1.1\r\nHost: up.test\r\n\r\n").readHead();
            assertThat(status(head)).isEqualTo(200);
            assertThat(new String(raw.readBytes(9), java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("only part");
            assertThat(raw.closedByServer()).isTrue();
        }
    }
}
