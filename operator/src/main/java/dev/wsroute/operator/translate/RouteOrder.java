package dev.wsroute.operator.translate;

import java.util.Comparator;

import dev.wsroute.operator.crd.WebSocketRoute;

/** Oldest first (creationTimestamp), then namespace/name: decides host conflicts and the order rules are tried in. */
public final class RouteOrder {
    public static final Comparator<WebSocketRoute> OLDEST_FIRST = Comparator
            .comparing((WebSocketRoute r) -> created(r))
            .thenComparing(r -> r.getMetadata().getNamespace())
            .thenComparing(r -> r.getMetadata().getName());

    private RouteOrder() {
    }

    /** RFC 3339 timestamps in UTC sort as strings; a route not yet stamped counts as newest. */
    private static String created(WebSocketRoute r) {
        String t = r.getMetadata().getCreationTimestamp();
        return t == null ? "~" : t;
    }
}
