package dev.wsroute.table;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connections in use per endpoint key: taken by the balancer in the same step as the pick (so upgrades still in
 * progress count, and two I/O threads never both see the same endpoint as least loaded), given back when the
 * attempt fails or the connection ends. It outlives route tables, so LeastConnections sees
 * tunnels opened before a reload.
 */
public final class EndpointStats {
    private final ConcurrentHashMap<String, AtomicInteger> inUse = new ConcurrentHashMap<>();

    public int active(Endpoint e) {
        AtomicInteger n = inUse.get(e.key());
        return n == null ? 0 : n.get();
    }

    public void closed(Endpoint e) {
        AtomicInteger n = inUse.get(e.key());
        if (n != null) {
            n.decrementAndGet();
        }
    }

    /** The endpoint's count, which a balancer takes in the same step as its pick. */
    AtomicInteger count(Endpoint e) {
        AtomicInteger n = inUse.get(e.key());
        return n != null ? n : inUse.computeIfAbsent(e.key(), k -> new AtomicInteger());
    }
}
