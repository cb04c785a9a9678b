package dev.wsroute.proxy;

import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * One coarse clock per event loop for every connection deadline (request head, keep-alive idle, handshake,
 * tunnel idle): connections link a {@link Deadline} into the loop's list and one sweep task per loop, four times a
 * second, fires the due ones. No timer object per connection, no scheduled-task queue churn per request; a
 * deadline fires up to one sweep period late, which the seconds-long timeouts here never notice. The sweep also runs
 * work put off until then ({@link #atNextSweep}), such as counters gathered per read and reported a few times a second.
 */
final class LoopClock {
    static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final FastThreadLocal<LoopClock> CLOCKS = new FastThreadLocal<>();

    private final Deadline head = new Deadline(null); // sentinel of a circular doubly-linked list
    private final ArrayList<Deadline> due = new ArrayList<>();
    private ArrayList<Runnable> nextSweep = new ArrayList<>();
    private ArrayList<Runnable> running = new ArrayList<>();
    private long now = System.nanoTime();

    private LoopClock(EventLoop loop) {
        head.prev = head;
        head.next = head;
        loop.scheduleAtFixedRate(this::sweep, PERIOD_NANOS, PERIOD_NANOS, TimeUnit.NANOSECONDS);
    }

    /** The clock of the calling event loop. */
    static LoopClock of(EventLoop loop) {
        LoopClock c = CLOCKS.getIfExists();
        if (c == null) {
            c = new LoopClock(loop);
            CLOCKS.set(c);
        }
        return c;
    }

    /** The time of the last sweep: cheap to read on every read of a socket. */
    long now() {
        return now;
    }

    /** Runs {@code work} once, at the next sweep (within {@link #PERIOD_NANOS}), on this loop. */
    void atNextSweep(Runnable work) {
        nextSweep.add(work);
    }

    void arm(Deadline d, long delayNanos) {
        d.due = false;
        d.at = System.nanoTime() + delayNanos;
        if (d.next == null) {
            d.prev = head.prev;
            d.next = head;
            head.prev.next = d;
            head.prev = d;
        }
    }

    void disarm(Deadline d) {
        d.due = false;
        unlink(d);
    }

    private static void unlink(Deadline d) {
        if (d.next != null) {
            d.prev.next = d.next;
            d.next.prev = d.prev;
            d.next = null;
            d.prev = null;
        }
    }

    /**
     * The data plane closed its listeners (the end of the shutdown delay): on the calling event loop, every armed
     * deadline with a stop action runs it now, so connections that wait for a request (idle keep-alive, or opened and
     * silent) close instead of lingering until the process ends. Other deadlines (tunnels, handshakes, connects) stay.
     */
    static void listenersClosed() {
        LoopClock c = CLOCKS.getIfExists();
        if (c != null) {
            c.runStopActions();
        }
    }

    private void runStopActions() {
        ArrayList<Deadline> stopping = new ArrayList<>();
        for (Deadline d = head.next; d != head; d = d.next) {
            if (d.onStop != null) {
                stopping.add(d);
            }
        }
        for (Deadline d : stopping) { // after the walk: a stop action closes its connection, which disarms its deadline
            d.onStop.run();
        }
    }

    private void sweep() {
        now = System.nanoTime();
        for (Deadline d = head.next, next; d != head; d = next) {
            next = d.next;
            if (d.at - now <= 0) {
                unlink(d);
                d.due = true;
                due.add(d);
            }
        }
        for (Deadline d : due) { // fired after the walk: an action may arm or disarm any deadline, this one too
            if (d.due) {
                d.due = false;
                d.action.run();
            }
        }
        due.clear();
        ArrayList<Runnable> work = nextSweep; // what the work puts off in turn waits for the sweep after
        nextSweep = running;
        running = work;
        for (Runnable r : work) {
            r.run();
        }
        work.clear();
    }

    /** A connection's pending deadline, linked into its loop's clock while armed. */
    static final class Deadline {
        private final Runnable action;
        /** Run when the listeners close while this is armed ({@link #listenersClosed}); null: nothing to do then. */
        private final Runnable onStop;
        private Deadline prev;
        private Deadline next;
        private long at;
        private boolean due;

        Deadline(Runnable action) {
            this(action, null);
        }

        Deadline(Runnable action, Runnable onStop) {
            this.action = action;
            this.onStop = onStop;
        }

        boolean armed() {
            return next != null;
        }
    }
}
