package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class HeaderSpec {
    public String name;
    public String value;
}
