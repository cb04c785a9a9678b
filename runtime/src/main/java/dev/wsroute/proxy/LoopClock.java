package dev.wsroute.proxy;

import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * One coarse clock per event loop for every connection deadline (request head, keep-alive idle, handshake,
 * tunnel idle): connections link a {@link Deadline} into the loop's list and one sweep task per loop, four times a
 * second, fires the due ones. No timer object per connection, no scheduled-task queue churn per request; a
 * deadline fires up to one sweep period late (one that waits for a connection to be quiet, {@link Activity}, up to about
 * two), never early, which the seconds-long timeouts here never notice. The sweep also runs
 * work put off until then ({@link #atNextSweep}), such as counters gathered per read and reported a few times a second.
 */
final class LoopClock {
    static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final int RING = 256;
    /**
     * The longest a deadline that reads {@link Activity} waits between two looks at it (half the sweeps {@link #RING}
     * keeps, sweeps late or not): an activity it has not seen yet is then always within the ring.
     */
    static final long LOOK_NANOS = (RING / 2 - 2) * PERIOD_NANOS;
    private static final FastThreadLocal<LoopClock> CLOCKS = new FastThreadLocal<>();

    private final Deadline head = new Deadline(null); // sentinel of a circular doubly-linked list
    private final ArrayList<Deadline> due = new ArrayList<>();
    private ArrayList<Runnable> nextSweep = new ArrayList<>();
    private ArrayList<Runnable> running = new ArrayList<>();
    private long now = System.nanoTime();
    /** The number of the last sweep (0: none yet, {@link #now} is the clock's creation). */
    private long sweeps;
    /** The times of the last {@link #RING} sweeps, by number: where {@link #after} finds an activity's bound. */
    private final long[] sweepTimes = new long[RING];

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

    /**
     * The time of the last sweep. Not a time to note activity by: a read comes up to a period after it (more when the
     * sweep is late), so a deadline counted from it fires early; see {@link Activity}.
     */
    long now() {
        return now;
    }

    /**
     * A time no earlier than an activity noted at sweep {@code stamp} ({@link #sweeps} then), a sweep before the last:
     * the time of the sweep after it, which came after the activity. Exact for the last {@link #RING} sweeps; for an
     * older stamp, the oldest time kept, still no earlier than the activity.
     */
    private long after(long stamp) {
        long next = stamp + 1;
        if (sweeps - next >= RING) {
            next = sweeps - RING + 1;
        }
        return sweepTimes[(int) (next & (RING - 1))];
    }

    /**
     * Runs {@code work} once, at the next sweep (within {@link #PERIOD_NANOS}), on this loop. Returns its place in the
     * sweep's list, for {@link #dropFromNextSweep}.
     */
    int atNextSweep(Runnable work) {
        nextSweep.add(work);
        return nextSweep.size() - 1;
    }

    /**
     * Calls off {@code work} put off by {@link #atNextSweep} (which returned {@code place}) if it has not run yet, so
     * that the list no longer keeps it, and all it references, reachable until the sweep: a closed connection's objects
     * then die young instead of surviving a young collection (copied, and promoted when the survivor space is full).
     * Does nothing when the work has run or is running in the current sweep.
     */
    void dropFromNextSweep(int place, Runnable work) {
        if (place < nextSweep.size() && nextSweep.get(place) == work) {
            nextSweep.set(place, null);
        }
    }

    void arm(Deadline d, long delayNanos) {
        d.due = false;
        d.armed = true;
        d.at = System.nanoTime() + delayNanos;
        if (d.next == null) { // one paused since the last sweep is still linked: armed again in place
            d.prev = head.prev;
            d.next = head;
            head.prev.next = d;
            head.prev = d;
        }
    }

    /** Off, and out of the list: for a connection that closes or a stage that goes (nothing of it stays reachable). */
    void disarm(Deadline d) {
        d.due = false;
        d.armed = false;
        unlink(d);
    }

    /**
     * Off, left in the list until the next sweep takes it out: for a deadline that is armed again soon on a connection
     * that stays (the answer's, a keep-alive wait's), so that neither call touches its neighbours in the list, other
     * connections' deadlines whose memory is cold, on every request. Not for a connection that closes: the list would
     * keep it reachable until the sweep ({@link #disarm}).
     */
    void pause(Deadline d) {
        d.due = false;
        d.armed = false;
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
     * silent, or still in their TLS handshake) close instead of lingering until the process ends. Other deadlines
     * (tunnels, upgrade handshakes, connects) stay.
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
            if (d.armed && d.onStop != null) {
                stopping.add(d);
            }
        }
        for (Deadline d : stopping) { // after the walk: a stop action closes its connection, which disarms its deadline
            d.onStop.run();
        }
    }

    private void sweep() {
        now = System.nanoTime();
        sweeps++;
        sweepTimes[(int) (sweeps & (RING - 1))] = now;
        for (Deadline d = head.next, next; d != head; d = next) {
            next = d.next;
            if (!d.armed) { // paused since it was linked
                unlink(d);
            } else if (d.at - now <= 0) {
                unlink(d);
                d.armed = false;
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
            if (r != null) { // null: called off (dropFromNextSweep)
                r.run();
            }
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
        /** Armed and not fired yet; a paused deadline ({@link LoopClock#pause}) may still be linked until the next sweep. */
        private boolean armed;

        Deadline(Runnable action) {
            this(action, null);
        }

        Deadline(Runnable action, Runnable onStop) {
            this.action = action;
            this.onStop = onStop;
        }

        boolean armed() {
            return armed;
        }
    }

    /**
     * When a connection was last active, for a deadline that waits for it to be quiet (a tunnel's idle timeout, a
     * request body's): a read notes it with {@link #note}, one field write of the number of the loop's last sweep;
     * the deadline asks {@link #quiet} at its sweep, which counts from the sweep after that note. The activity came
     * before that sweep, so the quiet time is never more than the real one and the deadline never fires early; it may
     * fire up to about two sweep periods late. The deadline must look at least every {@link #LOOK_NANOS}.
     */
    static final class Activity {
        private final LoopClock clock;
        /** The number of the sweep last before the last activity. */
        private long stamp;
        /** The stamp {@link #seenAt} was found for: a quiet connection's stamp is looked up once, while in the ring. */
        private long seen = -1;
        private long seenAt;

        Activity(LoopClock clock) {
            this.clock = clock;
        }

        /** The connection is active now: on every read, one field write. */
        void note() {
            stamp = clock.sweeps;
        }

        /**
         * The time since the last {@link #note}, at the current sweep: never more than it really is (so a deadline
         * never fires early), at most about two periods less (more when a sweep ran late).
         */
        long quiet() {
            long s = stamp;
            if (s >= clock.sweeps) { // active since the current sweep
                return 0;
            }
            if (s != seen) {
                seen = s;
                seenAt = clock.after(s);
            }
            return Math.max(0, clock.now - seenAt);
        }
    }
}
