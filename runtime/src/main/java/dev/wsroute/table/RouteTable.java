package dev.wsroute.table;

import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.wsroute.model.RouteId;
import dev.wsroute.tls.ServerCertificates;
import dev.wsroute.tls.TlsProblem;

/**
 * An immutable, versioned snapshot of everything the data plane routes by. A new one replaces the old one
 * whole; connections that are open keep whatever they were given.
 */
public final class RouteTable {
    private final long version;
    private final List<CompiledRoute> routes;
    private final Map<RouteId, CompiledRoute> byId;
    private final HostIndex hosts = new HostIndex();
    private final ServerCertificates certificates;
    private final List<TlsProblem> problems;

    RouteTable(long version, List<CompiledRoute> routes, ServerCertificates certificates, List<TlsProblem> problems) {
        this.version = version;
        this.routes = List.copyOf(routes);
        this.byId = routes.stream().collect(java.util.stream.Collectors.toUnmodifiableMap(r -> r.route().id(), r -> r));
        this.certificates = certificates;
        this.problems = List.copyOf(problems);
        routes.forEach(hosts::add);
    }

    public static RouteTable empty() {
        return new RouteTable(0, List.of(), ServerCertificates.NONE, List.of());
    }

    public long version() {
        return version;
    }

    public List<CompiledRoute> routes() {
        return routes;
    }

    public ServerCertificates certificates() {
        return certificates;
    }

    /** What building this table found wrong with its routes (each also reported as it was found). */
    public List<TlsProblem> problems() {
        return problems;
    }

    public CompiledRoute route(RouteId id) {
        return byId.get(id);
    }

    /** The routes that own this host (most specific host entry only; no fallthrough). */
    public List<CompiledRoute> routesFor(String host) {
        return hosts.lookup(host);
    }

    /** The first rule, in route order then rule order, that matches a WebSocket upgrade; null for none (404). */
    public CompiledRule matchUpgrade(RequestView req) {
        List<CompiledRoute> routes = hosts.lookup(req.host());
        for (int i = 0; i < routes.size(); i++) { // indexed: no iterator per upgrade
            List<CompiledRule> rules = routes.get(i).rules();
            for (int j = 0; j < rules.size(); j++) {
                if (rules.get(j).matches(req)) {
                    return rules.get(j);
                }
            }
        }
        return null;
    }

    /** The route whose spec.http takes a plain request for this host; null when none declares one. */
    public CompiledRoute matchHttp(String host) {
        List<CompiledRoute> routes = hosts.lookup(host);
        for (int i = 0; i < routes.size(); i++) {
            if (routes.get(i).http() != null) {
                return routes.get(i);
            }
        }
        return null;
    }

    /**
     * Whether this table still has the pool: its route, and for a rule's pool a rule of the same identity (the default
     * backend is never the table's to drop).
     */
    public boolean has(PoolId pool) {
        if (pool instanceof PoolId.DefaultBackend) {
            return true;
        }
        CompiledRoute r = byId.get(pool.route());
        return r != null && r.endpointsByPool().containsKey(pool);
    }

    /**
     * Whether a tunnel to this endpoint, opened from this pool, may stay open under this table: the pool is still
     * there (for a rule's: a rule of the same identity) and its backends still resolve to the endpoint. Another rule
     * of the route listing the endpoint does not keep it: the user took it out of this one.
     */
    public boolean keeps(PoolId pool, String endpointKey) {
        if (pool instanceof PoolId.DefaultBackend) {
            return true; // not the table's: only shutdown drains it
        }
        CompiledRoute r = byId.get(pool.route());
        return r != null && r.endpointsByPool().getOrDefault(pool, Set.of()).contains(endpointKey);
    }

    /** Every endpoint key some pool of this table lists (a new set, the caller's to change). */
    public Set<String> endpointKeys() {
        Set<String> all = new java.util.HashSet<>();
        routes.forEach(r -> all.addAll(r.endpointKeys()));
        return all;
    }

    /** Where the rule of this identity is in this table now (for status and messages); -1 when it has none. */
    public int indexOf(RuleKey rule) {
        CompiledRoute r = byId.get(rule.route());
        if (r != null) {
            for (CompiledRule c : r.rules()) {
                if (c.key().equals(rule)) {
                    return c.rule().index();
                }
            }
        }
        return -1;
    }
}
