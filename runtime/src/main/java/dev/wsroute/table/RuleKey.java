package dev.wsroute.table;

import dev.wsroute.model.RouteId;

/** A rule's identity across reloads, for its connection limit: the route and the rule's index. */
public record RuleKey(RouteId route, int index) {
    @Override
    public String toString() {
        return route + "#" + index;
    }
}
