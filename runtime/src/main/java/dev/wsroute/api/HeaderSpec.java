package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class HeaderSpec {
    @Required
    public String name;
    @Required
    public String value;
}
