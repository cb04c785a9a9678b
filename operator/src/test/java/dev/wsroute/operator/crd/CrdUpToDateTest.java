package dev.wsroute.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * The committed CRD must be the one the build generates from the Java model (crd-generator-maven-plugin, before
 * tests). Refresh it with {@code mvn -pl operator -am verify -Dcrd.update=true} or copy
 * {@code operator/target/crd/websocketroutes.wsroute.dev-v1.yml} to {@code crds/}.
 */
class CrdUpToDateTest {
    private static final String FILE = WebSocketRoute.CRD_NAME + "-v1.yml";
    private static final Path GENERATED = Path.of("target/crd", FILE);
    private static final Path COMMITTED = Path.of("../crds", FILE);

    @Test
    void committedCrdMatchesTheGeneratedOne() throws IOException {
        assertThat(GENERATED).as("the build generates the CRD before tests").exists();
        String generated = Files.readString(GENERATED);
        if (Boolean.getBoolean("crd.update")) {
            Files.writeString(COMMITTED, generated);
        }
        assertThat(COMMITTED).as("crds/%s is committed; refresh with -Dcrd.update=true", FILE).exists();
        assertThat(Files.readString(COMMITTED))
                .as("crds/%s is stale: run `mvn -pl operator -am verify -Dcrd.update=true` (or copy %s) and commit it",
                        FILE, GENERATED)
                .isEqualTo(generated);
    }

    @Test
    void crdHasTheContractNamesAndStatus() throws IOException {
        String crd = Files.readString(GENERATED);
        assertThat(crd).contains("group: \"wsroute.dev\"", "name: \"v1alpha1\"", "plural: \"websocketroutes\"",
                "- \"wsr\"", "scope: \"Namespaced\"", "status: {}", "x-kubernetes-int-or-string: true",
                "has(self.replacePrefixMatch) != has(self.replaceFullPath)");
    }
}
