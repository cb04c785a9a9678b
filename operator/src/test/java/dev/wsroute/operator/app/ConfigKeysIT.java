package dev.wsroute.operator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.wsroute.operator.cluster.Fixtures;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/**
 * The packaged application knows its own settings: in each mode, every application key a user sets (mode,
 * Kubernetes, Lease, sidecar, demo) is applied without an "Unrecognized configuration key" warning, while a key that
 * means nothing is refused by name.
 */
class ConfigKeysIT {
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final Pattern UNRECOGNIZED = Pattern.compile("Unrecognized configuration key \"([^\"]+)\"");

    private final KubernetesServer server = new KubernetesServer(false, true, InetAddress.getLoopbackAddress(), 0, List.of());
    private Process app;
    /** the app's log, removed with the directory after each test */
    @TempDir
    Path logs;

    @BeforeEach
    void start() {
        server.before();
        Fixtures.registerCrd(server.getClient());
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (app != null && app.isAlive()) {
            app.destroy();
            if (!app.waitFor(30, TimeUnit.SECONDS)) {
                app.destroyForcibly();
            }
        }
        server.after();
    }

    @ParameterizedTest
    @ValueSource(strings = { "standalone", "ingress", "operator", "sidecar" })
    void everyApplicationKeyIsRecognisedInEachMode(String mode) throws Exception {
        Map<String, String> keys = new TreeMap<>(Map.of(
                "wsroute.mode", mode,
                "wsroute.kubernetes.namespace", "app",
                "wsroute.kubernetes.hold-off", "20ms",
                "wsroute.kubernetes.lease-name", "wsroute-keys",
                "wsroute.kubernetes.lease-namespace", "app",
                "wsroute.kubernetes.leader-election", "true",
                "wsroute.sidecar.app-port", "18081",
                "wsroute.demo.echo-port", "0"));
        File log = launch(keys);

        // the unknown-key warnings are written while the configuration is read, before the application starts
        await().atMost(Duration.ofSeconds(90)).until(() -> !app.isAlive() || read(log).contains(" started in "));
        String output = read(log);
        assertThat(app.isAlive()).as("running; log:%n%s", output).isTrue();
        assertThat(output).as("the mode was applied").contains("wsroute starting in " + mode + " mode");
        assertThat(unrecognized(output)).as("log:%n%s", output).isEmpty();
    }

    /** A key no mapping has (a typo) is not ignored: SmallRye Config refuses to start, naming it. */
    @ParameterizedTest
    @ValueSource(strings = { "wsroute.bogus", "wsroute.kubernetes.lease-nmae", "wsroute.listen.prot" })
    void anUnknownKeyStopsTheStartNamingIt(String typo) throws Exception {
        File log = launch(Map.of("wsroute.mode", "standalone", typo, "1"));
        assertThat(app.waitFor(90, TimeUnit.SECONDS)).as("exited; log:%n%s", read(log)).isTrue();
        assertThat(app.exitValue()).isNotZero();
        assertThat(read(log)).contains(typo + " in SysPropConfigSource does not map to any root");
    }

    private File launch(Map<String, String> keys) throws Exception {
        assertThat(JAR).as("built by the package phase").exists();
        Map<String, String> all = new TreeMap<>(keys);
        all.putAll(Map.of("wsroute.listen.port", "0", "wsroute.listen.tls-port", "0", "quarkus.management.port", "0"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        all.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", JAR.toString()));
        File log = logs.resolve("wsroute-keys.log").toFile();
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log);
        pb.environment().put("KUBERNETES_MASTER", server.getClient().getMasterUrl().toString());
        pb.environment().put("POD_NAME", "wsroute-keys-0");
        app = pb.start();
        return log;
    }

    private static List<String> unrecognized(String output) {
        List<String> keys = new ArrayList<>();
        Matcher m = UNRECOGNIZED.matcher(output);
        while (m.find()) {
            keys.add(m.group(1));
        }
        return keys;
    }

    private static String read(File f) throws Exception {
        return Files.readString(f.toPath(), StandardCharsets.UTF_8);
    }
}
