package dev.wsroute.table;

import static java.util.Objects.requireNonNull;

import java.util.List;

import dev.wsroute.model.LoadBalancing;

/**
 * The endpoints a rule (or a route's plain HTTP, or the default backend) balances over, and how. Immutable: the
 * balancer's moving parts (round-robin cursor, connection counts) live in {@link BalancerState}.
 */
public final class Pool {
    private final PoolId id;
    private final List<Endpoint> endpoints;
    private final LoadBalancer balancer;
    private final int[] schedule;

    public Pool(PoolId id, List<Endpoint> endpoints, LoadBalancing policy) {
        this.id = requireNonNull(id, "id");
        this.endpoints = List.copyOf(endpoints);
        this.balancer = LoadBalancer.of(policy);
        this.schedule = LoadBalancer.RoundRobin.schedule(this.endpoints);
    }

    /** A pool of the default backend: where what no route claims goes. */
    public static Pool defaultBackend(List<Endpoint> endpoints) {
        return new Pool(PoolId.DefaultBackend.INSTANCE, endpoints, LoadBalancing.DEFAULT);
    }

    public PoolId id() {
        return id;
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

    /** Indexes into {@link #endpoints()} in smooth weighted round-robin order, one period long. */
    int[] schedule() {
        return schedule;
    }

    /**
     * Picks one of {@code candidates} (a subset of this pool's endpoints: the healthy ones not tried yet) and counts it
     * in use in {@code state}'s {@link EndpointStats} until the caller gives it back ({@link EndpointStats#closed});
     * null when there is none.
     */
    public Endpoint select(List<Endpoint> candidates, String hashKey, BalancerState state) {
        return candidates.isEmpty() ? null : balancer.take(this, candidates, hashKey, state);
    }
}
