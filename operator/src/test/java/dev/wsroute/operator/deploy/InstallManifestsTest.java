package dev.wsroute.operator.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.wsroute.testing.Peers;

/**
 * The install as the README writes it: every kustomization renders offline (kubectl kustomize), {@code kubectl apply -f
 * crds/} reads nothing but Kubernetes objects, and the variants the README applies together never collide on a name.
 */
class InstallManifestsTest {
    static final Path REPO = Path.of("..");

    @ParameterizedTest
    @ValueSource(strings = {"deploy", "deploy/operator-only", "deploy/sidecar", "crds"})
    void rendersOffline(String dir) throws Exception {
        String out = kustomize(dir);
        switch (dir) {
            case "crds" -> assertThat(out).contains("kind: CustomResourceDefinition", "name: websocketroutes.wsroute.dev");
            case "deploy/sidecar" -> assertThat(out).contains("kind: ServiceAccount", "kind: Role", "value: sidecar",
                    "/q/health/ready").doesNotContain("kind: ClusterRole");
            default -> assertThat(out).contains("kind: CustomResourceDefinition", "kind: ServiceAccount", "kind: Role",
                    "kind: ClusterRole", "resources:\n  - websocketroutes/status", "image: wsroute/wsroute:0.1.0",
                    "path: /q/health/started", "path: /q/health/live", "path: /q/health/ready", "namespace: wsroute-system",
                    "- leases", "name: POD_NAME", "fieldPath: metadata.name");
        }
    }

    /** {@code kubectl apply -f DIR} reads every .json, .yaml and .yml file in it: each document must be an object. */
    @Test
    void kubectlApplyOfCrdsReadsOnlyKubernetesObjects() throws IOException {
        List<Path> read;
        try (Stream<Path> files = Files.list(REPO.resolve("crds"))) {
            read = files.filter(f -> f.getFileName().toString().matches(".*\\.(json|ya?ml)")).sorted().toList();
        }
        assertThat(read).extracting(f -> f.getFileName().toString()).containsExactly("websocketroutes.wsroute.dev-v1.yml");
        for (Path f : read) {
            List<JsonNode> docs = documents(Files.readString(f));
            assertThat(docs).as("%s: documents", f).isNotEmpty();
            for (JsonNode doc : docs) {
                assertThat(doc.path("apiVersion").asText()).as("%s: apiVersion", f).isNotEmpty();
                assertThat(doc.path("kind").asText()).as("%s: kind", f).isNotEmpty();
                assertThat(doc.path("metadata").path("name").asText()).as("%s: metadata.name", f).isNotEmpty();
            }
        }
    }

    /**
     * Every {@code kubectl apply -k DIR} in the README, rendered: two of them may hold the same object (kind, namespace,
     * name) only if they render it identically, so that applying one never rewrites what another installed.
     */
    @Test
    void variantsTheReadmeAppliesTogetherShareNoName() throws Exception {
        List<String> variants = new ArrayList<>();
        Matcher m = Pattern.compile("kubectl apply -k (\\S+?)/?\\s").matcher(Files.readString(REPO.resolve("README.md")));
        while (m.find()) {
            if (!variants.contains(m.group(1))) {
                variants.add(m.group(1));
            }
        }
        assertThat(variants).as("the README's install commands").contains("deploy", "deploy/operator-only", "deploy/sidecar");

        Map<String, String> owner = new LinkedHashMap<>();
        Map<String, JsonNode> rendered = new LinkedHashMap<>();
        for (String variant : variants) {
            for (JsonNode doc : documents(kustomize(variant))) {
                String key = doc.path("kind").asText() + " " + doc.path("metadata").path("namespace").asText("-") + "/"
                        + doc.path("metadata").path("name").asText();
                JsonNode before = rendered.putIfAbsent(key, doc);
                String first = owner.putIfAbsent(key, variant);
                if (before != null) {
                    assertThat(doc).as("%s is in both %s and %s, rendered differently: applying one rewrites the other", key,
                            first, variant).isEqualTo(before);
                }
            }
        }
        assertThat(owner).as("the ingress and the operator-only Deployments are distinct")
                .containsEntry("Deployment wsroute-system/wsroute", "deploy")
                .containsEntry("Deployment wsroute-system/wsroute-operator", "deploy/operator-only");
    }

    static List<JsonNode> documents(String yaml) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (JsonParser parser = new YAMLFactory().createParser(yaml);
                MappingIterator<JsonNode> it = new ObjectMapper().readValues(parser, JsonNode.class)) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && d.isObject()) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    static String kustomize(String dir) throws IOException, InterruptedException {
        Peers.require(Peers.onPath("kubectl"), "kubectl is not installed (the install manifests are rendered with kubectl kustomize)");
        Process p = new ProcessBuilder("kubectl", "kustomize", REPO.resolve(dir).toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kubectl kustomize %s:%n%s", dir, out).isZero();
        return out;
    }
}
