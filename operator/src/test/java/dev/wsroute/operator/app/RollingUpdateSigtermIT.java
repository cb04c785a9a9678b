package dev.wsroute.operator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.wsroute.operator.config.ModeDefaults;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.PackagedApp;
import dev.wsroute.testing.WsClient;

/**
 * The packaged application, stopped as the kubelet stops a pod in a rolling update of wsroute itself: SIGTERM while
 * kube-proxy and load balancers still send new connections for a few seconds. Readiness goes DOWN at once, but for the
 * shipped deregistration delay ({@code quarkus.shutdown.delay}, 5s) the listener still takes new upgrades and HTTP
 * requests (the answers say {@code Connection: close}); then it closes, open WebSockets drain and get Close 1001, and
 * the process exits. Before, the listener closed on SIGTERM: connections that still arrived were refused.
 */
class RollingUpdateSigtermIT {
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** the shipped default of quarkus.shutdown.delay in standalone mode */
    private static final Duration SHIPPED_DELAY = Duration.parse("PT" + ModeDefaults.SHUTDOWN_DELAY);

    @TempDir
    Path dir;
    private PackagedApp app;
    private EchoBackend backend;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void keepsServingThroughTheShutdownDelayThenRefusesAndDrains() throws Exception {
        assertThat(JAR).as("built by the package phase").exists();
        backend = EchoBackend.start("app");
        Path routes = dir.resolve("routes.yaml");
        Files.writeString(routes, """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat, namespace: default}
                spec:
                  rules:
                    - match: {path: {type: Prefix, value: /ws}}
                      backends: [{endpoints: ["%1$s"]}]
                  http:
                    backends: [{endpoints: ["%1$s"]}]
                """.formatted(backend.endpoint()));
        app = PackagedApp.start(JAR, Map.of("WSROUTE_MODE", "standalone", "WSROUTE_ROUTES_FILE", routes.toString(),
                "WSROUTE_LISTEN_TLS_ENABLED", "false", "WSROUTE_DRAIN_PERIOD", "2s"), dir.resolve("wsroute.log"), WAIT);
        int port = app.port;

        try (WsClient before = WsClient.connect(port, "/ws")) {
            assertThat(before.roundTrip("before")).isEqualTo("before");

            long sent = System.nanoTime();
            app.sigterm(); // as the kubelet sends it while the pod leaves the Service's endpoints
            await().atMost(WAIT).until(() -> !app.alive() || app.readiness() == 503);
            assertThat(app.alive()).as("not ready but still running; log:%n%s", app.log()).isTrue();

            // the deregistration delay: what kube-proxy still sends here is served
            try (WsClient during = WsClient.connect(port, "/ws")) {
                assertThat(during.roundTrip("during the delay")).isEqualTo("during the delay");
                assertThat(get(port)).as("an HTTP request during the delay: served, and told to go elsewhere next time")
                        .startsWith("http/1.1 200").contains("connection: close");
                // (served at all means the listener was still open: it closes only when the delay ends, checked next)

                // then the listener closes
                await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(app::refuses);
                assertThat(elapsed(sent)).as("refused only after the delay").isGreaterThanOrEqualTo(SHIPPED_DELAY);

                // and open WebSockets, the one upgraded during the delay too, drain and get Close 1001
                assertThat(before.awaitClose()).as("log:%n%s", app.log()).isEqualTo(1001);
                assertThat(during.awaitClose()).as("log:%n%s", app.log()).isEqualTo(1001);
            }
        }
        assertThat(app.exitedWithin(Duration.ofSeconds(30))).as("exited; log:%n%s", app.log()).isTrue();
        assertThat(app.log()).contains("shutting down: still accepting").contains("draining 2 WebSocket(s)")
                .doesNotContain("Exception");
    }

    private static Duration elapsed(long since) {
        return Duration.ofNanos(System.nanoTime() - since);
    }

    /** A keep-alive GET through the listener: the head of the answer, lower case. */
    private static String get(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /page HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (!b.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    break;
                }
                b.write(c);
            }
            return b.toString(StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
        }
    }
}
