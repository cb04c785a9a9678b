package dev.wsroute.table;

import dev.wsroute.model.RouteId;

/** A rule's identity across reloads, for its connection limit and its pool: the route and the rule's index. */
public record RuleKey(RouteId route, int index) implements PoolId {
    @Override
    public String toString() {
        return route + "#" + index;
    }
}
