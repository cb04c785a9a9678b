package dev.wsroute.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class BackendSpec {
    @JsonPropertyDescription("A Service in the route's namespace.")
    public ServiceRefSpec service;

    @JsonPropertyDescription("Standalone mode only: static endpoints as host:port, instead of a Service.")
    public List<String> endpoints;

    @JsonPropertyDescription("Relative share of new connections; default 1.")
    public Integer weight;
}
