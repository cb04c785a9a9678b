package dev.wsroute.table;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.wsroute.model.LoadBalancing;

/**
 * Endpoint selection strategies. They hold no state of their own: a pick sees the pool, the candidates left
 * (healthy, not tried yet), and the {@link BalancerState} kept outside the route table. A pick also counts the
 * endpoint as in use ({@link EndpointStats}), in the same step: every I/O thread picks, and a pick that counted later
 * would let two threads take the same least-loaded endpoint.
 */
public abstract class LoadBalancer {
    private final LoadBalancing policy;

    LoadBalancer(LoadBalancing policy) {
        this.policy = policy;
    }

    public LoadBalancing policy() {
        return policy;
    }

    /** Picks one of {@code candidates} (not empty) and counts it in use; the caller gives it back with {@link EndpointStats#closed}. */
    abstract Endpoint take(Pool pool, List<Endpoint> candidates, String hashKey, BalancerState state);

    static LoadBalancer of(LoadBalancing policy) {
        return switch (policy.policy()) {
            case LeastConnections -> new LeastConnections(policy);
            case RoundRobin -> new RoundRobin(policy);
            case Random -> new WeightedRandom(policy);
            case ConsistentHash -> new Rendezvous(policy);
        };
    }

    /**
     * Fewest connections in use (upgrades in progress included) per unit of weight; ties broken at random so replicas
     * don't pile onto one pod. The count is taken with a compare-and-set on the count the pick saw: if another thread
     * took a connection on that endpoint meanwhile, the pick is made again, so each taken connection went to an
     * endpoint that was least loaded at that moment.
     */
    static final class LeastConnections extends LoadBalancer {
        LeastConnections(LoadBalancing p) {
            super(p);
        }

        @Override
        Endpoint take(Pool pool, List<Endpoint> candidates, String hashKey, BalancerState state) {
            EndpointStats stats = state.load();
            pick: while (true) {
                Endpoint best = null;
                AtomicInteger bestCount = null;
                int seen = 0;
                double bestLoad = Double.MAX_VALUE;
                int ties = 0;
                for (int i = 0; i < candidates.size(); i++) {
                    Endpoint e = candidates.get(i);
                    if (e.weight() <= 0) {
                        continue;
                    }
                    AtomicInteger count = stats.count(e);
                    int n = count.get();
                    if (EndpointStats.freed(n)) { // freed since count() handed it out: a new one is in its place
                        continue pick;
                    }
                    double load = (n + 1) / e.weight();
                    if (load < bestLoad) {
                        ties = 1;
                    } else if (load > bestLoad || ThreadLocalRandom.current().nextInt(++ties) != 0) {
                        continue;
                    }
                    best = e;
                    bestCount = count;
                    seen = n;
                    bestLoad = load;
                }
                if (best == null) { // only zero-weight candidates are left
                    return counted(candidates.get(0), stats);
                }
                if (bestCount.compareAndSet(seen, seen + 1)) {
                    return best;
                }
            }
        }
    }

    /** A policy whose choice does not depend on the counts: choose, then count. */
    abstract static class CountBlind extends LoadBalancer {
        CountBlind(LoadBalancing p) {
            super(p);
        }

        abstract Endpoint pick(Pool pool, List<Endpoint> candidates, String hashKey, BalancerState state);

        @Override
        final Endpoint take(Pool pool, List<Endpoint> candidates, String hashKey, BalancerState state) {
            return counted(pick(pool, candidates, hashKey, state), state.load());
        }
    }

    private static Endpoint counted(Endpoint e, EndpointStats stats) {
        stats.take(e);
        return e;
    }

    /**
     * Smooth weighted round robin (as nginx spreads it), lock-free: the pool precomputes one period of the
     * schedule and picks walk it with an atomic cursor, skipping endpoints that are not candidates.
     */
    static final class RoundRobin extends CountBlind {
        private static final int MAX_PERIOD = 4096;

        RoundRobin(LoadBalancing p) {
            super(p);
        }

        @Override
        Endpoint pick(Pool pool, List<Endpoint> candidates, String hashKey, BalancerState state) {
            int[] schedule = pool.schedule();
            if (schedule.length == 0) {
                return candidates.get(0);
            }
            List<Endpoint> all = pool.endpoints();
            boolean everyone = candidates == all;
            AtomicLong cursor = state.cursor(pool.id());
            for (int step = 0; step < schedule.length; step++) {
                Endpoint e = all.get(schedule[(int) Long.remainderUnsigned(cursor.getAndIncrement(), schedule.length)]);
                if (everyone || candidates.contains(e)) {
                    return e;
                }
            }
            return candidates.get(0); // only zero-weight candidates are left
        }

        /** One period of smooth weighted round robin over the endpoints with a positive weight. */
        static int[] schedule(List<Endpoint> endpoints) {
            double total = 0;
            double min = Double.MAX_VALUE;
            for (Endpoint e : endpoints) {
                if (e.weight() > 0) {
                    total += e.weight();
                    min = Math.min(min, e.weight());
                }
            }
            if (total <= 0) {
                return new int[0];
            }
            int period = (int) Math.min(MAX_PERIOD, Math.max(endpoints.size(), Math.round(total / min)));
            double[] current = new double[endpoints.size()];
            int[] out = new int[period];
            for (int n = 0; n < period; n++) {
                int best = -1;
                for (int i = 0; i < current.length; i++) {
                    double w = endpoints.get(i).weight();
                    if (w <= 0) {
                        continue;
                    }
                    current[i] += w;
                    if (best < 0 || current[i] > current[best]) {
                        best = i;
                    }
                }
                current[best] -= total;
                out[n] = best;
            }
            return out;
        }
    }

    static final class WeightedRandom extends CountBlind {
        WeightedRandom(LoadBalancing p) {
            super(p);
        }

        @Override
        Endpoint pick(Pool pool, List<Endpoint> candidates, String hashKey, BalancerState state) {
            return random(candidates);
        }

        static Endpoint random(List<Endpoint> candidates) {
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
    static final class Rendezvous extends CountBlind {
        Rendezvous(LoadBalancing p) {
            super(p);
        }

        @Override
        Endpoint pick(Pool pool, List<Endpoint> candidates, String hashKey, BalancerState state) {
            if (hashKey == null) {
                return WeightedRandom.random(candidates);
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
