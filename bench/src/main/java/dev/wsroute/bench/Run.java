package dev.wsroute.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The measured window of a scenario, shared by its connections: when it ends (time or count), the
 * connections finish the operation in flight, start no other, and count themselves done.
 */
final class Run {
    private final long deadlineNanos;
    private final CountDownLatch done;
    private volatile boolean stopping;

    Run(long secs, int participants) {
        this.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(secs);
        this.done = new CountDownLatch(participants);
    }

    /** True when no new operation may start. */
    boolean over() {
        if (!stopping && System.nanoTime() - deadlineNanos >= 0) {
            stopping = true;
        }
        return stopping;
    }

    void stop() {
        stopping = true;
    }

    void participantDone() {
        done.countDown();
    }

    /** Waits past the deadline for in-flight operations; false if some participant never finished. */
    boolean awaitDone(long graceSecs) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (!done.await(Math.max(0, left), TimeUnit.NANOSECONDS)) {
            stop();
            return done.await(graceSecs, TimeUnit.SECONDS);
        }
        return true;
    }

    long unfinished() {
        return done.getCount();
    }
}
