package dev.wsroute.table;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Things in use per key (connections per endpoint, per rule), taken and given back from any thread, whose count goes
 * when a route table no longer lists its key and nothing is counted on it: keys of rolled pods and deleted rules are
 * not kept for good. A count is freed by a compare-and-set from 0 to {@link #FREED} under its key's lock; a taker
 * that read it before fails its own compare-and-set and takes a fresh count, so nothing is counted where its
 * release cannot find it.
 */
public final class InUseCounts<K> {
    /** A count taken out of the map: never taken again. */
    private static final int FREED = Integer.MIN_VALUE;

    private final ConcurrentHashMap<K, AtomicInteger> counts = new ConcurrentHashMap<>();
    /** Keys the last table did not list that still had something counted then: freed when the last is given back. */
    private final Set<K> unlisted = ConcurrentHashMap.newKeySet();

    public int get(K key) {
        AtomicInteger n = counts.get(key);
        return n == null ? 0 : Math.max(0, n.get());
    }

    /** Counts one more on the key unless {@code max} are counted already; returns whether it did. */
    public boolean tryTake(K key, int max) {
        while (true) {
            AtomicInteger n = count(key);
            int seen = n.get();
            if (seen != FREED) {
                if (seen >= max) {
                    return false;
                }
                if (n.compareAndSet(seen, seen + 1)) {
                    return true;
                }
            }
        }
    }

    /** Gives one back (what {@link #tryTake} or a compare-and-set on {@link #count} took). */
    public void release(K key) {
        AtomicInteger n = counts.get(key);
        if (n != null && n.decrementAndGet() == 0 && !unlisted.isEmpty() && unlisted.contains(key)) {
            free(key);
        }
    }

    /**
     * After a table swap: keys {@code listed} rejects lose their counts now when nothing is counted on them, else when
     * the last is given back.
     */
    public void retain(Predicate<K> listed) {
        unlisted.removeIf(listed);
        for (K key : counts.keySet()) {
            if (!listed.test(key)) {
                unlisted.add(key); // before freeing: a release meanwhile frees it itself
                free(key);
            }
        }
    }

    /** How many keys have a count kept. */
    public int size() {
        return counts.size();
    }

    /** The key's count, never a freed one, for a caller that takes it by its own compare-and-set (see {@link #freed}). */
    AtomicInteger count(K key) {
        AtomicInteger n = counts.get(key);
        if (n != null && n.get() != FREED) {
            return n;
        }
        return counts.compute(key, (k, old) -> old == null || old.get() == FREED ? new AtomicInteger() : old);
    }

    /** Whether a value read from {@link #count} is of a count freed since (look again). */
    static boolean freed(int seen) {
        return seen == FREED;
    }

    private void free(K key) {
        counts.computeIfPresent(key, (k, n) -> {
            if (n.compareAndSet(0, FREED)) {
                unlisted.remove(k);
                return null;
            }
            return n;
        });
    }
}
