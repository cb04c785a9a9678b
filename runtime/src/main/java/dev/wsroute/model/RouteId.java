package dev.wsroute.model;

import static java.util.Objects.requireNonNull;

/** Identity of a route: namespace and name. Stable across reloads, so open connections can be matched to it. */
public record RouteId(String namespace, String name) implements Comparable<RouteId> {
    public RouteId {
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
    }

    @Override
    public int compareTo(RouteId o) {
        int c = namespace.compareTo(o.namespace);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
