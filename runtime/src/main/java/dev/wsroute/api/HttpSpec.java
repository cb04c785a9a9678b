package dev.wsroute.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class HttpSpec {
    public List<BackendSpec> backends;
}
