package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;

/**
 * Heads that are too big are refused as soon as the limit is passed, not after they have been read: the decoder
 * looks at no more than max-header-size bytes of a head, answers, closes, and drops what still arrives.
 */
class OversizedHeadTest {
    static ProxyHarness px;

    @BeforeAll
    static void start() throws Exception {
        px = new ProxyHarness(TestConfig.wsroute());
    }

    @AfterAll
    static void stop() {
        px.close();
    }

    @Test
    void aTenMegabyteHeaderValueGets431AndTheConnectionCloses() throws IOException {
        try (RawHttp c = new RawHttp(px.port())) {
            OutputStream out = c.socket.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: h.test\r\nX-Big: ".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) 'v');
            try {
                for (int sent = 0; sent < 10_000_000; sent += chunk.length) {
                    out.write(chunk);
                }
            } catch (IOException closedByTheProxy) {
                // expected: the proxy answered and closed long before the 10 MB were sent
            }
            String answer = c.readResponse();
            assertThat(RawHttp.status(answer)).isEqualTo(431);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aRequestLineOverEightKilobytesGets414() throws IOException {
        try (RawHttp c = new RawHttp(px.port())) {
            String answer = c.send("GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: h.test\r\n\r\n").readHead();
            assertThat(RawHttp.status(answer)).isEqualTo(414);
        }
    }

    @Test
    void fiveThousandEmptyLinesBeforeTheRequestLineGet400() throws IOException {
        try (RawHttp c = new RawHttp(px.port())) {
            String answer = c.send("\r\n".repeat(5000) + "GET / HTTP/1.1\r\nHost: h.test\r\n\r\n").readResponse();
            assertThat(RawHttp.status(answer)).isEqualTo(400);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aFewEmptyLinesBeforeTheRequestLineAreTolerated() throws IOException {
        try (RawHttp c = new RawHttp(px.port())) {
            String answer = c.send("\r\n\r\nGET / HTTP/1.1\r\nHost: h.test\r\n\r\n").readHead();
            assertThat(RawHttp.status(answer)).as("no route: 404, so the head was read").isEqualTo(404);
        }
    }
}
