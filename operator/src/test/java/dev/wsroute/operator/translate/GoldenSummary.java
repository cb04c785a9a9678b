package dev.wsroute.operator.translate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.Map;

import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.CompiledRule;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.Pool;
import dev.wsroute.table.RouteTable;

/** The reviewable form of a translation: the route table as the data plane sees it, then every route's status. */
final class GoldenSummary {
    private GoldenSummary() {
    }

    static Map<String, Object> of(RouteTable table, Translation translation) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Object> routes = new ArrayList<>();
        for (CompiledRoute r : table.routes()) {
            Map<String, Object> route = new LinkedHashMap<>();
            route.put("route", r.route().id().toString());
            route.put("hosts", r.route().hosts().isEmpty() ? List.of("*") : r.route().hosts());
            List<Object> rules = new ArrayList<>();
            for (CompiledRule rule : r.rules()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("rule", rule.rule().index());
                m.put("endpoints", endpoints(rule.pool(), r.endpointsByPool().getOrDefault(rule.pool().id(), Set.of())));
                rules.add(m);
            }
            route.put("rules", rules);
            if (r.http() != null) {
                route.put("http", endpoints(r.http(), r.endpointsByPool().getOrDefault(r.http().id(), Set.of())));
            }
            routes.add(route);
        }
        out.put("table", routes);
        List<Object> statuses = new ArrayList<>();
        translation.statuses().forEach((id, s) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("route", id.toString());
            m.put("observedGeneration", s.observedGeneration());
            m.put("conditions", s.conditions());
            m.put("endpoints", s.readyEndpoints());
            m.put("pools", s.pools());
            statuses.add(m);
        });
        out.put("statuses", statuses);
        return out;
    }

    /** @param kept the pool's endpoints whose sockets stay; the others (terminating, still serving) are marked so */
    private static List<String> endpoints(Pool pool, Set<String> kept) {
        return pool.endpoints().stream().map(e -> endpoint(e, kept.contains(e.key()))).toList();
    }

    private static String endpoint(Endpoint e, boolean kept) {
        return e.key() + " weight " + e.weight() + (kept ? "" : " terminating (sockets drain)");
    }
}
