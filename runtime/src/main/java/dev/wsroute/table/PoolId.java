package dev.wsroute.table;

import dev.wsroute.model.RouteId;

/**
 * Which pool a connection was taken from: a rule's, a route's plain HTTP, or the default backend. It is stable
 * across tables, so balancer state, health and metrics follow it through reloads.
 */
public sealed interface PoolId permits RuleKey, PoolId.Http, PoolId.DefaultBackend {

    /** The route whose metrics and logs count this pool; null for the default backend. */
    RouteId route();

    /** A route's plain HTTP backends. */
    record Http(RouteId route) implements PoolId {
        @Override
        public String toString() {
            return route + "#http";
        }
    }

    /** Where what no route claims goes: the app (embedded), the app container (sidecar), or a configured address. */
    enum DefaultBackend implements PoolId {
        INSTANCE;

        @Override
        public RouteId route() {
            return null;
        }

        @Override
        public String toString() {
            return "default-backend";
        }
    }
}
