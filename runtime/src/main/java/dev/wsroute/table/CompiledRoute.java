package dev.wsroute.table;

import java.util.List;
import java.util.Set;

import dev.wsroute.model.Route;

/**
 * A route ready for the data plane.
 *
 * @param http pool for plain HTTP, or null when the route declares none
 * @param endpointKeys every endpoint key of the route's pools, to tell which open tunnels survive a reload
 */
public record CompiledRoute(Route route, List<CompiledRule> rules, Pool http, Set<String> endpointKeys) {
}
