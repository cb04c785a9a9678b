package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class ServiceRefSpec {
    @JsonPropertyDescription("Service name.")
    @Required
    public String name;

    @JsonPropertyDescription("Service port: its number or its name.")
    @Required
    public PortRef port;
}
