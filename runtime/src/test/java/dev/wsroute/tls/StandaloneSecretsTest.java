package dev.wsroute.tls;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

class StandaloneSecretsTest {
    private static final YAMLMapper YAML = new YAMLMapper();

    static List<JsonNode> docs(String yaml) throws Exception {
        return YAML.readValues(YAML.getFactory().createParser(yaml), JsonNode.class).readAll();
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(UTF_8));
    }

    @Test
    void readsSecretDocumentsAmongRoutes() throws Exception {
        StandaloneSecrets s = StandaloneSecrets.from(docs("""
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat}
                spec: {tls: {secretName: chat-tls}}
                ---
                apiVersion: v1
                kind: Secret
                type: kubernetes.io/tls
                metadata: {name: chat-tls}
                data:
                  tls.crt: %s
                  tls.key: %s
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: ca, namespace: backends}
                stringData:
                  ca.crt: |
                    -----BEGIN CERTIFICATE-----
                """.formatted(b64("CERT"), b64("KEY"))));
        assertThat(s.size()).isEqualTo(2);
        assertThat(s.lookup("default", "chat-tls")).hasValueSatisfying(d -> {
            assertThat(d.get("tls.crt")).asString(UTF_8).isEqualTo("CERT");
            assertThat(d.get("tls.key")).asString(UTF_8).isEqualTo("KEY");
        });
        assertThat(s.lookup("backends", "ca")).hasValueSatisfying(d -> assertThat(d.get("ca.crt")).asString(UTF_8)
                .isEqualTo("-----BEGIN CERTIFICATE-----\n"));
        assertThat(s.lookup("default", "ca")).isEmpty();
        assertThat(s.lookup("default", "chat")).as("a route is not a Secret").isEmpty();
        assertThat(s.warnings()).isEmpty();
    }

    @Test
    void base64SplitOverLinesDecodes() throws Exception {
        String encoded = b64("a fairly long certificate body that a YAML writer folds over lines");
        String folded = encoded.substring(0, 20) + "\n  " + encoded.substring(20);
        StandaloneSecrets s = StandaloneSecrets.from(docs("kind: Secret\napiVersion: v1\nmetadata: {name: x}\ndata:\n  tls.crt: >-\n  "
                + folded.replace("\n  ", "\n    ").replaceFirst("^", "  ") + "\n"));
        assertThat(s.lookup("default", "x").orElseThrow().get("tls.crt")).asString(UTF_8)
                .isEqualTo("a fairly long certificate body that a YAML writer folds over lines");
    }

    @Test
    void stringDataWinsOverDataAsInKubernetes() throws Exception {
        StandaloneSecrets s = StandaloneSecrets.from(docs("""
                apiVersion: v1
                kind: Secret
                metadata: {name: x}
                data: {tls.crt: %s, tls.key: %s}
                stringData: {tls.crt: NEW}
                """.formatted(b64("OLD"), b64("KEY"))));
        assertThat(s.lookup("default", "x").orElseThrow().get("tls.crt")).asString(UTF_8).isEqualTo("NEW");
        assertThat(s.lookup("default", "x").orElseThrow().get("tls.key")).asString(UTF_8).isEqualTo("KEY");
    }

    @Test
    void badDocumentsAreSkippedWithWarningsThatHoldNoData() throws Exception {
        StandaloneSecrets s = StandaloneSecrets.from(docs("""
                apiVersion: v1
                kind: Secret
                metadata: {namespace: x}
                data: {tls.crt: %s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: bad}
                data: {tls.crt: %s, tls.key: "not*base64!secretish"}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: good}
                data: {tls.crt: %s}
                """.formatted(b64("A"), b64("B"), b64("C"))));
        assertThat(s.warnings()).containsExactly(
                "document 1: Secret without metadata.name, skipped",
                "document 2: Secret default/bad data.tls.key is not valid base64, key skipped");
        assertThat(s.lookup("default", "bad").orElseThrow()).containsOnlyKeys("tls.crt");
        assertThat(s.lookup("default", "good")).isPresent();
        assertThat(s.toString()).isEqualTo("StandaloneSecrets[default/bad, default/good]").doesNotContain("secretish");
    }

    @Test
    void laterDocumentOfTheSameNameWins() throws Exception {
        StandaloneSecrets s = StandaloneSecrets.from(docs("""
                {apiVersion: v1, kind: Secret, metadata: {name: x}, stringData: {ca.crt: one}}
                ---
                {apiVersion: v1, kind: Secret, metadata: {name: x}, stringData: {ca.crt: two}}
                """));
        assertThat(s.lookup("default", "x").orElseThrow().get("ca.crt")).asString(UTF_8).isEqualTo("two");
    }
}
