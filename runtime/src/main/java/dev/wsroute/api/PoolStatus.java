package dev.wsroute.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The resolved endpoints of one rule ({@code rule} = index in spec.rules), or of spec.http ({@code rule} absent). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class PoolStatus {
    public Integer rule;
    /** The rule's name, where it has one. */
    public String name;
    /** Where the rule has health checks: true while no endpoint is healthy and every ready one takes connections. */
    public Boolean failingOpen;
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
        /**
         * Set on terminating endpoints only: whether it still passes its readiness probe. One that does takes new
         * connections while no endpoint of its backend is ready (kube-proxy's fallback); its sockets drain.
         */
        public Boolean serving;
        /** Set (true) on terminating endpoints only. */
        public Boolean terminating;
        public String pod;
        public String zone;
        /** Where the rule has health checks: whether the endpoint takes new connections, as the status writer's replica sees it. */
        public Boolean healthy;
    }
}
