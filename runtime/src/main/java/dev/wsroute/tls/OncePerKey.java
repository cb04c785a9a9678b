package dev.wsroute.tls;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells whether a key is seen for the first time, for a warning said once per key. Keys are remembered up to a bound (a
 * scanner or a broken upstream can make any number); past it no key is new, and {@code whenFull} runs once.
 */
final class OncePerKey {
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final int max;
    private final Runnable whenFull;

    OncePerKey(int max, Runnable whenFull) {
        this.max = max;
        this.whenFull = whenFull;
    }

    boolean first(String key) {
        if (seen.size() >= max) {
            if (seen.add("\0full")) {
                whenFull.run();
            }
            return false;
        }
        return seen.add(key);
    }
}
