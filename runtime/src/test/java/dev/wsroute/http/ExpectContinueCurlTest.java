package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
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
        boolean curl = Files.isExecutable(Path.of("/usr/bin/curl"));
        if (!curl && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("curl is not installed (.ci/run installs it with apt-get)");
        }
        assumeTrue(curl, "curl is not installed: apt-get install curl");
        String body = "x".repeat(2048);
        Path file = dir.resolve("body");
        Files.writeString(file, body);
        try (RecordingHttpBackend backend = new RecordingHttpBackend(); ProxyHarness px = new ProxyHarness(TestConfig.wsroute())) {
            px.routes("""
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: up, namespace: default}
                    spec:
                      hosts: [up.test]
                      http: {backends: [{endpoints: ["%s"]}]}
                    """.formatted(backend.endpoint()));
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
}
