package dev.wsroute.lifecycle;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import dev.wsroute.table.PoolId;

/**
 * {@code rateLimit.handshakesPerClient}: a token bucket per rule and client address, holding as many tokens as the
 * rate (the burst) and refilled continuously. The client is the data plane's client address: the TCP peer, or the
 * source of the connection's PROXY protocol header (wsroute.listen.proxy-protocol); never X-Forwarded-For, which
 * anyone can forge. Buckets that refilled completely are forgotten,
 * so memory follows the clients seen in the last second or so, not all clients ever seen.
 */
public final class HandshakeRateLimiter {
    private static final long SECOND = 1_000_000_000L;
    private static final int SWEEP_ABOVE = 4096;

    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<Key, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile long lastSweep;

    public HandshakeRateLimiter(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.lastSweep = nanoClock.getAsLong();
    }

    /**
     * For a rule's {@code rateLimit}: 0 when the rule has none or the client (its IP address) may open
     * one more upgrade now, else the whole seconds until it may (for Retry-After).
     */
    public long acquire(PoolId rule, OptionalInt perSecond, SocketAddress client) {
        if (perSecond.isEmpty()) {
            return 0;
        }
        return acquire(rule, address(client), perSecond.getAsInt());
    }

    /** Takes a token; returns 0 when the upgrade may go on, else the whole seconds to wait (for Retry-After). */
    public long acquire(PoolId rule, String clientAddress, int perSecond) {
        long now = nanoClock.getAsLong();
        sweepIfLarge(now);
        Bucket b = buckets.computeIfAbsent(new Key(rule, clientAddress), k -> new Bucket(perSecond, now));
        return b.take(perSecond, now);
    }

    /**
     * Gives back the token {@link #acquire(PoolId, OptionalInt, SocketAddress)} took for an upgrade that then did not
     * go upstream (the rule was at its maxConnections): a client refused for capacity keeps its rate budget.
     */
    public void refund(PoolId rule, OptionalInt perSecond, SocketAddress client) {
        if (perSecond.isEmpty()) {
            return;
        }
        Bucket b = buckets.get(new Key(rule, address(client)));
        if (b != null) {
            b.giveBack(perSecond.getAsInt(), nanoClock.getAsLong());
        }
    }

    private static String address(SocketAddress client) {
        return client instanceof InetSocketAddress a && a.getAddress() != null ? a.getAddress().getHostAddress() : String.valueOf(client);
    }

    /** Buckets held (for tests and the status page). */
    public int size() {
        return buckets.size();
    }

    private void sweepIfLarge(long now) {
        if (buckets.size() > SWEEP_ABOVE && now - lastSweep > SECOND) {
            lastSweep = now;
            buckets.values().removeIf(b -> b.full(now));
        }
    }

    private record Key(PoolId rule, String client) {
    }

    private static final class Bucket {
        private double tokens;
        private long refilled;
        private int rate;

        Bucket(int rate, long now) {
            this.tokens = rate;
            this.rate = rate;
            this.refilled = now;
        }

        synchronized long take(int perSecond, long now) {
            refill(perSecond, now);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            double wait = (1 - tokens) / perSecond; // seconds until one token
            return Math.max(1, (long) Math.ceil(wait));
        }

        synchronized void giveBack(int perSecond, long now) {
            refill(perSecond, now);
            tokens = Math.min(perSecond, tokens + 1);
        }

        synchronized boolean full(long now) {
            refill(rate, now);
            return tokens >= rate;
        }

        private void refill(int perSecond, long now) {
            rate = perSecond;
            tokens = Math.min(perSecond, tokens + (double) (now - refilled) * perSecond / SECOND);
            refilled = now;
        }
    }
}
