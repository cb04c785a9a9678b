package dev.wsroute.table;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.wsroute.model.Route;

/**
 * A route ready for the data plane.
 *
 * @param http pool for plain HTTP, or null when the route declares none
 * @param endpointsByPool per pool (each rule's, and the plain HTTP one), the keys of the endpoints its backends
 *        resolved to (also where upstream TLS is missing and the pool is left empty): which open tunnels survive
 *        a reload. A backend's terminating endpoints that still serve, in its pool because it has no ready one, are
 *        not listed: sockets opened on them drain from the start
 * @param inputs what it was compiled from besides the route (resolved endpoints, upstream TLS): when a new
 *        table sees the same route and the same inputs, it reuses this object instead of compiling it again
 */
public record CompiledRoute(Route route, List<CompiledRule> rules, Pool http, Map<PoolId, Set<String>> endpointsByPool,
        List<Object> inputs) {

    /**
     * Every endpoint key the route's pools may pick from or keep sockets on: the kept ones and the terminating
     * fallbacks in its pools (their balancer counts, idle connections and series are kept like any other's).
     */
    public Set<String> endpointKeys() {
        Set<String> all = new HashSet<>();
        endpointsByPool.values().forEach(all::addAll);
        rules.forEach(r -> r.pool().endpoints().forEach(e -> all.add(e.key())));
        if (http != null) {
            http.endpoints().forEach(e -> all.add(e.key()));
        }
        return all;
    }
}
