package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class LoadBalancerSpec {
    @JsonPropertyDescription("LeastConnections (default), RoundRobin, Random or ConsistentHash.")
    public Policy policy;

    @JsonPropertyDescription("ConsistentHash only: what to hash (exactly one of header, cookie, queryParam, sourceIP).")
    public HashOnSpec hashOn;

    public enum Policy { LeastConnections, RoundRobin, Random, ConsistentHash }
}
