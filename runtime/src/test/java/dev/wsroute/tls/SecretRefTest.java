package dev.wsroute.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SecretRefTest {
    @Test
    void nameAloneMeansNamespaceDefault() {
        assertThat(SecretRef.parse("wildcard-tls")).isEqualTo(new SecretRef("default", "wildcard-tls"));
    }

    @Test
    void namespaceSlashName() {
        assertThat(SecretRef.parse("ingress/wildcard-tls")).isEqualTo(new SecretRef("ingress", "wildcard-tls"));
        assertThat(SecretRef.parse(" ingress/x ").toString()).isEqualTo("ingress/x");
    }

    @Test
    void malformedIsRejected() {
        for (String bad : new String[] { "", "/x", "ns/", "a/b/c" }) {
            assertThatThrownBy(() -> SecretRef.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("namespace/name");
        }
    }
}
