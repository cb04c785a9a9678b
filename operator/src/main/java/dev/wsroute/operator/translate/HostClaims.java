package dev.wsroute.operator.translate;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.wsroute.model.Route;
import dev.wsroute.model.RouteId;

/**
 * Which namespace owns each host: the namespace of the oldest valid route claiming it. Routes of one namespace
 * share their hosts freely; a route claiming a host another namespace owns gets HostConflict. "Any host" (no
 * hosts) is claimed like a host. Host names come from the validated model, already normalised there.
 */
final class HostClaims {
    private static final String ANY_HOST = "*";

    private final Map<String, RouteId> owner = new HashMap<>();

    /** @param validRoutes routes that passed validation, oldest first (an invalid route claims nothing) */
    static HostClaims of(List<Route> validRoutes) {
        HostClaims claims = new HostClaims();
        validRoutes.forEach(r -> hosts(r).forEach(h -> claims.owner.putIfAbsent(h, r.id())));
        return claims;
    }

    /** A message naming the first host of this route owned by another namespace, if any. */
    Optional<String> conflict(Route route) {
        for (String host : hosts(route)) {
            RouteId o = owner.get(host);
            if (o != null && !o.namespace().equals(route.id().namespace())) {
                String what = host.equals(ANY_HOST) ? "any host (no hosts)" : "host " + host;
                return Optional.of(what + " is already claimed by the older route " + o);
            }
        }
        return Optional.empty();
    }

    private static List<String> hosts(Route r) {
        return r.hosts().isEmpty() ? List.of(ANY_HOST) : r.hosts();
    }
}
