package dev.wsroute.operator.cluster;

import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

import dev.wsroute.api.BackendSpec;
import dev.wsroute.api.RuleSpec;
import dev.wsroute.api.WebSocketRouteSpec;
import dev.wsroute.operator.crd.WebSocketRoute;

/** What a route's spec points at, read straight from the spec (an invalid route still gets re-checked). */
final class RouteRefs {
    private RouteRefs() {
    }

    static boolean refersToService(WebSocketRoute r, String service) {
        return backends(r.getSpec()).anyMatch(b -> b.service != null && service.equals(b.service.name));
    }

    static boolean refersToSecret(WebSocketRoute r, String secret) {
        WebSocketRouteSpec s = r.getSpec();
        if (s == null) {
            return false;
        }
        if (s.tls != null && secret.equals(s.tls.secretName)) {
            return true;
        }
        return rules(s).anyMatch(rule -> rule.upstreamTLS != null && secret.equals(rule.upstreamTLS.caSecretName));
    }

    private static Stream<BackendSpec> backends(WebSocketRouteSpec s) {
        if (s == null) {
            return Stream.empty();
        }
        Stream<BackendSpec> http = s.http == null || s.http.backends == null ? Stream.empty() : s.http.backends.stream();
        return Stream.concat(rules(s).flatMap(r -> r.backends == null ? Stream.empty() : r.backends.stream()), http)
                .filter(Objects::nonNull);
    }

    private static Stream<RuleSpec> rules(WebSocketRouteSpec s) {
        List<RuleSpec> rules = s.rules == null ? List.of() : s.rules;
        return rules.stream().filter(Objects::nonNull);
    }
}
