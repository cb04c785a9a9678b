package dev.wsroute.operator.translate;

import java.util.List;

import dev.wsroute.api.PoolStatus;

/**
 * The status translation computed for one route: conditions in the order Accepted, ResolvedRefs, Ready, the
 * resolved pools, and how many distinct ready endpoints they hold.
 */
public record RouteStatusDraft(Long observedGeneration, List<Condition> conditions, List<PoolStatus> pools,
        int readyEndpoints) {

    public RouteStatusDraft {
        conditions = List.copyOf(conditions);
        pools = List.copyOf(pools);
    }

    public Condition condition(String type) {
        return conditions.stream().filter(c -> c.type().equals(type)).findFirst().orElse(null);
    }

    public boolean accepted() {
        Condition c = condition(Condition.ACCEPTED);
        return c != null && "True".equals(c.status());
    }
}
