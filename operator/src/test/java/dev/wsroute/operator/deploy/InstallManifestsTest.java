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

import dev.wsroute.operator.config.ModeDefaults;
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

    /**
     * On SIGTERM wsroute serves on for {@code quarkus.shutdown.delay}, then drains open WebSockets for
     * {@code wsroute.drain.period}, then exits: each pod that runs it gives it a grace period of at least both plus
     * 10 s (the defaults of its mode as shipped, or the container's env), so that the kubelet's SIGKILL never cuts the drain. In a
     * pod where wsroute fronts an app (deploy/sidecar), the app's preStop keeps the app up until wsroute is done, and
     * the grace period covers that preStop plus 10 s for the app's own stop.
     */
    @ParameterizedTest
    @ValueSource(strings = {"deploy", "deploy/operator-only", "deploy/sidecar"})
    void gracePeriodsCoverTheShutdownDelayAndTheDrain(String dir) throws Exception {
        Matcher drainDefault = Pattern.compile("(?s)interface Drain \\{.*?@WithDefault\\(\"([^\"]+)\"\\)")
                .matcher(Files.readString(REPO.resolve("runtime/src/main/java/dev/wsroute/config/WsRouteConfig.java")));
        assertThat(drainDefault.find()).as("the default wsroute.drain.period").isTrue();
        int pods = 0;
        for (JsonNode doc : documents(kustomize(dir))) {
            JsonNode spec = switch (doc.path("kind").asText()) {
                case "Pod" -> doc.path("spec");
                case "Deployment" -> doc.path("spec").path("template").path("spec");
                default -> null;
            };
            if (spec == null) {
                continue;
            }
            pods++;
            long grace = spec.path("terminationGracePeriodSeconds").asLong(30);
            JsonNode wsroute = null;
            for (JsonNode c : spec.path("containers")) {
                if (c.path("image").asText().startsWith("wsroute/wsroute:")) {
                    wsroute = c;
                }
            }
            assertThat(wsroute).as("%s: a wsroute container", dir).isNotNull();
            String mode = env(wsroute, "WSROUTE_MODE", "standalone");
            long delay = seconds(env(wsroute, "QUARKUS_SHUTDOWN_DELAY", ModeDefaults.defaults(mode).getOrDefault("quarkus.shutdown.delay", "0s")));
            long drain = seconds(env(wsroute, "WSROUTE_DRAIN_PERIOD", drainDefault.group(1)));
            assertThat(grace).as("%s: terminationGracePeriodSeconds >= shutdown delay %ds + drain %ds + 10s", dir, delay, drain)
                    .isGreaterThanOrEqualTo(delay + drain + 10);
            for (JsonNode c : spec.path("containers")) {
                if (c == wsroute) {
                    continue;
                }
                JsonNode sleep = c.path("lifecycle").path("preStop").path("sleep").path("seconds");
                assertThat(sleep.isNumber()).as("%s: container %s, which wsroute sends requests to while it drains, waits "
                        + "for it in a preStop", dir, c.path("name").asText()).isTrue();
                assertThat(sleep.asLong()).as("%s: %s's preStop outlasts wsroute's delay + drain", dir, c.path("name").asText())
                        .isGreaterThanOrEqualTo(delay + drain);
                assertThat(grace).as("%s: the grace period covers %s's preStop and its own stop", dir, c.path("name").asText())
                        .isGreaterThanOrEqualTo(sleep.asLong() + 10);
                // wsroute's readiness says nothing of the app it sends plain HTTP to: the pod is ready only with both
                assertThat(c.path("readinessProbe").isObject()).as("%s: container %s has a readinessProbe of its own (until it "
                        + "answers, wsroute answers its requests 502)", dir, c.path("name").asText()).isTrue();
            }
        }
        assertThat(pods).as("%s: pods", dir).isEqualTo(1);
    }

    /** A node drain evicts the replicas of a Deployment one at a time: a PodDisruptionBudget selects its pods. */
    @ParameterizedTest
    @ValueSource(strings = {"deploy", "deploy/operator-only"})
    void aPodDisruptionBudgetCoversTheDeployment(String dir) throws Exception {
        List<JsonNode> docs = documents(kustomize(dir));
        JsonNode deployment = docs.stream().filter(d -> d.path("kind").asText().equals("Deployment")).findFirst().orElseThrow();
        JsonNode labels = deployment.path("spec").path("template").path("metadata").path("labels");
        List<JsonNode> budgets = docs.stream().filter(d -> d.path("kind").asText().equals("PodDisruptionBudget")).toList();
        assertThat(budgets).as("%s: PodDisruptionBudgets", dir).hasSize(1);
        JsonNode budget = budgets.get(0).path("spec");
        assertThat(budget.path("maxUnavailable").asInt()).isEqualTo(1);
        budget.path("selector").path("matchLabels").fields().forEachRemaining(e -> assertThat(labels.path(e.getKey()).asText())
                .as("%s: the budget's selector %s matches the Deployment's pods", dir, e.getKey()).isEqualTo(e.getValue().asText()));
        assertThat(budget.path("selector").path("matchLabels").size()).isPositive();
    }

    private static String env(JsonNode container, String name, String otherwise) {
        for (JsonNode e : container.path("env")) {
            if (name.equals(e.path("name").asText()) && e.has("value")) {
                return e.path("value").asText();
            }
        }
        return otherwise;
    }

    /** A duration as Quarkus writes them here: 5s, 15s, 1m, 500ms (rounded up to whole seconds). */
    private static long seconds(String d) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m)").matcher(d.trim());
        assertThat(m.matches()).as("a duration: %s", d).isTrue();
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> (n + 999) / 1000;
            case "m" -> n * 60;
            default -> n;
        };
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
