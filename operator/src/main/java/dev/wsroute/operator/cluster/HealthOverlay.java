package dev.wsroute.operator.cluster;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.wsroute.api.PoolStatus;
import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.lifecycle.EndpointView;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.Endpoint;

/**
 * Endpoint health, as this replica's data plane sees it, laid over a translated status: in the pools of rules with
 * health checks, {@code healthy} on each endpoint the checks follow (the ready ones) and {@code failingOpen} on the
 * pool. The translation stays pure (no clock, no sockets); health is what changes between its passes.
 */
final class HealthOverlay {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HealthOverlay() {
    }

    /**
     * @param health every health-checked endpoint of this replica ({@code HealthRegistry.endpoints()})
     * @return {@code status} itself when no rule of the route is health-checked, else a copy with health on it
     */
    static WebSocketRouteStatus apply(WebSocketRouteStatus status, RouteId route, List<EndpointView> health) {
        Map<Integer, Map<String, EndpointView>> byRule = new HashMap<>();
        for (EndpointView v : health) {
            if (v.rule().route().equals(route)) {
                byRule.computeIfAbsent(v.rule().index(), i -> new HashMap<>()).put(v.endpoint(), v);
            }
        }
        if (byRule.isEmpty()) {
            return status;
        }
        WebSocketRouteStatus out = JSON.convertValue(status, WebSocketRouteStatus.class); // the pass's drafts stay as they were
        for (PoolStatus pool : out.pools) {
            Map<String, EndpointView> views = pool.rule == null ? null : byRule.get(pool.rule);
            if (views == null) {
                continue;
            }
            pool.failingOpen = views.values().iterator().next().poolFailingOpen();
            for (PoolStatus.BackendStatus b : pool.backends) {
                for (PoolStatus.EndpointStatus e : b.endpoints) {
                    EndpointView v = e.ip == null || e.port == null ? null : views.get(Endpoint.key(e.ip, e.port));
                    e.healthy = v == null ? null : v.healthy();
                }
            }
        }
        return out;
    }
}
