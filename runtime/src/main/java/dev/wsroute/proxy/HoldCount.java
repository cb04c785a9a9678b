package dev.wsroute.proxy;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many hold something (the open WebSockets that keep a series of metrics): taken and given back without a lock,
 * and closed for good once none holds it, after which taking it fails. Lets the hot path count a socket in an
 * existing series without the map lock that removal needs.
 */
final class HoldCount {
    private static final int CLOSED = Integer.MIN_VALUE;
    private final AtomicInteger holders = new AtomicInteger();

    /** Counts one more holder; false once closed (then the caller makes a new series). */
    boolean take() {
        for (;;) {
            int n = holders.get();
            if (n < 0) {
                return false;
            }
            if (holders.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** One holder fewer; the holders left. */
    int giveBack() {
        return holders.decrementAndGet();
    }

    /** Closes it if none holds it (then no one can take it any more): whether it closed. */
    boolean closeUnlessHeld() {
        return holders.compareAndSet(0, CLOSED);
    }

    /** The holders now (0 once closed). */
    int count() {
        return Math.max(0, holders.get());
    }
}
