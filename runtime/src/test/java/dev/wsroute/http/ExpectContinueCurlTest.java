package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.wsroute.testing.Peers;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;
import dev.wsroute.testing.RecordingHttpBackend;

/**
 * {@code Expect: 100-continue} end to end with a real client: curl waits for the interim answer before it sends the
 * body (older curls send the header by themselves for bodies over 1 KB; the test asks for it explicitly); the proxy forwards the expectation, relays the upstream's 100 Continue and then the final
 * response. (Before, the 100 left the response encoder waiting for a body and every such request hung.)
 */
class ExpectContinueCurlTest {
    @TempDir
    Path dir;

    @Test
    void curlPostsATwoKilobyteBodyThroughTheProxy() throws Exception {
        Peers.require(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed: apt-get install curl");
        String body = "x".repeat(2048);
        Path file = dir.resolve("body");
        Files.writeString(file, body);
        try (RecordingHttpBackend backend = new RecordingHttpBackend(); ProxyHarness px = new ProxyHarness(TestConfig.wsroute())) {
            px.routes(TestRoutes.plainHttp("up", "up.test", backend.endpoint()));
            Process p = new ProcessBuilder(List.of("/usr/bin/curl", "-sS", "-v", "--max-time", "30", "-H", "Host: up.test", "-H", "Expect: 100-continue",
                    "--data-binary", "@" + file, "http://127.0.0.1:" + px.port() + "/upload"))
                    .redirectError(dir.resolve("stderr").toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String trace = Files.readString(dir.resolve("stderr"), StandardCharsets.ISO_8859_1);

            assertThat(trace).as("curl asked to continue").contains("Expect: 100-continue").contains("HTTP/1.1 100 Continue");
            assertThat(p.exitValue()).as(trace).isZero();
            assertThat(out).isEqualTo("POST /upload " + body);
            assertThat(backend.seen).containsExactly("POST /upload " + body);
        }
    }

    /** An upstream that answers 100 Continue and then nothing: the final answer is still due in the response timeout. */
    @Test
    void anUpstreamSilentAfterItsContinueGets504() throws Exception {
        try (java.net.ServerSocket upstream = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                // 3 s, not 500 ms: the 100 must come within it, from a thread that a loaded machine may not run for a while
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.upstream.response-timeout", "3s"))) {
            Thread silent = new Thread(() -> {
                try (java.net.Socket s = upstream.accept()) {
                    java.io.BufferedReader head = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                            StandardCharsets.ISO_8859_1));
                    while (!head.readLine().isEmpty()) {
                        // the request head; no body comes before the 100
                    }
                    s.getOutputStream().write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    head.transferTo(java.io.Writer.nullWriter()); // and never answers
                } catch (java.io.IOException e) {
                    // the proxy closed it after its 504
                }
            });
            silent.start();
            px.routes(TestRoutes.plainHttp("up", "up.test", "127.0.0.1:" + upstream.getLocalPort()));
            try (dev.wsroute.testing.RawHttp client = new dev.wsroute.testing.RawHttp(px.port())) {
                client.send("POST /upload HTTP/1.1\r\nHost: up.test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
                assertThat(client.readHead()).startsWith("HTTP/1.1 100");
                client.send("hello");
                assertThat(client.readHead()).startsWith("HTTP/1.1 504");
            }
            silent.join(30_000);
        }
    }
}
