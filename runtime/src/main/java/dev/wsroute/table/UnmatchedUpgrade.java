package dev.wsroute.table;

import java.util.ArrayList;
import java.util.List;

import dev.wsroute.model.Match;
import dev.wsroute.model.Match.ValueMatch;

/**
 * Why no rule took a WebSocket upgrade, for the 404's body and its access-log line: for each rule of the routes that own
 * the host, the parts of its match that failed (path, header NAME, query NAME, subprotocol). It names parts, never the
 * values a rule wants (a header value may be a shared secret). Computed only for a 404, never on the matching path.
 */
public final class UnmatchedUpgrade {
    /** Rules listed at most; the rest are counted. */
    static final int MAX_RULES = 8;

    private UnmatchedUpgrade() {
    }

    /** One line, e.g. {@code no rule matched: default/chat rules[0] (header x-tenant, subprotocol); default/chat rules[1] (path)}. */
    public static String explain(RouteTable table, RequestView req) {
        List<CompiledRoute> routes = table.routesFor(req.host());
        if (routes.isEmpty()) {
            return req.host().isEmpty() ? "no route for a request without Host" : "no route for host " + req.host();
        }
        StringBuilder why = new StringBuilder("no rule matched");
        int listed = 0;
        int unlisted = 0;
        for (CompiledRoute route : routes) {
            for (CompiledRule rule : route.rules()) {
                if (listed == MAX_RULES) {
                    unlisted++;
                    continue;
                }
                why.append(listed++ == 0 ? ": " : "; ").append(route.route().id()).append(" rules[").append(rule.rule().index())
                        .append("] (").append(String.join(", ", failedParts(rule.rule().match(), req))).append(')');
            }
        }
        if (listed == 0) {
            return "the routes for host " + req.host() + " have no WebSocket rules";
        }
        if (unlisted > 0) {
            why.append("; ").append(unlisted).append(" more rule(s)");
        }
        return why.toString();
    }

    /** The parts of a match this request fails, in the order a rule checks them. */
    static List<String> failedParts(Match m, RequestView req) {
        List<String> failed = new ArrayList<>();
        if (m.path() != null && !m.path().matches(req.path())) {
            failed.add("path");
        }
        for (ValueMatch h : m.headers()) {
            if (!h.matches(req.header(h.name()))) {
                failed.add("header " + h.name());
            }
        }
        for (ValueMatch q : m.queryParams()) {
            if (!q.matches(req.queryParam(q.name()))) {
                failed.add("query " + q.name());
            }
        }
        if (!m.subprotocols().isEmpty() && req.subprotocols().stream().noneMatch(m.subprotocols()::contains)) {
            failed.add("subprotocol");
        }
        return failed;
    }
}
