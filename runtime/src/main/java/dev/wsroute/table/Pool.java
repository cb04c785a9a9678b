package dev.wsroute.table;

import java.util.List;
import java.util.Set;

import dev.wsroute.model.LoadBalancing;

/** The endpoints a rule (or a route's plain HTTP) balances over, and how. Immutable apart from its balancer's cursor. */
public final class Pool {
    private final List<Endpoint> endpoints;
    private final LoadBalancer balancer;

    public Pool(List<Endpoint> endpoints, LoadBalancing policy) {
        this.endpoints = List.copyOf(endpoints);
        this.balancer = LoadBalancer.of(policy);
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    public boolean isEmpty() {
        return endpoints.isEmpty();
    }

    public LoadBalancing policy() {
        return balancer.policy();
    }

    /** Picks an endpoint not in {@code tried}, or null when none is left. */
    public Endpoint select(String hashKey, Set<Endpoint> tried, EndpointStats stats) {
        if (tried.isEmpty()) {
            return balancer.pick(endpoints, hashKey, stats);
        }
        List<Endpoint> left = endpoints.stream().filter(e -> !tried.contains(e)).toList();
        return left.isEmpty() ? null : balancer.pick(left, hashKey, stats);
    }
}
