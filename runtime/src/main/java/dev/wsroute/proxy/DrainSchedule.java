package dev.wsroute.proxy;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

/**
 * When a draining WebSocket gets its Close 1001: at the end of the drain period ({@code wsroute.drain.period}), or,
 * with {@code wsroute.drain.close-spread}, at a moment drawn uniformly from the last {@code close-spread} of it, so
 * that the clients of a leaving pod reconnect over that time rather than all in the same millisecond. Never after the
 * period's end; a spread longer than the period is the period.
 */
final class DrainSchedule {
    private final Duration period;
    private final long periodNanos;
    /** The spread, at most the period. */
    private final long spreadNanos;
    private final boolean clamped;
    /** Given a bound {@code b >= 1}: a uniformly random value from 0 to b, both included. */
    private final LongUnaryOperator random;

    DrainSchedule(Duration period, Duration closeSpread) {
        this(period, closeSpread, b -> ThreadLocalRandom.current().nextLong(b + 1));
    }

    /** With the random source given (tests): {@code random} maps a bound {@code b >= 1} to a value from 0 to b. */
    DrainSchedule(Duration period, Duration closeSpread, LongUnaryOperator random) {
        this.period = period;
        this.periodNanos = period.toNanos();
        long spread = Math.max(0, closeSpread.toNanos());
        this.clamped = spread > periodNanos;
        this.spreadNanos = Math.min(spread, periodNanos);
        this.random = random;
    }

    Duration period() {
        return period;
    }

    /** The spread in effect: {@code close-spread}, or the period when that is longer. */
    Duration spread() {
        return Duration.ofNanos(spreadNanos);
    }

    /** Whether {@code close-spread} is longer than the period (and so spread over the whole period). */
    boolean clamped() {
        return clamped;
    }

    /** A drain beginning now: its Close after the period less a random part of the spread (the period without one). */
    Duration closeDelay() {
        return closeDelay(periodNanos);
    }

    /**
     * A drain whose period ends in {@code leftNanos} (one joining the shutdown's drain late): its Close at a random
     * moment of what is left of the spread window, never after the period's end nor before now.
     */
    Duration closeDelay(long leftNanos) {
        long left = Math.max(0, leftNanos);
        long window = Math.min(spreadNanos, left);
        return Duration.ofNanos(window == 0 ? left : left - random.applyAsLong(window));
    }

    /** For the start-up and shutdown logs: how the Closes of a drain are timed. */
    String describe() {
        String when = spreadNanos == 0 ? "Close 1001 at the end of the drain period (" + text(period) + ")"
                : "Close 1001 spread over the last " + text(spread()) + " of the drain period (" + text(period) + ")";
        return clamped ? when + ": wsroute.drain.close-spread is longer than wsroute.drain.period, so over the whole period"
                : when;
    }

    private static String text(Duration d) {
        return dev.wsroute.config.SettingProblems.text(d);
    }
}
