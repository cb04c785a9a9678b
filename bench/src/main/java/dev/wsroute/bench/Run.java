package dev.wsroute.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The time line of a scenario, shared by its connections: a warm-up (operations run but are not
 * counted, so the load generator's own JIT warms up), then the measured window. When the window
 * ends (time or count), each connection finishes the operation in flight, starts no other, and
 * counts itself done.
 */
final class Run {
    private final long warmupNanos;
    private final long measureNanos;
    private final CountDownLatch done;
    private volatile boolean measuring;
    private volatile long deadlineNanos;
    private volatile boolean stopping;

    Run(long warmupSecs, long measureSecs, int participants) {
        this.warmupNanos = TimeUnit.SECONDS.toNanos(warmupSecs);
        this.measureNanos = TimeUnit.SECONDS.toNanos(measureSecs);
        this.done = new CountDownLatch(participants);
    }

    /** True once the measured window has begun: count and record operations only then. */
    boolean measuring() {
        return measuring;
    }

    /** True when no new operation may start. */
    boolean over() {
        if (!stopping && measuring && System.nanoTime() - deadlineNanos >= 0) {
            stopping = true;
        }
        return stopping;
    }

    void participantDone() {
        done.countDown();
    }

    /** Waits out the warm-up, or until every participant gave up. */
    void awaitWarmUp() throws InterruptedException {
        done.await(warmupNanos, TimeUnit.NANOSECONDS);
    }

    /** Opens the measured window. */
    void beginMeasuring() {
        deadlineNanos = System.nanoTime() + measureNanos;
        measuring = true;
    }

    /** Waits past the deadline for in-flight operations; false if some participant never finished. */
    boolean awaitDone(long graceSecs) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (!done.await(Math.max(0, left), TimeUnit.NANOSECONDS)) {
            stopping = true;
            return done.await(graceSecs, TimeUnit.SECONDS);
        }
        return true;
    }

    long unfinished() {
        return done.getCount();
    }
}
