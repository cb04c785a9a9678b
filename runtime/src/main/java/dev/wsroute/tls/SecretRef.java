package dev.wsroute.tls;

import static java.util.Objects.requireNonNull;

/** A Secret's namespace and name. */
public record SecretRef(String namespace, String name) {
    public static final String DEFAULT_NAMESPACE = "default";

    public SecretRef {
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
    }

    /** Parses {@code namespace/name}, or {@code name} meaning namespace {@code default} (wsroute.tls.default-secret). */
    public static SecretRef parse(String value) {
        requireNonNull(value, "value");
        String v = value.trim();
        int slash = v.indexOf('/');
        if (slash < 0) {
            return checked(DEFAULT_NAMESPACE, v, value);
        }
        if (v.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("not a Secret reference (namespace/name or name): " + value);
        }
        return checked(v.substring(0, slash), v.substring(slash + 1), value);
    }

    private static SecretRef checked(String namespace, String name, String original) {
        if (namespace.isEmpty() || name.isEmpty()) {
            throw new IllegalArgumentException("not a Secret reference (namespace/name or name): " + original);
        }
        return new SecretRef(namespace, name);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
