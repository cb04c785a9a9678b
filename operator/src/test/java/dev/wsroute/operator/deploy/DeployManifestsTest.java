package dev.wsroute.operator.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** deploy/ renders offline with kubectl's kustomize (skipped where kubectl is not installed). */
class DeployManifestsTest {

    @ParameterizedTest
    @ValueSource(strings = {"../deploy", "../deploy/operator-only", "../deploy/sidecar"})
    void rendersOffline(String dir) throws Exception {
        String out = kustomize(dir);
        assertThat(out).contains("kind: ServiceAccount", "kind: Role");
        if (dir.endsWith("sidecar")) {
            assertThat(out).contains("value: sidecar", "/q/health/ready").doesNotContain("kind: ClusterRole");
        } else {
            assertThat(out).contains("kind: CustomResourceDefinition", "kind: ClusterRole", "resources:\n  - websocketroutes/status",
                    "image: wsroute/wsroute:0.1.0", "path: /q/health/started", "path: /q/health/live", "path: /q/health/ready",
                    "namespace: wsroute-system", "- leases", "name: POD_NAME", "fieldPath: metadata.name");
        }
    }

    private static String kustomize(String dir) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("kubectl", "kustomize", dir).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "kubectl is not installed");
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(Path.of(dir, "kustomization.yaml")).satisfies(f -> assertThat(Files.exists(f)).isTrue());
        return out;
    }
}
