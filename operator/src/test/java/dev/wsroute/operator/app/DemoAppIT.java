package dev.wsroute.operator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.wsroute.testing.WsClient;

/**
 * The README's first command, {@code java -jar operator/target/quarkus-app/quarkus-run.jar} with no configuration: the
 * built-in demo. Stopping it (Ctrl-C, or SIGTERM as here: the same shutdown) drains the open WebSockets with Close 1001,
 * as the README says, instead of the demo's own echo backend going first and ending them with its 1000; and its start-up
 * log names the TLS engine, as for a routes file.
 */
class DemoAppIT {
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern DEMO_PORT = Pattern.compile("serving the built-in demo routes \\(ws://localhost:(\\d+)/echo");

    private Process app;
    /** the app's log, removed with the directory after each test */
    @TempDir
    Path logs;

    @AfterEach
    void stop() {
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
        }
    }

    @Test
    void stoppingTheDemoDrainsItsWebSocketsWithGoingAway() throws Exception {
        File log = logs.resolve("wsroute-demo.log").toFile();
        int port = startDemo(log);

        try (WsClient ws = WsClient.connect("ws://127.0.0.1:" + port + "/echo", Map.of())) {
            assertThat(ws.roundTrip("before the stop")).isEqualTo("before the stop");
            app.destroy(); // SIGTERM: the JVM's shutdown, as Ctrl-C's SIGINT
            assertThat(ws.awaitClose()).as("the close the client got; log:%n%s", read(log)).isEqualTo(1001);
        }
        boolean exited = app.waitFor(30, TimeUnit.SECONDS);
        String output = read(log);
        assertThat(exited).as("exited; log:%n%s", output).isTrue();
        assertThat(output).contains("draining 1 WebSocket(s)").contains("closed_by=proxy close_code=1001 close_reason=drain")
                .doesNotContain("closed_by=upstream").doesNotContain("Exception");
    }

    /** The README's TLS section: "the startup log says which" engine serves TLS, the demo's self-signed certificate too. */
    @Test
    void theDemosStartupLogNamesItsTlsEngine() throws Exception {
        File log = logs.resolve("wsroute-demo.log").toFile();
        startDemo(log);
        assertThat(read(log)).containsPattern("TLS engine: (OpenSSL|JDK) \\(");
    }

    /** Starts the packaged application with no configuration but free ports, and returns the demo's plain port. */
    private int startDemo(File log) throws Exception {
        assertThat(JAR).as("built by the package phase").exists();
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()).redirectErrorStream(true).redirectOutput(log);
        Map<String, String> env = pb.environment();
        env.put("WSROUTE_LISTEN_HOST", "127.0.0.1");
        env.put("WSROUTE_LISTEN_PORT", "0");
        env.put("WSROUTE_LISTEN_TLS_PORT", "0");
        env.put("WSROUTE_DRAIN_PERIOD", "2s");
        env.put("QUARKUS_MANAGEMENT_PORT", "0");
        app = pb.start();

        await().atMost(WAIT).until(() -> !app.isAlive() || DEMO_PORT.matcher(read(log)).find());
        String started = read(log);
        assertThat(app.isAlive()).as("running; log:%n%s", started).isTrue();
        Matcher port = DEMO_PORT.matcher(started);
        assertThat(port.find()).isTrue();
        return Integer.parseInt(port.group(1));
    }

    private static String read(File f) throws Exception {
        return Files.readString(f.toPath(), StandardCharsets.UTF_8);
    }
}
