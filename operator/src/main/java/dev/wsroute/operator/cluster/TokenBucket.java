package dev.wsroute.operator.cluster;

/**
 * A token bucket, as client-go's rate limiter (QPS and burst): {@code burst} tokens at first, {@code perSecond} more
 * each second, never more than {@code burst} kept. Used by one thread only (the status writer's).
 */
final class TokenBucket {
    private final double perNano;
    private final double burst;
    private double tokens;
    private long lastNanos;

    TokenBucket(double perSecond, int burst, long nowNanos) {
        if (!(perSecond > 0) || Double.isInfinite(perSecond) || burst < 1) {
            throw new IllegalArgumentException("a token bucket needs a rate above 0 and a burst of at least 1");
        }
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    /** Takes a token, if there is one. */
    boolean tryTake(long nowNanos) {
        refill(nowNanos);
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }

    /** How long until there is a token: 0 if there is one now; Long.MAX_VALUE if too far away to count (a tiny rate). */
    long nanosUntilToken(long nowNanos) {
        refill(nowNanos);
        return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perNano);
    }

    private void refill(long nowNanos) {
        tokens = Math.min(burst, tokens + Math.max(0, nowNanos - lastNanos) * perNano);
        lastNanos = nowNanos;
    }
}
