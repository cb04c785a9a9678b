package dev.wsroute.table;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import dev.wsroute.model.LoadBalancing;

/** Endpoint selection strategies. Each pick sees only candidates; weights come with the endpoints. */
public abstract class LoadBalancer {
    private final LoadBalancing policy;

    LoadBalancer(LoadBalancing policy) {
        this.policy = policy;
    }

    public LoadBalancing policy() {
        return policy;
    }

    abstract Endpoint pick(List<Endpoint> candidates, String hashKey, EndpointStats stats);

    static LoadBalancer of(LoadBalancing policy) {
        return switch (policy.policy()) {
            case LeastConnections -> new LeastConnections(policy);
            case RoundRobin -> new RoundRobin(policy);
            case Random -> new WeightedRandom(policy);
            case ConsistentHash -> new Rendezvous(policy);
        };
    }

    /** Fewest open tunnels per unit of weight; ties broken at random so replicas don't pile onto one pod. */
    static final class LeastConnections extends LoadBalancer {
        LeastConnections(LoadBalancing p) {
            super(p);
        }

        @Override
        Endpoint pick(List<Endpoint> candidates, String hashKey, EndpointStats stats) {
            Endpoint best = null;
            double bestLoad = Double.MAX_VALUE;
            int ties = 0;
            for (Endpoint e : candidates) {
                if (e.weight() <= 0) {
                    continue;
                }
                double load = (stats.active(e) + 1) / e.weight();
                if (load < bestLoad) {
                    best = e;
                    bestLoad = load;
                    ties = 1;
                } else if (load == bestLoad && ThreadLocalRandom.current().nextInt(++ties) == 0) {
                    best = e;
                }
            }
            return best != null ? best : firstOrNull(candidates);
        }
    }

    /** Smooth weighted round robin (as nginx does it): even spread, weights honoured. */
    static final class RoundRobin extends LoadBalancer {
        private double[] current = new double[0];
        private List<Endpoint> last = List.of();

        RoundRobin(LoadBalancing p) {
            super(p);
        }

        @Override
        synchronized Endpoint pick(List<Endpoint> candidates, String hashKey, EndpointStats stats) {
            if (!candidates.equals(last)) {
                last = candidates;
                current = new double[candidates.size()];
            }
            double total = 0;
            int best = -1;
            for (int i = 0; i < candidates.size(); i++) {
                double w = candidates.get(i).weight();
                if (w <= 0) {
                    continue;
                }
                current[i] += w;
                total += w;
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            if (best < 0) {
                return firstOrNull(candidates);
            }
            current[best] -= total;
            return candidates.get(best);
        }
    }

    static final class WeightedRandom extends LoadBalancer {
        WeightedRandom(LoadBalancing p) {
            super(p);
        }

        @Override
        Endpoint pick(List<Endpoint> candidates, String hashKey, EndpointStats stats) {
            double total = candidates.stream().mapToDouble(Endpoint::weight).filter(w -> w > 0).sum();
            if (total <= 0) {
                return firstOrNull(candidates);
            }
            double r = ThreadLocalRandom.current().nextDouble(total);
            for (Endpoint e : candidates) {
                if (e.weight() > 0 && (r -= e.weight()) < 0) {
                    return e;
                }
            }
            return candidates.get(candidates.size() - 1);
        }
    }

    /**
     * Weighted rendezvous (highest random weight) hashing: every replica computes the same winner from the key
     * and the endpoint keys alone, and adding or removing one of N endpoints moves only about 1/N of the keys.
     * A request without the key falls back to a random pick.
     */
    static final class Rendezvous extends LoadBalancer {
        Rendezvous(LoadBalancing p) {
            super(p);
        }

        @Override
        Endpoint pick(List<Endpoint> candidates, String hashKey, EndpointStats stats) {
            if (hashKey == null) {
                return new WeightedRandom(policy()).pick(candidates, null, stats);
            }
            long keyHash = hash64(hashKey.getBytes(StandardCharsets.UTF_8), 0x9E3779B97F4A7C15L);
            Endpoint best = null;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (Endpoint e : candidates) {
                if (e.weight() <= 0) {
                    continue;
                }
                long h = hash64(e.key().getBytes(StandardCharsets.UTF_8), keyHash);
                double unit = ((h >>> 11) + 0.5) / (double) (1L << 53); // in (0,1)
                double score = -e.weight() / Math.log(unit);
                if (score > bestScore) {
                    bestScore = score;
                    best = e;
                }
            }
            return best != null ? best : firstOrNull(candidates);
        }
    }

    /** FNV-1a over the bytes, seeded, then the SplitMix64 finalizer: stable across JVMs and replicas. */
    static long hash64(byte[] data, long seed) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (byte b : data) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }

    private static Endpoint firstOrNull(List<Endpoint> candidates) {
        return candidates.isEmpty() ? null : candidates.get(0);
    }
}
