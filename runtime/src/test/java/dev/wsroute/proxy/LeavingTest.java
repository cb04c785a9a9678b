package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;

/**
 * SIGTERM's first phase ({@link DataPlane#leave}): the listeners go on serving, but every HTTP answer says
 * {@code Connection: close} and ends its connection, so a keep-alive client reconnects, to another replica, while load
 * balancers stop sending new connections here. Before, a keep-alive connection went on being served on this replica
 * until the listeners closed under it.
 */
class LeavingTest {
    private static final String GET = "GET /page HTTP/1.1\r\nHost: x\r\n\r\n";

    /** An HTTP/1.1 upstream: "ok" (2 bytes) to every request, on every connection, kept alive. */
    private static void serve(ServerSocket upstream, ExecutorService threads) {
        threads.submit(() -> {
            while (true) {
                Socket s = upstream.accept();
                threads.submit(() -> {
                    try (s) {
                        while (!RawHttp.head(s.getInputStream()).isEmpty()) {
                            s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                    return null;
                });
            }
        });
    }

    @Test
    void afterLeaveHttpAnswersSayConnectionCloseAndNewConnectionsAreStillServed() throws Exception {
        ExecutorService threads = Executors.newCachedThreadPool();
        try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "0s"))) {
            serve(upstream, threads);
            px.routes("""
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: web, namespace: default}
                    spec:
                      http:
                        backends: [{endpoints: ["127.0.0.1:%d"]}]
                    """.formatted(upstream.getLocalPort()));
            try (Socket kept = new Socket("127.0.0.1", px.port())) {
                kept.setSoTimeout(20_000);
                kept.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
                String before = RawHttp.head(kept.getInputStream()).toLowerCase(Locale.ROOT);
                assertThat(before).startsWith("http/1.1 200").doesNotContain("connection: close");
                assertThat(kept.getInputStream().readNBytes(2)).asString().isEqualTo("ok");

                px.dataPlane.leave();
                assertThat(px.dataPlane.accepting()).as("the listeners still accept").isTrue();
                // the keep-alive connection's next request: served, and told to go
                kept.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
                String after = RawHttp.head(kept.getInputStream()).toLowerCase(Locale.ROOT);
                assertThat(after).startsWith("http/1.1 200").contains("connection: close");
                assertThat(kept.getInputStream().readNBytes(2)).asString().isEqualTo("ok");
                assertThat(kept.getInputStream().read()).as("the connection ends after that answer").isEqualTo(-1);
            }
            // a new connection (kube-proxy still sends some): served, with Connection: close
            try (Socket fresh = new Socket("127.0.0.1", px.port())) {
                fresh.setSoTimeout(20_000);
                fresh.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
                assertThat(RawHttp.head(fresh.getInputStream()).toLowerCase(Locale.ROOT)).startsWith("http/1.1 200").contains("connection: close");
                assertThat(fresh.getInputStream().readNBytes(2)).asString().isEqualTo("ok");
                assertThat(fresh.getInputStream().read()).isEqualTo(-1);
            }
            // an answer of the proxy's own (404: no route for this host, no default backend): Connection: close too
            px.routes("""
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: web, namespace: default}
                    spec:
                      hosts: [other.example]
                      http:
                        backends: [{endpoints: ["127.0.0.1:%d"]}]
                    """.formatted(upstream.getLocalPort()));
            try (Socket local = new Socket("127.0.0.1", px.port())) {
                local.setSoTimeout(20_000);
                local.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
                assertThat(RawHttp.head(local.getInputStream()).toLowerCase(Locale.ROOT)).startsWith("http/1.1 404").contains("connection: close");
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
