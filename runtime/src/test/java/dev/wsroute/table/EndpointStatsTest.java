package dev.wsroute.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.wsroute.model.LoadBalancing;
import dev.wsroute.model.LoadBalancing.Policy;
import dev.wsroute.model.RouteId;

/**
 * Counts of endpoints no table lists any more (rolled pods) are freed, so the map holds live endpoints only; picks
 * racing the freeing never count a connection where its close cannot find it, and an endpoint listed again works.
 */
class EndpointStatsTest {
    private static final PoolId ID = new RuleKey(new RouteId("default", "lb"), "rule-0", 0);
    private static final Endpoint A = Endpoint.of("10.0.0.1", 8080, 1);
    private static final Endpoint B = Endpoint.of("10.0.0.2", 8080, 1);

    private final EndpointStats stats = new EndpointStats();
    private final BalancerState state = new BalancerState(stats);

    @Test
    void rolledEndpointsLoseTheirCountsAndOneStillInUseKeepsItUntilItsLastConnectionEnds() {
        Pool pool = new Pool(ID, List.of(A, B), LoadBalancing.DEFAULT);
        Endpoint first = pool.select(pool.endpoints(), null, state);
        Endpoint second = pool.select(pool.endpoints(), null, state);
        stats.closed(first);
        for (int pod = 3; pod < 103; pod++) { // a hundred rolled pods, each seen once
            Endpoint e = Endpoint.of("10.0.0." + pod, 8080, 1);
            Pool rolled = new Pool(ID, List.of(e), LoadBalancing.DEFAULT);
            stats.closed(rolled.select(rolled.endpoints(), null, state));
            stats.retain(Set.of(e.key()));
        }
        assertThat(stats.size()).as("the last pod's, and the one still in use").isEqualTo(2);
        assertThat(stats.active(second)).isEqualTo(1);

        stats.closed(second);
        assertThat(stats.size()).as("freed with its last connection").isEqualTo(1);

        Endpoint back = pool.select(List.of(A), null, state); // listed again (a pod that got the address back)
        assertThat(stats.active(back)).isEqualTo(1);
        stats.closed(back);
        assertThat(stats.active(back)).isZero();
    }

    @Test
    void picksRacingTheFreeingNeitherLoseNorLeakACount() throws Exception {
        List<Pool> pools = List.of(new Pool(ID, List.of(A, B), LoadBalancing.DEFAULT),
                new Pool(ID, List.of(A, B), new LoadBalancing(Policy.RoundRobin, null)));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger uncounted = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (Pool pool : pools) {
                running.add(threads.submit(() -> {
                    while (!stop.get()) {
                        Endpoint e = pool.select(pool.endpoints(), null, state);
                        if (stats.active(e) < 1) { // this thread's own connection, at least
                            uncounted.incrementAndGet();
                        }
                        stats.closed(e);
                    }
                }));
            }
            for (int i = 0; i < 200_000; i++) {
                stats.retain(i % 2 == 0 ? Set.of() : Set.of(A.key(), B.key()));
            }
            stop.set(true);
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(uncounted).as("picks whose count was lost to a freeing").hasValue(0);
        Pool both = pools.get(0);
        Endpoint e = both.select(both.endpoints(), null, state);
        Endpoint f = both.select(both.endpoints(), null, state);
        assertThat(List.of(e, f)).as("least connections still sees both as free").containsExactlyInAnyOrder(A, B);
        stats.closed(e);
        stats.closed(f);
        assertThat(stats.active(A) + stats.active(B)).isZero();

        stats.retain(Set.of());
        assertThat(stats.size()).as("every count back to 0, so every one freed").isZero();
    }
}
