package dev.wsroute.table;

import java.util.List;
import java.util.Set;

import dev.wsroute.model.Route;

/**
 * A route ready for the data plane.
 *
 * @param http pool for plain HTTP, or null when the route declares none
 * @param endpointKeys every endpoint key of the route's pools, to tell which open tunnels survive a reload
 * @param inputs what it was compiled from besides the route (resolved endpoints, upstream TLS): when a new
 *        table sees the same route and the same inputs, it reuses this object instead of compiling it again
 */
public record CompiledRoute(Route route, List<CompiledRule> rules, Pool http, Set<String> endpointKeys, List<Object> inputs) {
}
