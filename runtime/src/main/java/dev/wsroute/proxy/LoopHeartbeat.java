package dev.wsroute.proxy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * Whether every I/O thread still runs its tasks: each one stamps the time from a tiny task it runs every few seconds,
 * so a thread stuck in a blocking call or an endless loop stops stamping. Liveness reads the oldest stamp; a thread
 * that is merely busy runs the task late by milliseconds, so only a wedged one falls a minute behind.
 */
final class LoopHeartbeat {
    static final Duration EVERY = Duration.ofSeconds(5);

    private final LongSupplier nanos;
    private final AtomicLongArray stamps;
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private volatile boolean stopped;

    /** @param nanos a monotonic clock ({@code System::nanoTime}) */
    LoopHeartbeat(EventLoopGroup group, Duration every, LongSupplier nanos) {
        this.nanos = nanos;
        List<EventExecutor> loops = new ArrayList<>();
        group.forEach(loops::add);
        stamps = new AtomicLongArray(loops.size());
        long now = nanos.getAsLong();
        for (int i = 0; i < loops.size(); i++) {
            int slot = i;
            stamps.set(slot, now);
            tasks.add(loops.get(i).scheduleAtFixedRate(() -> stamps.set(slot, nanos.getAsLong()), 0, every.toNanos(),
                    TimeUnit.NANOSECONDS));
        }
    }

    /** How long the I/O thread that stamped least recently has not run its task; zero once stopped. */
    Duration longestSilence() {
        if (stopped) {
            return Duration.ZERO;
        }
        long now = nanos.getAsLong();
        long longest = 0;
        for (int i = 0; i < stamps.length(); i++) {
            longest = Math.max(longest, now - stamps.get(i));
        }
        return Duration.ofNanos(longest);
    }

    /** The threads are going away (shutdown): no longer a sign of a wedged one. */
    void stop() {
        stopped = true;
        tasks.forEach(t -> t.cancel(false));
    }
}
