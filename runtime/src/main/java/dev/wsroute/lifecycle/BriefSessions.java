package dev.wsroute.lifecycle;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import dev.wsroute.table.PoolId;

/**
 * For {@code rebalance}: which endpoints of a rebalanced rule end the sessions placed on them at once — the upstream
 * closed one, with any code, within {@link #BRIEF_NANOS} of its 101, in the last {@link #BRIEF_NANOS}. A pod that
 * accepts upgrades and then closes them with 1000 is no failure for passive health (normal closes never count), but
 * sockets moved there do not stay: shed onto it, each was closed, its client gone, and the lower total made the
 * endpoints left look loaded again, so the rule shed on and on. Envoy and HAProxy have no such notion (their outlier
 * detection and {@code observe layer4} count connect errors and resets only), and neither moves open connections;
 * here the rebalancer is the one that moves them, so it is the one that holds back. Thread-safe: ends are told on
 * every event loop, read on the rebalancer's.
 */
public final class BriefSessions {
    /** A session the upstream ends this soon after its 101 ended "at once"; the mark lasts as long again. */
    public static final long BRIEF_NANOS = PoolHealth.EARLY_DEATH_NANOS;

    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<Key, Long> lastBriefEnd = new ConcurrentHashMap<>();
    private volatile Set<? extends PoolId> watched = Set.of();

    public BriefSessions(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** The rules to keep track of (those with rebalance); what others had is forgotten. */
    public void watch(Set<? extends PoolId> rules) {
        watched = Set.copyOf(rules);
        lastBriefEnd.keySet().removeIf(k -> !rules.contains(k.pool()));
    }

    /** A session on the endpoint ended, {@code ageNanos} after its 101, closed by the upstream or not. */
    public void ended(PoolId pool, String endpoint, boolean byUpstream, long ageNanos) {
        if (byUpstream && ageNanos < BRIEF_NANOS && watched.contains(pool)) {
            lastBriefEnd.put(new Key(pool, endpoint), nanoClock.getAsLong());
        }
    }

    /** Whether the upstream ended a session of the rule on the endpoint at once within the last {@link #BRIEF_NANOS}. */
    public boolean endsAtOnce(PoolId pool, String endpoint, long now) {
        Long at = lastBriefEnd.get(new Key(pool, endpoint));
        return at != null && now - at < BRIEF_NANOS;
    }

    /** Forgets marks that have run out (called as the rebalancer counts). */
    public void sweep(long now) {
        if (!lastBriefEnd.isEmpty()) {
            lastBriefEnd.values().removeIf(at -> now - at >= BRIEF_NANOS);
        }
    }

    /** Endpoints marked (tests). */
    int size() {
        return lastBriefEnd.size();
    }

    private record Key(PoolId pool, String endpoint) {
    }
}
