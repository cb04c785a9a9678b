package dev.wsroute.operator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

import dev.wsroute.operator.cluster.Fixtures;
import dev.wsroute.operator.crd.WebSocketRoute;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/**
 * The packaged application in operator mode, as a pod runs it: it wins the status Lease under its pod name,
 * writes status, and on SIGTERM (what the kubelet sends) releases the Lease and exits, instead of hanging in its
 * shutdown hook until the grace period runs out.
 */
class OperatorSigtermIT {
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final String POD = "wsroute-5c7d-sigterm";
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final KubernetesServer server = new KubernetesServer(false, true, InetAddress.getLoopbackAddress(), 0, List.of());
    private KubernetesClient client;
    private Process app;
    /** the app's log, removed with the directory after each test */
    @TempDir
    Path logs;

    @BeforeEach
    void start() {
        server.before();
        client = server.getClient();
        Fixtures.registerCrd(client);
        client.resource(Fixtures.service("app", "chat", 80, "ws")).create();
        client.resource(Fixtures.slice("app", "chat", "chat", "ws", 8080, List.of("10.0.0.1"), List.of())).create();
        client.resource(Fixtures.route("app", "chat", List.of(), "/ws", "chat", "80")).create();
    }

    @AfterEach
    void stop() {
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
        }
        server.after();
    }

    @Test
    void exitsPromptlyOnSigtermAndReleasesTheLease() throws Exception {
        assertThat(JAR).as("built by the package phase").exists();
        File log = logs.resolve("wsroute-operator.log").toFile();
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()).redirectErrorStream(true).redirectOutput(log);
        Map<String, String> env = pb.environment();
        env.put("WSROUTE_MODE", "operator");
        env.put("POD_NAME", POD);
        env.put("WSROUTE_KUBERNETES_LEASE_NAMESPACE", "wsroute-system");
        // what a kubeconfig would say, as the client reads it at run time
        env.put("KUBERNETES_MASTER", client.getMasterUrl().toString());
        env.put("KUBERNETES_NAMESPACE", "wsroute-system");
        env.put("QUARKUS_MANAGEMENT_PORT", "0");
        app = pb.start();

        await().atMost(WAIT).until(() -> !app.isAlive() || POD.equals(holder()));
        assertThat(app.isAlive()).as("running; log:%n%s", read(log)).isTrue();
        await().atMost(WAIT).until(() -> {
            WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace("app").withName("chat").get();
            return r.getStatus() != null && Integer.valueOf(1).equals(r.getStatus().endpoints);
        });

        long sent = System.nanoTime();
        app.destroy(); // SIGTERM
        boolean exited = app.waitFor(30, TimeUnit.SECONDS);
        System.out.printf("operator mode: exited %d ms after SIGTERM%n", (System.nanoTime() - sent) / 1_000_000);

        String output = read(log);
        assertThat(exited).as("exited after SIGTERM; log:%n%s", output).isTrue();
        Lease lease = lease();
        assertThat(lease.getSpec().getLeaseDurationSeconds()).as("released on the way out (another replica may take "
                + "it at once); log:%n%s", output).isEqualTo(1);
        assertThat(output).contains("holding the Lease wsroute-system/wsroute-operator")
                .doesNotContain("configured not to start automatically").doesNotContain("Exception");
    }

    private String holder() {
        Lease lease = lease();
        return lease == null ? null : lease.getSpec().getHolderIdentity();
    }

    private Lease lease() {
        return client.resources(Lease.class).inNamespace("wsroute-system").withName("wsroute-operator").get();
    }

    private static String read(File f) throws Exception {
        return Files.readString(f.toPath(), StandardCharsets.UTF_8);
    }
}
