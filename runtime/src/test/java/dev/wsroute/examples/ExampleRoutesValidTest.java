package dev.wsroute.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.wsroute.api.WebSocketRouteSpec;
import dev.wsroute.model.RouteId;
import dev.wsroute.model.RouteValidator;

/**
 * Every WebSocketRoute a user is handed to apply — each file under examples/ and each complete route in the README —
 * binds to the model the CRD is generated from (no unknown field, every value of its type) and passes the validator
 * of its source: a route with Service backends as the operator checks it, one with static endpoints as a routes file.
 * RoutesExampleTest runs examples/routes.yaml end to end; the cluster examples have no other test.
 */
class ExampleRoutesValidTest {
    private static final Path REPO = Path.of("..");
    private static final ObjectMapper YAML = YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyRouteUnderExamplesIsValid() throws IOException {
        List<String> checked = new ArrayList<>();
        try (Stream<Path> files = Files.list(REPO.resolve("examples"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                checked.addAll(validRoutes("examples/" + f.getFileName(), Files.readString(f, StandardCharsets.UTF_8)));
            }
        }
        assertThat(checked).as("the examples the README applies").contains("examples/chat-route.yaml: default/chat",
                "examples/tls-canary-route.yaml: default/live", "examples/sidecar-route.yaml: wsroute-demo/web-sockets",
                "examples/routes.yaml: default/chat");
    }

    @Test
    void everyCompleteRouteInTheReadmeIsValid() throws IOException {
        Matcher m = YAML_BLOCK.matcher(Files.readString(REPO.resolve("README.md"), StandardCharsets.UTF_8));
        List<String> checked = new ArrayList<>();
        while (m.find()) {
            if (m.group(1).contains("kind: WebSocketRoute")) {
                checked.addAll(validRoutes("README.md block at " + m.start(), m.group(1)));
            }
        }
        assertThat(checked).as("the README's field reference and its embedding walk-through").hasSizeGreaterThanOrEqualTo(2);
    }

    /** The routes of one YAML text, each asserted valid; returns "where: namespace/name" for each. */
    private static List<String> validRoutes(String where, String yaml) throws IOException {
        List<String> out = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (docs.hasNextValue()) {
                JsonNode doc = docs.nextValue();
                if (doc == null || !"WebSocketRoute".equals(doc.path("kind").asText())) {
                    continue;
                }
                assertThat(doc.path("apiVersion").asText()).as(where).isEqualTo("wsroute.dev/v1alpha1");
                RouteId id = new RouteId(doc.path("metadata").path("namespace").asText("default"),
                        doc.path("metadata").path("name").asText());
                WebSocketRouteSpec spec;
                try {
                    spec = YAML.treeToValue(doc.path("spec"), WebSocketRouteSpec.class);
                } catch (IOException e) { // an unknown field or a value of the wrong type: the CRD would refuse it too
                    throw new AssertionError(where + ": " + id + ": " + e.getMessage(), e);
                }
                RouteValidator.Source source = doc.path("spec").toString().contains("\"endpoints\"")
                        ? RouteValidator.Source.FILE : RouteValidator.Source.CLUSTER;
                assertThat(new RouteValidator(source).validate(id, spec).errors()).as("%s: %s (%s)", where, id, source).isEmpty();
                out.add(where + ": " + id);
            }
        }
        return out;
    }
}
