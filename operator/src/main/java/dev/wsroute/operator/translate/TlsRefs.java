package dev.wsroute.operator.translate;

import java.util.ArrayList;
import java.util.List;

import dev.wsroute.model.Route;
import dev.wsroute.model.Rule;
import dev.wsroute.tls.TlsProblem;
import dev.wsroute.tls.TlsResolver;

/**
 * Runs a route's TLS material through the resolver the data plane uses, so status reports what it would: an
 * unusable certificate (InvalidCertificate) or upstream CA (InvalidUpstreamTLS). Contexts are cached by content in
 * the resolver, so this costs little once a Secret has been seen.
 */
final class TlsRefs {
    private TlsRefs() {
    }

    static List<RefProblem> check(Route route, TlsResolver tls) {
        List<RefProblem> out = new ArrayList<>();
        if (route.tls().isPresent()) {
            tls.checkServer(route, p -> add(out, "spec.tls", route, p)); // no table build: forgets nothing
        }
        for (Rule rule : route.rules()) {
            if (rule.upstreamTls().isPresent()) {
                tls.upstream(route, rule, p -> add(out, "spec.rules[" + rule.index() + "].upstreamTLS", route, p));
            }
        }
        return out;
    }

    private static void add(List<RefProblem> out, String field, Route route, TlsProblem p) {
        if (p.route() == null || p.route().equals(route.id())) { // the default certificate's problems are not this route's
            out.add(new RefProblem(field, p.reason(), p.message()));
        }
    }
}
