package dev.wsroute.standalone;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import dev.wsroute.api.WebSocketRouteSpec;
import dev.wsroute.model.FieldError;
import dev.wsroute.model.Route;
import dev.wsroute.model.RouteId;
import dev.wsroute.model.RouteValidator;

/**
 * Parses a routes file: YAML documents of WebSocketRoute and kubernetes.io/tls Secret, the same YAML one would
 * {@code kubectl apply}. Every problem names the file, the document index and the field.
 */
public final class RoutesDocuments {
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private static final RouteValidator VALIDATOR = new RouteValidator(RouteValidator.Source.FILE);

    /** Routes in file order, Secret documents as trees, and errors (none when the file is good). */
    public record Parsed(List<Route> routes, List<JsonNode> secrets, List<String> errors) {
        public boolean valid() {
            return errors.isEmpty();
        }
    }

    private RoutesDocuments() {
    }

    public static Parsed parse(String fileName, byte[] content) {
        List<Route> routes = new ArrayList<>();
        List<JsonNode> secrets = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Set<RouteId> seen = new HashSet<>();
        int index = 0;
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(content)) {
            while (docs.hasNextValue()) {
                JsonNode doc = docs.nextValue();
                String where = fileName + ": document " + index++;
                if (doc == null || doc.isNull() || doc.isMissingNode() || (doc.isObject() && doc.isEmpty())) {
                    continue;
                }
                if (!doc.isObject()) { // a stray line or a list: JsonNode.isEmpty() is true for a scalar
                    errors.add(where + ": is not a mapping (a WebSocketRoute or Secret document)");
                    continue;
                }
                String kind = doc.path("kind").asText("");
                String name = doc.path("metadata").path("name").asText("");
                String namespace = doc.path("metadata").path("namespace").asText("default");
                switch (kind) {
                    case "Secret" -> secrets.add(doc);
                    case "WebSocketRoute" -> {
                        if (!"wsroute.dev/v1alpha1".equals(doc.path("apiVersion").asText())) {
                            errors.add(where + ": apiVersion: must be wsroute.dev/v1alpha1");
                            continue;
                        }
                        if (name.isEmpty()) {
                            errors.add(where + ": metadata.name: is required");
                            continue;
                        }
                        RouteId id = new RouteId(namespace, name);
                        where += " (WebSocketRoute " + id + ")";
                        if (!seen.add(id)) {
                            errors.add(where + ": metadata.name: a route with this namespace/name is already defined");
                            continue;
                        }
                        WebSocketRouteSpec spec;
                        try {
                            spec = YAML.treeToValue(doc.path("spec"), WebSocketRouteSpec.class);
                        } catch (UnrecognizedPropertyException e) {
                            errors.add(where + ": " + fieldPath(e) + ": unknown field");
                            continue;
                        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
                            errors.add(where + ": " + fieldPath(e) + ": " + e.getOriginalMessage());
                            continue;
                        } catch (IOException e) {
                            errors.add(where + ": spec: " + e.getMessage());
                            continue;
                        }
                        RouteValidator.Result r = VALIDATOR.validate(id, spec);
                        for (FieldError fe : r.errors()) {
                            errors.add(where + ": " + fe);
                        }
                        if (r.valid()) {
                            routes.add(r.route());
                        }
                    }
                    default -> errors.add(where + ": kind: '" + kind + "' is not WebSocketRoute or Secret");
                }
            }
        } catch (IOException | RuntimeException e) {
            errors.add(fileName + ": document " + index + ": not valid YAML: " + syntaxError(e));
        }
        return new Parsed(routes, secrets, errors);
    }

    private static String fieldPath(com.fasterxml.jackson.databind.JsonMappingException e) {
        StringBuilder sb = new StringBuilder("spec");
        for (com.fasterxml.jackson.databind.JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                sb.append('.').append(ref.getFieldName());
            } else {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** The parser's own words with the line and column (1-based) where it stopped, and where the open construct began. */
    static String syntaxError(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException y && y.getProblemMark() != null) {
                String at = "line " + (y.getProblemMark().getLine() + 1) + ", column " + (y.getProblemMark().getColumn() + 1);
                String problem = y.getProblem() == null ? "" : ": " + y.getProblem();
                String context = y.getContext() == null || y.getContextMark() == null ? ""
                        : " (" + y.getContext() + " at line " + (y.getContextMark().getLine() + 1) + ", column "
                                + (y.getContextMark().getColumn() + 1) + ")";
                return at + problem + context;
            }
        }
        if (e instanceof JsonProcessingException j && j.getLocation() != null) {
            return "line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ": "
                    + firstLine(j.getOriginalMessage());
        }
        return firstLine(e.getMessage());
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
