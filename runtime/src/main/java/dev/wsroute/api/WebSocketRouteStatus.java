package dev.wsroute.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/** What the operator observed and resolved; the sidecar routes to {@link #pools}. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class WebSocketRouteStatus {
    public Long observedGeneration;
    public List<RouteCondition> conditions = new ArrayList<>();
    public List<PoolStatus> pools = new ArrayList<>();

    /** Ready endpoints across all pools (for {@code kubectl get wsr}). */
    public Integer endpoints;
}
