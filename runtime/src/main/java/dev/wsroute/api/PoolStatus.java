package dev.wsroute.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The resolved endpoints of one rule ({@code rule} = index in spec.rules), or of spec.http ({@code rule} absent). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class PoolStatus {
    public Integer rule;
    public List<BackendStatus> backends = new ArrayList<>();

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public static class BackendStatus {
        public String service;
        public Integer port;
        public Integer weight;
        public List<EndpointStatus> endpoints = new ArrayList<>();
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public static class EndpointStatus {
        public String ip;
        public Integer port;
        public Boolean ready;
        public String pod;
        public String zone;
    }
}
