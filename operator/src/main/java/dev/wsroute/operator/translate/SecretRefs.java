package dev.wsroute.operator.translate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.wsroute.model.Route;
import dev.wsroute.model.Rule;
import io.fabric8.kubernetes.api.model.Secret;

/**
 * Checks the Secrets a route names: its TLS certificate (kubernetes.io/tls with tls.crt and tls.key) and each
 * rule's upstream CA (any type with ca.crt). Only key names are looked at: key material never leaves the cache.
 */
final class SecretRefs {
    static final String TLS_TYPE = "kubernetes.io/tls";

    private SecretRefs() {
    }

    static List<RefProblem> check(Route route, ClusterView view) {
        List<RefProblem> problems = new ArrayList<>();
        String ns = route.id().namespace();
        route.tls().map(Route.TlsRef::secretName).ifPresent(name -> {
            Optional<Secret> s = view.secret(ns, name);
            if (s.isEmpty()) {
                problems.add(new RefProblem("spec.tls.secretName", Condition.SECRET_NOT_FOUND,
                        "Secret " + ns + "/" + name + " not found; the default certificate is served"));
            } else if (!TLS_TYPE.equals(s.get().getType()) || !hasKeys(s.get(), "tls.crt", "tls.key")) {
                problems.add(new RefProblem("spec.tls.secretName", Condition.INVALID_SECRET,
                        "Secret " + ns + "/" + name + " is not a " + TLS_TYPE + " Secret with tls.crt and tls.key"));
            }
        });
        for (Rule rule : route.rules()) {
            String ca = rule.upstreamTls().map(Rule.UpstreamTls::caSecretName).orElse(null);
            if (ca == null) {
                continue;
            }
            String at = "spec.rules[" + rule.index() + "].upstreamTLS.caSecretName";
            Optional<Secret> s = view.secret(ns, ca);
            if (s.isEmpty()) {
                problems.add(new RefProblem(at, Condition.SECRET_NOT_FOUND, "Secret " + ns + "/" + ca + " not found"));
            } else if (!hasKeys(s.get(), "ca.crt")) {
                problems.add(new RefProblem(at, Condition.INVALID_SECRET, "Secret " + ns + "/" + ca + " has no ca.crt"));
            }
        }
        return problems;
    }

    private static boolean hasKeys(Secret s, String... keys) {
        for (String k : keys) {
            if (!has(s.getData(), k) && !has(s.getStringData(), k)) {
                return false;
            }
        }
        return true;
    }

    private static boolean has(Map<String, String> data, String key) {
        return data != null && data.get(key) != null;
    }
}
