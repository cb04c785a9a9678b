package dev.wsroute.operator.cluster;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.wsroute.api.RouteCondition;
import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.operator.translate.Condition;
import dev.wsroute.operator.translate.RouteStatusDraft;

/**
 * Turns a translated status into the one written: a condition keeps its lastTransitionTime while its status
 * stays the same (Kubernetes convention), so an unchanged route yields an identical status and no write.
 */
final class StatusMerge {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusMerge() {
    }

    static WebSocketRouteStatus merge(WebSocketRouteStatus old, RouteStatusDraft draft, Instant now) {
        WebSocketRouteStatus s = new WebSocketRouteStatus();
        s.observedGeneration = draft.observedGeneration();
        s.pools = new java.util.ArrayList<>(draft.pools());
        s.endpoints = draft.readyEndpoints();
        String stamp = now.truncatedTo(ChronoUnit.SECONDS).toString();
        for (Condition c : draft.conditions()) {
            RouteCondition rc = new RouteCondition();
            rc.type = c.type();
            rc.status = c.status();
            rc.reason = c.reason();
            rc.message = c.message();
            rc.observedGeneration = draft.observedGeneration();
            RouteCondition prev = find(old, c.type());
            rc.lastTransitionTime = prev != null && c.status().equals(prev.status) && prev.lastTransitionTime != null
                    ? prev.lastTransitionTime : stamp;
            s.conditions.add(rc);
        }
        return s;
    }

    static RouteCondition find(WebSocketRouteStatus status, String type) {
        List<RouteCondition> list = status == null || status.conditions == null ? List.of() : status.conditions;
        return list.stream().filter(c -> type.equals(c.type)).findFirst().orElse(null);
    }

    static boolean same(WebSocketRouteStatus a, WebSocketRouteStatus b) {
        return JSON.valueToTree(a == null ? new WebSocketRouteStatus() : a)
                .equals(JSON.valueToTree(b == null ? new WebSocketRouteStatus() : b));
    }
}
