package dev.wsroute.table;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mutable half of load balancing, kept outside the immutable route table (as Armeria keeps a selector's state
 * outside its endpoint group): one lock-free round-robin cursor per pool, which carries over when a reload
 * rebuilds the pool.
 */
public final class BalancerState {
    private final ConcurrentHashMap<PoolId, AtomicLong> cursors = new ConcurrentHashMap<>();
    private final EndpointStats load;

    public BalancerState(EndpointStats load) {
        this.load = load;
    }

    public EndpointStats load() {
        return load;
    }

    AtomicLong cursor(PoolId pool) {
        AtomicLong c = cursors.get(pool);
        return c != null ? c : cursors.computeIfAbsent(pool, k -> new AtomicLong());
    }

    /** Forgets the state of pools a new table no longer has. */
    public void retainPoolsOf(RouteTable table) {
        cursors.keySet().removeIf(id -> !table.has(id));
    }
}
