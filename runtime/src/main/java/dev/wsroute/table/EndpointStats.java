package dev.wsroute.table;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Open upstream connections per endpoint key; it outlives route tables so LeastConnections sees tunnels opened before a reload. */
public final class EndpointStats {
    private final ConcurrentHashMap<String, AtomicInteger> active = new ConcurrentHashMap<>();

    public int active(Endpoint e) {
        AtomicInteger n = active.get(e.key());
        return n == null ? 0 : n.get();
    }

    public void opened(Endpoint e) {
        active.computeIfAbsent(e.key(), k -> new AtomicInteger()).incrementAndGet();
    }

    public void closed(Endpoint e) {
        AtomicInteger n = active.get(e.key());
        if (n != null) {
            n.decrementAndGet();
        }
    }
}
