package dev.wsroute.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.wsroute.model.LoadBalancing;
import dev.wsroute.model.RouteId;
import dev.wsroute.model.LoadBalancing.HashOn;
import dev.wsroute.model.LoadBalancing.Policy;

/** Endpoint selection: each policy's promise, checked over many picks with fixed counts and tolerances. */
class LoadBalancerTest {
    private static final LoadBalancing LEAST = LoadBalancing.DEFAULT;
    private static final LoadBalancing ROUND_ROBIN = new LoadBalancing(Policy.RoundRobin, null);
    private static final LoadBalancing RANDOM = new LoadBalancing(Policy.Random, null);
    private static final LoadBalancing HASH = new LoadBalancing(Policy.ConsistentHash, new HashOn(HashOn.Source.header, "x-user"));

    private final EndpointStats stats = new EndpointStats();
    private final BalancerState state = new BalancerState(stats);
    private static final PoolId ID = new RuleKey(new RouteId("default", "lb"), "rule-0", 0);

    private static Endpoint ep(int i, double weight) {
        return Endpoint.of("10.0.0." + i, 8080, weight);
    }

    private static List<Endpoint> endpoints(int n) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            list.add(ep(i, 1));
        }
        return list;
    }

    private static Pool pool(List<Endpoint> endpoints, LoadBalancing policy) {
        return new Pool(ID, endpoints, policy);
    }

    private Endpoint pick(Pool pool) {
        return pick(pool, null);
    }

    /** A pick whose connection ends at once: the counts stay as the test set them. */
    private Endpoint pick(Pool pool, String key) {
        return givenBack(pool.select(pool.endpoints(), key, state));
    }

    /** As the dialer asks on a retry: the endpoints not tried yet. */
    private Endpoint pick(Pool pool, String key, Set<Endpoint> tried) {
        return givenBack(pool.select(pool.endpoints().stream().filter(e -> !tried.contains(e)).toList(), key, state));
    }

    /** A connection to {@code e} that stays open: the pick a dialer makes when {@code e} is the one candidate left. */
    private void open(Pool pool, Endpoint e) {
        assertThat(pool.select(List.of(e), null, state)).isEqualTo(e);
    }

    private Endpoint givenBack(Endpoint e) {
        if (e != null) {
            stats.closed(e);
        }
        return e;
    }

    private Map<Endpoint, Integer> counts(Pool pool, int picks) {
        Map<Endpoint, Integer> n = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            n.merge(pick(pool), 1, Integer::sum);
        }
        return n;
    }

    // --- LeastConnections ---

    @Test
    void leastConnectionsPrefersTheEndpointWithFewerOpen() {
        Endpoint a = ep(1, 1);
        Endpoint b = ep(2, 1);
        Pool pool = pool(List.of(a, b), LEAST);
        open(pool, a);
        open(pool, a);
        open(pool, b);

        for (int i = 0; i < 50; i++) {
            assertThat(pick(pool)).isEqualTo(b);
        }
        stats.closed(a);
        stats.closed(a);
        for (int i = 0; i < 50; i++) {
            assertThat(pick(pool)).isEqualTo(a);
        }
    }

    @Test
    void leastConnectionsWeighsOpenConnectionsByWeight() {
        Endpoint heavy = ep(1, 3);
        Endpoint light = ep(2, 1);
        Pool pool = pool(List.of(heavy, light), LEAST);
        open(pool, heavy); // (1 + 1) / 3 < (0 + 1) / 1
        assertThat(pick(pool)).isEqualTo(heavy);

        for (int i = 0; i < 400; i++) { // every pick keeps its connection: the spread follows the weights
            pool.select(pool.endpoints(), null, state);
        }

        assertThat(stats.active(heavy) + stats.active(light)).isEqualTo(401);
        assertThat(stats.active(heavy)).isBetween(299, 302);
    }

    @Test
    void leastConnectionsBreaksTiesAtRandom() {
        Pool pool = pool(endpoints(2), LEAST);

        assertThat(counts(pool, 400)).as("with equal load both endpoints get picks").hasSize(2);
    }

    @Test
    void everyPolicyCountsItsPickInUseUntilItIsGivenBack() {
        for (LoadBalancing policy : List.of(LEAST, ROUND_ROBIN, RANDOM, HASH)) {
            Pool pool = pool(endpoints(3), policy);
            Endpoint e = pool.select(pool.endpoints(), "user-1", state);

            assertThat(stats.active(e)).as(policy.policy().name()).isEqualTo(1);
            stats.closed(e);
            assertThat(stats.active(e)).isZero();
        }
    }

    /**
     * Every I/O thread picks: two threads taking connections at the same moment must spread them as one picker would.
     * After each round of simultaneous picks no endpoint is more than one connection (per unit of weight) ahead of
     * another: {@code n(a) / w(a) <= (n(b) + 1) / w(b)} for every pair.
     */
    @Test
    void leastConnectionsPicksFromTwoThreadsAtOnceSpreadAsOnePickerWould() throws Exception {
        List<Endpoint> all = List.of(ep(1, 1), ep(2, 1), ep(3, 2));
        Pool pool = pool(all, LEAST);
        int rounds = 20_000;
        int picksPerThread = 4; // 8 per round: 2, 2 and 4 when spread by weight
        List<String> uneven = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger round = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        Callable<Void> picker = () -> {
            for (int r = 0; r < rounds; r++) {
                while (round.get() != r) { // not a blocking barrier: both threads start a round within a few ns
                    if (Thread.interrupted()) {
                        throw new InterruptedException("the other picker stopped");
                    }
                    Thread.onSpinWait();
                }
                for (int i = 0; i < picksPerThread; i++) {
                    pool.select(all, null, state);
                }
                if (finished.incrementAndGet() % 2 == 0) { // the other thread is done too: check, give back, next round
                    int[] n = all.stream().mapToInt(stats::active).toArray();
                    for (int a = 0; a < n.length; a++) {
                        for (int b = 0; b < n.length; b++) {
                            if (n[a] * all.get(b).weight() > (n[b] + 1) * all.get(a).weight()) {
                                uneven.add("round " + r + ": " + Arrays.toString(n));
                            }
                        }
                        for (int i = 0; i < n[a]; i++) {
                            stats.closed(all.get(a));
                        }
                    }
                    round.set(r + 1);
                }
            }
            return null;
        };
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (Future<Void> f : threads.invokeAll(List.of(picker, picker), 5, TimeUnit.MINUTES)) { // the bound only stops a hang
                f.get();
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(uneven).as("rounds spread unevenly (first ones)").isEmpty();
        assertThat(all).allSatisfy(e -> assertThat(stats.active(e)).isZero());
    }

    @Test
    void leastConnectionsCountsFollowTheKeyAcrossEndpointObjects() {
        Endpoint before = ep(1, 1);
        Endpoint after = ep(1, 2); // same address in a later table, new weight
        open(pool(List.of(before), LEAST), before);

        assertThat(stats.active(after)).isEqualTo(1);
        stats.closed(after);
        assertThat(stats.active(before)).isZero();
    }

    // --- RoundRobin ---

    @Test
    void roundRobinHonoursWeightsOverManyPicks() {
        Endpoint a = ep(1, 3);
        Endpoint b = ep(2, 1);
        Map<Endpoint, Integer> n = counts(pool(List.of(a, b), ROUND_ROBIN), 4000);

        assertThat(n.get(a)).isCloseTo(3000, within(40));
        assertThat(n.get(b)).isCloseTo(1000, within(40));
    }

    @Test
    void roundRobinSpreadsEvenlyNotInBursts() {
        Endpoint a = ep(1, 3);
        Endpoint b = ep(2, 1);
        Pool pool = pool(List.of(a, b), ROUND_ROBIN);

        for (int window = 0; window < 25; window++) {
            List<Endpoint> four = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                four.add(pick(pool));
            }
            assertThat(Collections.frequency(four, b)).as("window %d: %s", window, four).isEqualTo(1);
        }
    }

    @Test
    void roundRobinCyclesThroughEqualEndpoints() {
        List<Endpoint> all = endpoints(3);
        Pool pool = pool(all, ROUND_ROBIN);

        List<Endpoint> seen = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            seen.add(pick(pool));
        }
        assertThat(seen.subList(0, 3)).containsExactlyInAnyOrderElementsOf(all);
        assertThat(seen.subList(3, 6)).containsExactlyElementsOf(seen.subList(0, 3));
    }

    // --- Random ---

    @Test
    void randomFollowsWeightsWithinTolerance() {
        Endpoint a = ep(1, 3);
        Endpoint b = ep(2, 1);
        int picks = 100_000;
        Map<Endpoint, Integer> n = counts(pool(List.of(a, b), RANDOM), picks);

        // the standard deviation of the share is ~0.0014: 0.01 is seven of them
        assertThat(n.get(a) / (double) picks).isCloseTo(0.75, within(0.01));
        assertThat(n.get(a) + n.get(b)).isEqualTo(picks);
    }

    @Test
    void zeroWeightEndpointsAreNotPickedWhileOthersAreThere() {
        Endpoint idle = ep(1, 0);
        Endpoint live = ep(2, 1);
        for (LoadBalancing policy : List.of(LEAST, ROUND_ROBIN, RANDOM, HASH)) {
            Pool pool = pool(List.of(idle, live), policy);
            for (int i = 0; i < 200; i++) {
                assertThat(pick(pool, "user-" + i, Set.of())).as(policy.policy().name()).isEqualTo(live);
            }
        }
    }

    // --- ConsistentHash ---

    private static List<String> keys(int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add("user-" + i);
        }
        return keys;
    }

    private Map<String, Endpoint> assign(Pool pool, List<String> keys) {
        Map<String, Endpoint> out = new HashMap<>();
        for (String k : keys) {
            out.put(k, pick(pool, k));
        }
        return out;
    }

    @Test
    void consistentHashSendsAKeyToTheSameEndpointOnEveryReplica() {
        List<Endpoint> replicaA = endpoints(10);
        List<Endpoint> replicaB = new ArrayList<>();
        for (Endpoint e : replicaA) { // built independently, listed in another order
            replicaB.add(Endpoint.of(e.address().getHostString(), e.address().getPort(), e.weight()));
        }
        Collections.shuffle(replicaB, new Random(42));
        Pool a = pool(replicaA, HASH);
        Pool b = pool(replicaB, HASH);

        for (String k : keys(2000)) {
            Endpoint first = pick(a, k);
            assertThat(pick(b, k)).as(k).isEqualTo(first);
            assertThat(pick(a, k)).as("again %s", k).isEqualTo(first);
        }
    }

    @Test
    void consistentHashSpreadsKeysOverAllEndpoints() {
        Map<String, Endpoint> placed = assign(pool(endpoints(10), HASH), keys(10_000));

        Map<Endpoint, Integer> n = new HashMap<>();
        placed.values().forEach(e -> n.merge(e, 1, Integer::sum));
        assertThat(n).hasSize(10);
        assertThat(n.values()).allSatisfy(c -> assertThat(c).isBetween(800, 1200));
    }

    @Test
    void addingOneOfTenEndpointsMovesAboutATenthOfTheKeysAndOnlyToTheNewOne() {
        List<String> keys = keys(10_000);
        List<Endpoint> ten = endpoints(10);
        List<Endpoint> eleven = new ArrayList<>(ten);
        Endpoint added = ep(11, 1);
        eleven.add(added);

        Map<String, Endpoint> before = assign(pool(ten, HASH), keys);
        Map<String, Endpoint> after = assign(pool(eleven, HASH), keys);

        int moved = 0;
        for (String k : keys) {
            if (!before.get(k).equals(after.get(k))) {
                moved++;
                assertThat(after.get(k)).as("a key that moved went to the new endpoint: %s", k).isEqualTo(added);
            }
        }
        assertThat(moved / (double) keys.size()).isBetween(0.05, 0.15);
    }

    @Test
    void removingOneOfTenEndpointsMovesOnlyItsKeys() {
        List<String> keys = keys(10_000);
        List<Endpoint> ten = endpoints(10);
        Endpoint removed = ten.get(3);
        List<Endpoint> nine = new ArrayList<>(ten);
        nine.remove(removed);

        Map<String, Endpoint> before = assign(pool(ten, HASH), keys);
        Map<String, Endpoint> after = assign(pool(nine, HASH), keys);

        int moved = 0;
        for (String k : keys) {
            if (!before.get(k).equals(after.get(k))) {
                moved++;
                assertThat(before.get(k)).as("only keys of the removed endpoint move: %s", k).isEqualTo(removed);
            } else {
                assertThat(before.get(k)).isNotEqualTo(removed);
            }
        }
        assertThat(moved / (double) keys.size()).isBetween(0.05, 0.15);
    }

    @Test
    void consistentHashRespectsWeightsRoughly() {
        Endpoint heavy = ep(1, 3);
        Endpoint b = ep(2, 1);
        Endpoint c = ep(3, 1);
        Map<String, Endpoint> placed = assign(pool(List.of(heavy, b, c), HASH), keys(10_000));

        long onHeavy = placed.values().stream().filter(heavy::equals).count();
        assertThat(onHeavy / 10_000.0).isCloseTo(0.6, within(0.03));
    }

    @Test
    void consistentHashWithoutAKeyStillPicksAnEndpoint() {
        List<Endpoint> all = endpoints(3);
        Pool pool = pool(all, HASH);

        Set<Endpoint> seen = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            Endpoint e = pick(pool, null);
            assertThat(e).isIn(all);
            seen.add(e);
        }
        assertThat(seen).as("falls back to random, not to one endpoint").hasSize(3);
    }

    @Test
    void hashIsStableAcrossJvmsAndReleases() {
        // Replicas of different versions must agree during a rolling upgrade: this value must never change.
        assertThat(LoadBalancer.hash64("user-1".getBytes(StandardCharsets.UTF_8), 0x9E3779B97F4A7C15L))
                .isEqualTo(LoadBalancer.hash64("user-1".getBytes(StandardCharsets.UTF_8), 0x9E3779B97F4A7C15L))
                .isEqualTo(HASH_OF_USER_1);
    }

    private static final long HASH_OF_USER_1 = 0x203d7d38d3442b04L; // FNV-1a + SplitMix64 finalizer, computed independently

    // --- Pool.select with tried ---

    @Test
    void selectSkipsTriedEndpointsAndReturnsNullWhenAllWereTried() {
        List<Endpoint> all = endpoints(3);
        for (LoadBalancing policy : List.of(LEAST, ROUND_ROBIN, RANDOM, HASH)) {
            Pool pool = pool(all, policy);
            Set<Endpoint> tried = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                Endpoint e = pick(pool, "user-1", tried);
                assertThat(e).as(policy.policy().name()).isNotNull().isNotIn(tried);
                tried.add(e);
            }
            assertThat(tried).containsExactlyInAnyOrderElementsOf(all);
            assertThat(pick(pool, "user-1", tried)).as(policy.policy().name()).isNull();
        }
    }

    @Test
    void consistentHashRetryGoesToTheSameSecondChoiceOnEveryReplica() {
        Pool a = pool(endpoints(5), HASH);
        Pool b = pool(endpoints(5), HASH);

        for (String k : keys(200)) {
            Endpoint first = pick(a, k);
            Endpoint secondA = pick(a, k, Set.of(first));
            assertThat(secondA).isNotEqualTo(first);
            assertThat(pick(b, k, Set.of(first))).isEqualTo(secondA);
        }
    }

    @Test
    void emptyPoolSelectsNothing() {
        for (LoadBalancing policy : List.of(LEAST, ROUND_ROBIN, RANDOM, HASH)) {
            Pool pool = pool(List.of(), policy);
            assertThat(pool.isEmpty()).isTrue();
            assertThat(pick(pool, "k", Set.of())).as(policy.policy().name()).isNull();
        }
    }
}
