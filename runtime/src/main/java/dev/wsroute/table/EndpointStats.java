package dev.wsroute.table;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connections in use per endpoint key: taken by the balancer in the same step as the pick (so upgrades still in
 * progress count, and two I/O threads never both see the same endpoint as least loaded), given back when the
 * attempt fails or the connection ends. It outlives route tables, so LeastConnections sees
 * tunnels opened before a reload; an endpoint no table lists (a rolled pod) loses its count once nothing is counted
 * on it ({@link InUseCounts}), so months of deploys do not keep one per pod ever seen.
 */
public final class EndpointStats {
    private final InUseCounts<String> inUse = new InUseCounts<>();

    public int active(Endpoint e) {
        return inUse.get(e.key());
    }

    public void closed(Endpoint e) {
        inUse.release(e.key());
    }

    /** After a table swap: {@code listed} is every endpoint some pool may pick from now. */
    public void retain(Set<String> listed) {
        inUse.retain(listed::contains);
    }

    /** How many endpoints have a count kept: those some pool lists, and others with connections still open. */
    public int size() {
        return inUse.size();
    }

    /** The endpoint's count, which a balancer takes in the same step as its pick: never a freed one. */
    AtomicInteger count(Endpoint e) {
        return inUse.count(e.key());
    }

    /** Counts one connection on the endpoint (a pick that does not look at the counts). */
    void take(Endpoint e) {
        inUse.tryTake(e.key(), Integer.MAX_VALUE);
    }

    /** Whether a count read from {@link #count} was freed since (the pick must look again). */
    static boolean freed(int seen) {
        return InUseCounts.freed(seen);
    }
}
