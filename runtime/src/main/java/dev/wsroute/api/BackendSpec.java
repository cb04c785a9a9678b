package dev.wsroute.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "has(self.service) != has(self.endpoints)", message = "exactly one of service or endpoints")
public class BackendSpec {
    @JsonPropertyDescription("A Service in the route's namespace.")
    public ServiceRefSpec service;

    @JsonPropertyDescription("Standalone mode only: static endpoints as host:port, instead of a Service.")
    public List<String> endpoints;

    @JsonPropertyDescription("Relative share of new connections; default 1.")
    @Min(0)
    @Max(1_000_000)
    public Integer weight;
}
