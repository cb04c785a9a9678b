package dev.wsroute.operator.translate;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.wsroute.operator.crd.WebSocketRoute;

/**
 * Which namespace owns each host: the namespace of the oldest valid route claiming it. Routes of one namespace
 * share their hosts freely; a route claiming a host another namespace owns gets HostConflict. "Any host" (no
 * hosts) is claimed like a host.
 */
public final class HostClaims {
    static final String ANY_HOST = "*";

    private final Map<String, WebSocketRoute> owner = new HashMap<>();

    /** @param validRoutes routes that passed validation (an invalid route claims nothing) */
    public static HostClaims of(List<WebSocketRoute> validRoutes) {
        HostClaims claims = new HostClaims();
        validRoutes.stream().sorted(RouteOrder.OLDEST_FIRST)
                .forEach(r -> hosts(r).forEach(h -> claims.owner.putIfAbsent(h, r)));
        return claims;
    }

    /** A message naming the first host of this route owned by another namespace, if any. */
    public Optional<String> conflict(WebSocketRoute route) {
        String ns = route.getMetadata().getNamespace();
        for (String host : hosts(route)) {
            WebSocketRoute o = owner.get(host);
            if (o != null && !o.getMetadata().getNamespace().equals(ns)) {
                String what = host.equals(ANY_HOST) ? "any host (no hosts)" : "host " + host;
                return Optional.of(what + " is already claimed by the older route " + o.getMetadata().getNamespace()
                        + "/" + o.getMetadata().getName());
            }
        }
        return Optional.empty();
    }

    static List<String> hosts(WebSocketRoute r) {
        List<String> hosts = r.getSpec() == null || r.getSpec().hosts == null ? List.of() : r.getSpec().hosts;
        return hosts.isEmpty() ? List.of(ANY_HOST)
                : hosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).distinct().toList();
    }
}
