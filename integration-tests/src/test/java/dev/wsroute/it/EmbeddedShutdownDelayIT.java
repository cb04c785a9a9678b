package dev.wsroute.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.PackagedApp;
import dev.wsroute.testing.WsClient;

/**
 * This app (it embeds the extension, with {@code quarkus.shutdown.delay-enabled=true}) packaged and stopped as the
 * kubelet stops a pod: SIGTERM. As the README's embedding section says: readiness DOWN at once; through the delay the
 * listener serves new upgrades and the app's own HTTP (answers say {@code Connection: close}); then it refuses new
 * connections and closes the connections that wait for a request (a keep-alive one idle since before SIGTERM), while
 * open WebSockets drain and get Close 1001 at the end of the drain period; then the process exits.
 */
class EmbeddedShutdownDelayIT {
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final Duration WAIT = Duration.ofSeconds(60); // a bound against a hang on a loaded machine
    private static final String HELLO = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";

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
    void sigtermServesThroughTheDelayThenClosesIdleConnectionsAndDrainsWebSockets() throws Exception {
        assertThat(JAR).as("built by the package phase").exists();
        backend = EchoBackend.start("echo");
        Path routes = dir.resolve("routes.yaml");
        Files.writeString(routes, """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: echo, namespace: default}
                spec:
                  rules:
                    - match: {path: {type: Prefix, value: /ws}}
                      backends: [{endpoints: ["%s"]}]
                """.formatted(backend.endpoint()));
        app = PackagedApp.start(JAR, Map.of("WSROUTE_ROUTES_FILE", routes.toString(), "WSROUTE_LISTEN_TLS_ENABLED", "false",
                "WSROUTE_DRAIN_PERIOD", "5s", "QUARKUS_SHUTDOWN_DELAY", "6s", "QUARKUS_HTTP_PORT", "0"),
                dir.resolve("app.log"), WAIT);
        int port = app.port;

        try (WsClient before = WsClient.connect(port, "/ws"); Socket kept = new Socket("127.0.0.1", port)) {
            assertThat(before.roundTrip("before")).isEqualTo("before");
            kept.setSoTimeout((int) WAIT.toMillis());
            assertThat(exchange(kept)).as("the app's own /hello, kept alive").startsWith("http/1.1 200")
                    .doesNotContain("connection: close");

            app.sigterm();
            await().atMost(WAIT).until(() -> !app.alive() || app.readiness() == 503);
            assertThat(app.alive()).as("not ready but still running; log:%n%s", app.log()).isTrue();

            // the delay: what load balancers still send is served
            try (WsClient during = WsClient.connect(port, "/ws"); Socket fresh = new Socket("127.0.0.1", port)) {
                assertThat(during.roundTrip("during the delay")).isEqualTo("during the delay");
                fresh.setSoTimeout((int) WAIT.toMillis());
                assertThat(exchange(fresh)).as("the app's /hello during the delay").startsWith("http/1.1 200")
                        .contains("connection: close");

                // then the listener closes, and with it the connection idle since before SIGTERM; the WebSockets drain on
                await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(app::refuses);
                assertThat(endOfStream(kept)).as("the idle keep-alive connection closed; log:%n%s", app.log()).isTrue();
                assertThat(before.closeCodeNow()).as("still draining when the idle connection closed").isNull();

                assertThat(before.awaitClose()).as("log:%n%s", app.log()).isEqualTo(1001);
                assertThat(during.awaitClose()).as("log:%n%s", app.log()).isEqualTo(1001);
            }
        }
        assertThat(app.exitedWithin(Duration.ofSeconds(30))).as("exited; log:%n%s", app.log()).isTrue();
        assertThat(app.log()).contains("shutting down: still accepting").contains("draining 2 WebSocket(s)")
                .doesNotContain("Exception");
    }

    /** A GET of /hello on the connection: the head of the answer, lower case (its body read too). */
    private static String exchange(Socket s) throws IOException {
        s.getOutputStream().write(HELLO.getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.write(c);
        }
        String head = b.toString(StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
        Matcher length = Pattern.compile("content-length: *(\\d+)").matcher(head);
        if (length.find()) {
            in.readNBytes(Integer.parseInt(length.group(1)));
        }
        return head;
    }

    /** Whether the server ended the connection (EOF or reset) within the socket's timeout. */
    private static boolean endOfStream(Socket s) throws IOException {
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
