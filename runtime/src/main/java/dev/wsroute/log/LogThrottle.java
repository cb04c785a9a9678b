package dev.wsroute.log;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * For a line about an event a client or a storm can repeat thousands of times a second: the first is logged at once,
 * then at most one a minute, saying how many came since the line before. The caller counts each event here and
 * makes and logs its line only when one is due, so what goes to the log does not grow with the traffic.
 */
public final class LogThrottle {
    private static final long EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private final LongSupplier nanos;
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong nextLine = new AtomicLong();
    private volatile boolean logged;

    /** @param nanos a monotonic clock ({@code System::nanoTime}) */
    public LogThrottle(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** Counts one event; returns how many the line due now stands for (this one included), or 0 when none is due. */
    public long count() {
        long n = events.incrementAndGet();
        long now = nanos.getAsLong();
        long next = nextLine.get();
        if (logged && now - next < 0 || !nextLine.compareAndSet(next, now + EVERY_NANOS)) {
            return 0;
        }
        logged = true;
        events.addAndGet(-n); // events counted by other threads meanwhile go to the next line
        return n;
    }
}
