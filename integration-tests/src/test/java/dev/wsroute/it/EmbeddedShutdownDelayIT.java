package dev.wsroute.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.wsroute.testing.EchoBackend;
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
    private static final Pattern LISTENER = Pattern.compile("wsroute listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern MANAGEMENT = Pattern.compile("Management interface listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Duration WAIT = Duration.ofSeconds(60); // a bound against a hang on a loaded machine
    private static final String HELLO = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";

    @TempDir
    Path dir;
    private Process app;
    private EchoBackend backend;

    @AfterEach
    void stop() {
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
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
        File log = dir.resolve("app.log").toFile();
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()).redirectErrorStream(true).redirectOutput(log);
        Map<String, String> env = pb.environment();
        env.put("WSROUTE_ROUTES_FILE", routes.toString());
        env.put("WSROUTE_LISTEN_HOST", "127.0.0.1");
        env.put("WSROUTE_LISTEN_PORT", "0");
        env.put("WSROUTE_LISTEN_TLS_ENABLED", "false");
        env.put("WSROUTE_DRAIN_PERIOD", "5s");
        env.put("QUARKUS_SHUTDOWN_DELAY", "2s");
        env.put("QUARKUS_HTTP_PORT", "0");
        env.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        env.put("QUARKUS_MANAGEMENT_PORT", "0");
        app = pb.start();

        await().atMost(WAIT).until(() -> !app.isAlive() || (LISTENER.matcher(read(log)).find() && MANAGEMENT.matcher(read(log)).find()));
        assertThat(app.isAlive()).as("running; log:%n%s", read(log)).isTrue();
        int port = port(LISTENER, log);
        int management = port(MANAGEMENT, log);
        await().atMost(WAIT).until(() -> readiness(management) == 200);

        try (WsClient before = WsClient.connect(port, "/ws"); Socket kept = new Socket("127.0.0.1", port)) {
            assertThat(before.roundTrip("before")).isEqualTo("before");
            kept.setSoTimeout((int) WAIT.toMillis());
            assertThat(exchange(kept)).as("the app's own /hello, kept alive").startsWith("http/1.1 200")
                    .doesNotContain("connection: close");

            app.destroy(); // SIGTERM
            await().atMost(WAIT).until(() -> !app.isAlive() || readiness(management) == 503);
            assertThat(app.isAlive()).as("not ready but still running; log:%n%s", read(log)).isTrue();

            // the delay: what load balancers still send is served
            try (WsClient during = WsClient.connect(port, "/ws"); Socket fresh = new Socket("127.0.0.1", port)) {
                assertThat(during.roundTrip("during the delay")).isEqualTo("during the delay");
                fresh.setSoTimeout((int) WAIT.toMillis());
                assertThat(exchange(fresh)).as("the app's /hello during the delay").startsWith("http/1.1 200")
                        .contains("connection: close");

                // then the listener closes, and with it the connection idle since before SIGTERM; the WebSockets drain on
                await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> refused(port));
                assertThat(endOfStream(kept)).as("the idle keep-alive connection closed; log:%n%s", read(log)).isTrue();
                assertThat(before.closeCodeNow()).as("still draining when the idle connection closed").isNull();

                assertThat(before.awaitClose()).as("log:%n%s", read(log)).isEqualTo(1001);
                assertThat(during.awaitClose()).as("log:%n%s", read(log)).isEqualTo(1001);
            }
        }
        boolean exited = app.waitFor(30, TimeUnit.SECONDS);
        String output = read(log);
        assertThat(exited).as("exited; log:%n%s", output).isTrue();
        assertThat(output).contains("shutting down: still accepting").contains("draining 2 WebSocket(s)")
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

    private static int port(Pattern p, File log) throws IOException {
        Matcher m = p.matcher(read(log));
        assertThat(m.find()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** The status of /q/health/ready, or -1 while it does not answer. */
    private static int readiness(int management) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + management + "/q/health/ready").toURL().openConnection();
            c.setConnectTimeout(5_000);
            c.setReadTimeout(5_000);
            try {
                return c.getResponseCode();
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return -1;
        }
    }

    private static boolean refused(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(File f) throws IOException {
        return Files.readString(f.toPath(), StandardCharsets.UTF_8);
    }
}
