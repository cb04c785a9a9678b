package dev.wsroute.tls;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The Secrets of a routes file: {@code kind: Secret} documents as one would {@code kubectl apply} them, with base64
 * {@code data} and/or plain {@code stringData} (which wins on a shared key, as in Kubernetes). A malformed
 * document is skipped with a warning; it never makes the file or another Secret invalid.
 */
public final class StandaloneSecrets implements SecretSource {
    private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");
    private final Map<SecretRef, Map<String, byte[]>> secrets;
    private final List<String> warnings;

    private StandaloneSecrets(Map<SecretRef, Map<String, byte[]>> secrets, List<String> warnings) {
        this.secrets = secrets;
        this.warnings = warnings;
    }

    /** Whether this document is a Secret (any other document of the routes file is left alone). */
    public static boolean isSecret(JsonNode doc) {
        return doc != null && doc.isObject() && "Secret".equals(doc.path("kind").asText())
                && "v1".equals(doc.path("apiVersion").asText("v1"));
    }

    /** The Secrets among these documents; other kinds are ignored. A later document of the same name wins. */
    public static StandaloneSecrets from(Iterable<? extends JsonNode> docs) {
        Map<SecretRef, Map<String, byte[]>> secrets = new TreeMap<>(
                (a, b) -> a.namespace().equals(b.namespace()) ? a.name().compareTo(b.name())
                        : a.namespace().compareTo(b.namespace()));
        List<String> warnings = new ArrayList<>();
        int index = 0;
        for (JsonNode doc : docs) {
            index++;
            if (isSecret(doc)) {
                parse(doc, index, warnings).ifPresent(s -> secrets.put(s.ref, s.data));
            }
        }
        return new StandaloneSecrets(Collections.unmodifiableMap(secrets), List.copyOf(warnings));
    }

    @Override
    public Optional<Map<String, byte[]>> lookup(String namespace, String name) {
        return Optional.ofNullable(secrets.get(new SecretRef(namespace, name)));
    }

    /** What was skipped and why (document number, Secret name, key): for the loader to log. Never holds data. */
    public List<String> warnings() {
        return warnings;
    }

    public int size() {
        return secrets.size();
    }

    @Override
    public String toString() {
        return "StandaloneSecrets" + secrets.keySet(); // names only, never data
    }

    private record Parsed(SecretRef ref, Map<String, byte[]> data) {
    }

    private static Optional<Parsed> parse(JsonNode doc, int index, List<String> warnings) {
        JsonNode meta = doc.path("metadata");
        String name = meta.path("name").asText("");
        if (name.isEmpty()) {
            warnings.add("document " + index + ": Secret without metadata.name, skipped");
            return Optional.empty();
        }
        String namespace = meta.path("namespace").asText(SecretRef.DEFAULT_NAMESPACE);
        SecretRef ref = new SecretRef(namespace.isEmpty() ? SecretRef.DEFAULT_NAMESPACE : namespace, name);
        Map<String, byte[]> data = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("data").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                // strict decoding once the line breaks of a YAML block scalar are gone (the MIME decoder skips junk)
                data.put(e.getKey(), Base64.getDecoder().decode(WHITESPACE.matcher(e.getValue().asText("")).replaceAll("")));
            } catch (IllegalArgumentException bad) {
                warnings.add("document " + index + ": Secret " + ref + " data." + e.getKey() + " is not valid base64, key skipped");
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("stringData").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            data.put(e.getKey(), e.getValue().asText("").getBytes(StandardCharsets.UTF_8));
        }
        return Optional.of(new Parsed(ref, Collections.unmodifiableMap(data)));
    }
}
