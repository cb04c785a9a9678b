package dev.wsroute.proxy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.wsroute.table.InUseCounts;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.PoolId;

/** All open tunnels, and the per-rule counts behind maxConnections; both outlive route tables. */
final class TunnelRegistry {
    private final Set<Tunnel> live = ConcurrentHashMap.newKeySet();
    private final Object emptied = new Object();
    /**
     * Set once something waits for the last tunnel to close (shutdown): only then does a close check for emptiness.
     * Checked on every close, the check summed the set's counters, and its rare true branch (the last tunnel of a
     * burst) cost a deoptimisation of the compiled close path and a recompile.
     */
    private volatile boolean emptinessAwaited;
    /** Set by {@link #drainAll} (nanoTime when the drain period ends, never 0): tunnels added later drain too. */
    private volatile long drainDeadline;
    /** Per rule: kept while a table has the rule or a connection of it is open, so deleted rules leave nothing behind. */
    private final InUseCounts<PoolId> perRule = new InUseCounts<>();
    private final RouteTableHolder tables;
    /** The drain period, and when in it each draining tunnel gets its Close (all at its end, or spread). */
    private final DrainSchedule drains;

    TunnelRegistry(RouteTableHolder tables, DrainSchedule drains) {
        this.tables = tables;
        this.drains = drains;
        tables.onSwap(this::swapped);
    }

    DrainSchedule drains() {
        return drains;
    }

    /** Takes a slot of the rule's limit (an upgrade in progress counts), or returns false at the limit. */
    boolean tryAcquire(PoolId rule, int max) {
        return perRule.tryTake(rule, max);
    }

    void release(PoolId rule) {
        perRule.release(rule);
    }

    /** How many rules have a connection count kept (tests). */
    int rulesCounted() {
        return perRule.size();
    }

    /** The open tunnels, for rebalancing (a live view: iterate, don't keep). */
    Iterable<Tunnel> live() {
        return live;
    }

    /** Returns whether the current table still lists its endpoint for its pool (false: it drains from the start). */
    boolean add(Tunnel t) {
        live.add(t);
        long deadline = drainDeadline;
        if (deadline != 0) { // upgraded while shutting down (an upgrade in progress when the drain began): drains too
            t.drain(drains.closeDelay(deadline - System.nanoTime()), false);
            return true;
        }
        if (!tables.current().keeps(t.pool(), t.endpoint().key())) {
            // its endpoint (or rule) went while the upgrade was in progress, and the swap's walk did not see it yet:
            // it drains as those open then did. Added before this look, so a swap after it sees the tunnel instead.
            t.drain(drains.closeDelay(), true);
            return false;
        }
        return true;
    }

    void remove(Tunnel t) {
        live.remove(t);
        if (emptinessAwaited && live.isEmpty()) {
            synchronized (emptied) {
                emptied.notifyAll();
            }
        }
    }

    /** Waits until no tunnel is open, or the timeout passes; returns whether none is open. */
    boolean awaitEmpty(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        emptinessAwaited = true; // before the first look at the set: a close that missed the flag is seen by that look
        synchronized (emptied) {
            while (!live.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(emptied, left);
            }
        }
        return true;
    }

    /** A sample of every open tunnel (status page). */
    java.util.List<OpenTunnel> sample() {
        return live.stream().map(Tunnel::sample).toList();
    }

    int size() {
        return live.size();
    }

    RouteTable current() {
        return tables.current();
    }

    /**
     * Tunnels whose route or endpoint the new table no longer has start draining; of the others, one still draining
     * because an earlier table lacked its endpoint keeps its socket (and a full period should the endpoint go again).
     */
    private void swapped(RouteTable old, RouteTable fresh) {
        perRule.retain(fresh::has);
        for (Tunnel t : live) {
            if (!fresh.keeps(t.pool(), t.endpoint().key())) {
                t.drain(drains.closeDelay(), true);
            } else {
                t.keep();
            }
        }
    }

    /**
     * Shutdown: every tunnel gets Close 1001 when the drain period ends (or, with a close spread, at its moment of the
     * period's last part), unless it closed by itself or a drain already running gives it an earlier one; so does one
     * whose upgrade completes during the drain (at once when the period has ended).
     */
    void drainAll() {
        drainDeadline = (System.nanoTime() + drains.period().toNanos()) | 1; // before the walk: a tunnel added meanwhile is seen by one or the other
        for (Tunnel t : live) {
            t.drain(drains.closeDelay(), false);
        }
    }
}
