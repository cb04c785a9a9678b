package dev.wsroute.lifecycle;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** {@code timeouts.maxDuration}: each socket's own deadline, spread by ±10 % so sockets opened together don't all reconnect together. */
public final class Lifetimes {
    static final double JITTER = 0.10;

    private Lifetimes() {
    }

    /** A deadline drawn uniformly from [0.9, 1.1] × {@code maxDuration}, in nanoseconds. */
    public static long jittered(Duration maxDuration, RandomGenerator random) {
        double factor = 1 - JITTER + random.nextDouble() * 2 * JITTER;
        return (long) (maxDuration.toNanos() * factor);
    }
}
