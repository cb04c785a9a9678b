package dev.wsroute.table;

import dev.wsroute.model.Match;
import dev.wsroute.model.Rule;
import dev.wsroute.model.Match.ValueMatch;
import dev.wsroute.tls.UpstreamTls;

/**
 * A rule ready for the data plane: its validated form, its pool, and its upstream TLS (null for plain TCP).
 * {@code key} is the rule's {@link RuleKey}, or the default backend for upgrades that no route claims.
 */
public record CompiledRule(PoolId key, Rule rule, Pool pool, UpstreamTls upstreamTls) {

    /** Upgrades that no route claims, sent to the default backend as they came (sidecar: the app container). */
    public static CompiledRule defaultBackend(Pool pool) {
        return new CompiledRule(pool.id(), Rule.passThrough(), pool, null);
    }

    public boolean matches(RequestView req) {
        Match m = rule.match();
        if (m.path() != null && !m.path().matches(req.path())) {
            return false;
        }
        for (ValueMatch h : m.headers()) {
            if (!h.matches(req.header(h.name()))) {
                return false;
            }
        }
        for (ValueMatch q : m.queryParams()) {
            if (!q.matches(req.queryParam(q.name()))) {
                return false;
            }
        }
        if (!m.subprotocols().isEmpty()) {
            for (String offered : req.subprotocols()) {
                if (m.subprotocols().contains(offered)) {
                    return true;
                }
            }
            return false;
        }
        return true;
    }
}
