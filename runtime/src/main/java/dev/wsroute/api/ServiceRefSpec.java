package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class ServiceRefSpec {
    @JsonPropertyDescription("Service name.")
    public String name;

    @JsonPropertyDescription("Service port: its number or its name.")
    public PortRef port;
}
