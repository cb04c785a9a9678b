package dev.wsroute.lifecycle;

import java.util.Map;

/**
 * Which endpoint of a pool should shed a socket now (CONTRACT "Lifecycle", {@code rebalance}): the most loaded one,
 * when it holds more than mean × (1 + tolerance/100) + 1 sockets. Pure: the caller counts, closes one socket
 * with 1012, and asks again at its own pace, so clients that reconnect are counted before the next decision.
 */
public final class RebalancePlanner {
    private RebalancePlanner() {
    }

    /**
     * @param open sockets per endpoint that takes new connections, counting those already on their way out (the
     *        total stays put while their clients reconnect elsewhere)
     * @param closing of those, per endpoint, sockets on their way out (sent a Close, or draining): they do not count
     *        towards shedding
     * @return the endpoint to shed one socket from, or null when the spread is within tolerance
     */
    public static String shedFrom(Map<String, Integer> open, Map<String, Integer> closing, int tolerance) {
        if (open.size() < 2) {
            return null;
        }
        long total = 0;
        for (int n : open.values()) {
            total += n;
        }
        double limit = (double) total / open.size() * (1 + tolerance / 100.0) + 1;
        String worst = null;
        int worstLoad = -1;
        for (Map.Entry<String, Integer> e : open.entrySet()) {
            int load = e.getValue() - closing.getOrDefault(e.getKey(), 0);
            if (load > limit && (load > worstLoad || load == worstLoad && e.getKey().compareTo(worst) < 0)) {
                worst = e.getKey();
                worstLoad = load;
            }
        }
        return worst;
    }
}
