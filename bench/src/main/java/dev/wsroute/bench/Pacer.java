package dev.wsroute.bench;

import io.netty.channel.EventLoop;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * When one participant (a connection or a session worker) starts its next operation: back to back,
 * or on a fixed schedule ({@code --rate}). The schedule is open: an operation that starts late does
 * not move the next one's time, and its latency counts from when it was due, so a proxy that stalls
 * is charged for the wait it caused (no coordinated omission).
 */
final class Pacer {
    private final long intervalNanos; // 0: back to back
    // a random phase, so that the participants' operations spread over the interval instead of arriving together
    private final long phaseNanos;
    private long due;
    private boolean started;

    private Pacer(long intervalNanos) {
        this.intervalNanos = intervalNanos;
        this.phaseNanos = intervalNanos == 0 ? 0 : ThreadLocalRandom.current().nextLong(intervalNanos);
    }

    /** One participant's pacer: {@code totalRate} operations per second shared by all, or back to back when 0. */
    static Pacer of(double totalRate, int participants) {
        if (totalRate < 0 || Double.isNaN(totalRate)) {
            throw new IllegalArgumentException("--rate must be 0 (back to back) or positive, got " + totalRate);
        }
        return new Pacer(totalRate == 0 ? 0 : Math.max(1, Math.round(participants * 1e9 / totalRate)));
    }

    /** Runs {@code op} on {@code loop} when the next operation is due (at once when back to back or late). */
    void schedule(EventLoop loop, Runnable op) {
        if (!started) { // the schedule starts with the first operation, not when the connection was made
            started = true;
            due = System.nanoTime() + phaseNanos;
        }
        long wait = intervalNanos == 0 ? 0 : due - System.nanoTime();
        if (wait > 0) {
            loop.schedule(op, wait, TimeUnit.NANOSECONDS);
        } else if (loop.inEventLoop()) {
            op.run();
        } else {
            loop.execute(op);
        }
    }

    /** Called as an operation starts: the time its latency counts from (when it was due, if paced). */
    long begin() {
        if (intervalNanos == 0) {
            return System.nanoTime();
        }
        long start = due;
        due += intervalNanos;
        return start;
    }
}
