package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;

/**
 * 1xx answers before the final one (100 Continue, 103 Early Hints) are relayed, but they do not move the response
 * timeout: it bounds the time to the final answer. Each 1xx used to restart it, so an upstream that sent them on and
 * on held the client's request, and a connection both ways, for good.
 */
class InterimAnswersTest {
    @Test
    void anUpstreamThatSendsOnly1xxGets504WithinTheResponseTimeout() throws Exception {
        Semaphore more = new Semaphore(0);
        AtomicInteger relayed = new AtomicInteger();
        try (ServerSocket upstream = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                // 3 s, not less: the first 103 must come within it, from a thread a loaded machine may not run for a while
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.upstream.response-timeout", "3s"))) {
            Thread hints = new Thread(() -> {
                try (Socket s = upstream.accept()) {
                    BufferedReader head = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                    while (!head.readLine().isEmpty()) {
                        // the request head
                    }
                    while (true) { // a 103 each time the client got the one before: the proxy is never idle for long
                        s.getOutputStream().write("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                        more.acquire();
                    }
                } catch (IOException | InterruptedException e) {
                    // the proxy closed it after its 504
                }
            });
            hints.setDaemon(true);
            hints.start();
            px.routes(TestRoutes.plainHttp("up", "up.test", "127.0.0.1:" + upstream.getLocalPort()));
            try (RawHttp client = new RawHttp(px.port())) {
                client.send("GET /hints HTTP/1.1\r\nHost: up.test\r\n\r\n");
                String[] last = {null};
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    last[0] = client.readHead();
                    if (status(last[0]) == 103) {
                        relayed.incrementAndGet();
                        more.release();
                        return false;
                    }
                    return true;
                });
                assertThat(relayed.get()).as("the 1xx were relayed meanwhile").isPositive();
                assertThat(status(last[0])).as(last[0]).isEqualTo(504);
            }
            hints.interrupt(); // it may be waiting for the next turn
            hints.join(30_000);
        }
    }
}
