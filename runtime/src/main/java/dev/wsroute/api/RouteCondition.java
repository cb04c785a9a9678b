package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A Gateway-API-style condition: Accepted, ResolvedRefs or Ready. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class RouteCondition {
    public String type;
    public String status;
    public String reason;
    public String message;
    public Long observedGeneration;
    public String lastTransitionTime;
}
