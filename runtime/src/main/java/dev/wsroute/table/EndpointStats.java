package dev.wsroute.table;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connections in use per endpoint key: taken by the balancer in the same step as the pick (so upgrades still in
 * progress count, and two I/O threads never both see the same endpoint as least loaded), given back when the
 * attempt fails or the connection ends. It outlives route tables, so LeastConnections sees
 * tunnels opened before a reload.
 * <p>
 * An endpoint no table lists (a rolled pod) loses its count once nothing is counted on it, so months of deploys
 * do not keep one per pod ever seen. A freed count is marked {@link #FREED} first, from 0 only: a pick that saw it
 * before fails its compare-and-set and takes a fresh count, so no connection is counted where nothing gives it back.
 */
public final class EndpointStats {
    /** A count taken out of the map: never taken again. */
    private static final int FREED = Integer.MIN_VALUE;

    private final ConcurrentHashMap<String, AtomicInteger> inUse = new ConcurrentHashMap<>();
    /** Endpoints the last table did not list that still had connections counted then: freed when the last one ends. */
    private final Set<String> unlisted = ConcurrentHashMap.newKeySet();

    public int active(Endpoint e) {
        AtomicInteger n = inUse.get(e.key());
        return n == null ? 0 : Math.max(0, n.get());
    }

    public void closed(Endpoint e) {
        AtomicInteger n = inUse.get(e.key());
        if (n == null) {
            return;
        }
        int left = n.decrementAndGet();
        if (left == 0 && !unlisted.isEmpty() && unlisted.contains(e.key())) {
            free(e.key());
        }
    }

    /**
     * After a table swap: {@code listed} is every endpoint some pool may pick from now. Counts of the others go now
     * when nothing is counted on them, else when their last connection ends.
     */
    public void retain(Set<String> listed) {
        unlisted.removeAll(listed);
        for (String key : inUse.keySet()) {
            if (!listed.contains(key)) {
                unlisted.add(key); // before freeing: a connection ending meanwhile frees it itself
                free(key);
            }
        }
    }

    /** How many endpoints have a count kept: those some pool lists, and others with connections still open. */
    public int size() {
        return inUse.size();
    }

    private void free(String key) {
        inUse.computeIfPresent(key, (k, n) -> {
            if (n.compareAndSet(0, FREED)) {
                unlisted.remove(k);
                return null;
            }
            return n;
        });
    }

    /** The endpoint's count, which a balancer takes in the same step as its pick: never a freed one. */
    AtomicInteger count(Endpoint e) {
        AtomicInteger n = inUse.get(e.key());
        if (n != null && n.get() != FREED) {
            return n;
        }
        return inUse.compute(e.key(), (k, old) -> old == null || old.get() == FREED ? new AtomicInteger() : old);
    }

    /** Counts one connection on the endpoint (a pick that does not look at the counts). */
    void take(Endpoint e) {
        while (true) {
            AtomicInteger n = count(e);
            int seen = n.get();
            if (seen != FREED && n.compareAndSet(seen, seen + 1)) {
                return;
            }
        }
    }

    /** Whether a count read from {@link #count} was freed since (the pick must look again). */
    static boolean freed(int seen) {
        return seen == FREED;
    }
}
