package dev.wsroute.table;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connections in use per endpoint key: taken when an endpoint is picked (so upgrades still in progress count),
 * given back when the attempt fails or the connection ends. It outlives route tables, so LeastConnections sees
 * tunnels opened before a reload.
 */
public final class EndpointStats {
    private final ConcurrentHashMap<String, AtomicInteger> inUse = new ConcurrentHashMap<>();

    public int active(Endpoint e) {
        AtomicInteger n = inUse.get(e.key());
        return n == null ? 0 : n.get();
    }

    public void opened(Endpoint e) {
        inUse.computeIfAbsent(e.key(), k -> new AtomicInteger()).incrementAndGet();
    }

    public void closed(Endpoint e) {
        AtomicInteger n = inUse.get(e.key());
        if (n != null) {
            n.decrementAndGet();
        }
    }
}
