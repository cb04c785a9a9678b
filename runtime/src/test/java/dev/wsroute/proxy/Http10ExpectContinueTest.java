package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.header;
import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.wsroute.proxy.RequestBodyTimeoutTest.Upstream;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;

/**
 * {@code Expect: 100-continue} in an HTTP/1.0 request is ignored (RFC 9110 §10.1.1: an HTTP/1.0 client cannot read a
 * 100). The request goes upstream as HTTP/1.1, so the expectation must not go with it: it did, and an upstream then
 * honoured it for a client that sends its body without waiting (a 100 the proxy had to drop, or a server that waits
 * for the client's "go", or answers 417).
 */
class Http10ExpectContinueTest {
    @Test
    void anHttp10RequestGoesUpstreamWithoutItsExpectationAndGetsNo100() throws Exception {
        AtomicReference<String> upstreamHead = new AtomicReference<>();
        try (Upstream up = new Upstream((s, in) -> {
            String head = RawHttp.head(in);
            upstreamHead.set(head);
            if (header(head, "expect") != null) {
                s.getOutputStream().write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            byte[] body = in.readNBytes(Integer.parseInt(header(head, "content-length")));
            s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(body);
            in.read();
        }); ProxyHarness px = new ProxyHarness(TestConfig.wsroute())) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                String answer = client.send("POST /upload HTTP/1.0\r\nHost: up.test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello")
                        .readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(200);
                assertThat(answer).endsWith("\r\n\r\nhello");
                assertThat(header(upstreamHead.get(), "expect")).as(upstreamHead.get()).isNull();
                assertThat(header(upstreamHead.get(), "content-length")).isEqualTo("5");
            }
        }
    }
}
