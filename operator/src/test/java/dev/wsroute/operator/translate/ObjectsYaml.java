package dev.wsroute.operator.translate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.wsroute.operator.crd.WebSocketRoute;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/** Reads a multi-document YAML file of Kubernetes objects into {@link Resources}. */
final class ObjectsYaml {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final KubernetesSerialization K8S = new KubernetesSerialization();

    private ObjectsYaml() {
    }

    static Resources read(Path file) {
        List<HasMetadata> objects = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(Files.readString(file))) {
            var docs = YAML.readValues(parser, JsonNode.class);
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    objects.add(K8S.unmarshal(doc.toString(), type(doc.path("kind").asText())));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Resources.of(objects);
    }

    private static Class<? extends HasMetadata> type(String kind) {
        return switch (kind) {
            case "WebSocketRoute" -> WebSocketRoute.class;
            case "Service" -> Service.class;
            case "EndpointSlice" -> EndpointSlice.class;
            case "Secret" -> Secret.class;
            default -> throw new IllegalArgumentException("unexpected kind " + kind);
        };
    }
}
