package dev.wsroute.lifecycle;

import java.util.Map;

/**
 * Which endpoint of a pool should shed a socket now (CONTRACT "Lifecycle", {@code rebalance}): the one most over its
 * share, when it holds more than its share × (1 + tolerance/100) + 1 sockets. Its share is the pool's sockets split by
 * weight, as the balancer places them (LeastConnections counts connections per unit of weight, round robin and random
 * pick by weight); with equal weights, the mean. Pure: the caller counts, closes one socket with 1012, and asks again
 * at its own pace, so clients that reconnect are counted before the next decision.
 */
public final class RebalancePlanner {
    private RebalancePlanner() {
    }

    /** As {@link #shedFrom(Map, Map, Map, int)} with every endpoint of the same weight. */
    public static String shedFrom(Map<String, Integer> open, Map<String, Integer> closing, int tolerance) {
        return shedFrom(open, closing, Map.of(), tolerance);
    }

    /**
     * @param open sockets per endpoint that takes new connections, counting those already on their way out (the
     *        total stays put while their clients reconnect elsewhere)
     * @param closing of those, per endpoint, sockets on their way out (sent a Close, or draining): they do not count
     *        towards shedding
     * @param weights each endpoint's weight in the pool (absent: 1). Compared with the mean alone, an endpoint that
     *        weights give more than the mean (a backend of one pod beside one of three, a 9:1 canary) looked
     *        overloaded for good: each socket shed came back to it, a close every 1/maxClosesPerSecond s, forever
     * @return the endpoint to shed one socket from, or null when the spread is within tolerance
     */
    public static String shedFrom(Map<String, Integer> open, Map<String, Integer> closing, Map<String, Double> weights,
            int tolerance) {
        if (open.size() < 2) {
            return null;
        }
        Shares shares = Shares.of(open, weights);
        if (shares.totalWeight() <= 0) {
            return null;
        }
        String worst = null;
        double worstOver = 1;
        for (Map.Entry<String, Integer> e : open.entrySet()) {
            double share = shares.of(e.getKey(), weights);
            double limit = share * (1 + tolerance / 100.0) + 1;
            int load = e.getValue() - closing.getOrDefault(e.getKey(), 0);
            double over = load / limit; // above 1: over its limit
            if (over > worstOver || worst != null && over == worstOver && e.getKey().compareTo(worst) < 0) {
                worst = e.getKey();
                worstOver = over;
            }
        }
        return worst;
    }

    /**
     * Whether shedding would move sockets onto an endpoint that ends the sessions placed on it at once: one of
     * {@code endsAtOnce} holding no more than its share is where the balancer puts the clients told to reconnect,
     * and there they would not stay. (One over its share may still shed: its brief sessions take nothing from anyone.)
     *
     * @return that endpoint (the first by name), or null
     */
    public static String wouldLandOn(Map<String, Integer> open, Map<String, Double> weights, java.util.Set<String> endsAtOnce) {
        if (endsAtOnce.isEmpty()) {
            return null;
        }
        Shares shares = Shares.of(open, weights);
        String found = null;
        for (String endpoint : endsAtOnce) {
            Integer load = open.get(endpoint);
            if (load == null || shares.totalWeight() <= 0) {
                continue;
            }
            double share = shares.of(endpoint, weights);
            if (load <= share && (found == null || endpoint.compareTo(found) < 0)) {
                found = endpoint;
            }
        }
        return found;
    }

    /** The pool's sockets and weights in total: an endpoint's share of the sockets is by its weight. */
    private record Shares(long total, double totalWeight) {
        static Shares of(Map<String, Integer> open, Map<String, Double> weights) {
            long total = 0;
            double totalWeight = 0;
            for (Map.Entry<String, Integer> e : open.entrySet()) {
                total += e.getValue();
                totalWeight += weights.getOrDefault(e.getKey(), 1.0);
            }
            return new Shares(total, totalWeight);
        }

        double of(String endpoint, Map<String, Double> weights) {
            return total * weights.getOrDefault(endpoint, 1.0) / totalWeight;
        }
    }
}
