package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/** The shedding decision alone, and a simulation of clients that reconnect by LeastConnections. */
class RebalancePlannerTest {

    @Test
    void withinToleranceNothingIsShed() {
        assertThat(RebalancePlanner.shedFrom(Map.of("a", 100, "b", 100, "c", 100), Map.of(), 20)).isNull();
        // mean 90, limit 90 × 1.2 + 1 = 109
        assertThat(RebalancePlanner.shedFrom(Map.of("a", 109, "b", 100, "c", 61), Map.of(), 20)).isNull();
        assertThat(RebalancePlanner.shedFrom(Map.of("a", 110, "b", 100, "c", 60), Map.of(), 20)).isEqualTo("a");
        assertThat(RebalancePlanner.shedFrom(Map.of("a", 5), Map.of(), 0)).as("a pool of one").isNull();
    }

    @Test
    void theMostLoadedShedsFirstAndSocketsAlreadyClosingDoNotCountTwice() {
        assertThat(RebalancePlanner.shedFrom(Map.of("a", 100, "b", 120, "c", 0), Map.of(), 20)).isEqualTo("b");
        assertThat(RebalancePlanner.shedFrom(Map.of("a", 100, "b", 120, "c", 0), Map.of("b", 30), 20)).isEqualTo("a");
        assertThat(RebalancePlanner.shedFrom(Map.of("a", 100, "b", 100, "c", 0), Map.of("a", 20, "b", 20), 20)).isNull();
    }

    @Test
    void aPoolOfTwoWithTwoHundredSocketsGainsAThirdAndEndsWithinTolerance() {
        Map<String, Integer> open = new TreeMap<>(Map.of("a", 100, "b", 100, "c", 0));
        int closes = 0;
        String from;
        while ((from = RebalancePlanner.shedFrom(open, new HashMap<>(), 20)) != null) {
            open.merge(from, -1, Integer::sum);
            String least = open.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
            open.merge(least, 1, Integer::sum); // the client reconnects; LeastConnections places it
            closes++;
            assertThat(closes).isLessThan(200);
        }
        double limit = 200 / 3.0 * 1.2 + 1;
        assertThat(open.values()).allMatch(n -> n <= limit);
        assertThat(open.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(200);
        assertThat(closes).isLessThanOrEqualTo(2 * (100 - (int) limit));
    }

    /**
     * Two backends of weight 1, one of one pod and one of three: LeastConnections gives the lone pod half the sockets
     * (connections per unit of weight). Compared with the mean, that pod looked overloaded for good, and every socket
     * it shed came back to it: 1012 at maxClosesPerSecond, forever. Compared with its share, shedding stops.
     */
    @Test
    void weightsGiveEachEndpointItsShareAndSheddingStopsThere() {
        Map<String, Double> weights = Map.of("a", 1.0, "b1", 1 / 3.0, "b2", 1 / 3.0, "b3", 1 / 3.0);
        Map<String, Integer> open = new TreeMap<>(Map.of("a", 40, "b1", 0, "b2", 0, "b3", 0)); // b's pods just came up
        int closes = 0;
        String from;
        while ((from = RebalancePlanner.shedFrom(open, new HashMap<>(), weights, 20)) != null) {
            open.merge(from, -1, Integer::sum);
            String least = open.keySet().stream() // LeastConnections: fewest connections per unit of weight
                    .min(java.util.Comparator.comparingDouble((String e) -> (open.get(e) + 1) / weights.get(e))).orElseThrow();
            open.merge(least, 1, Integer::sum);
            closes++;
            assertThat(closes).as("closes, with %s", open).isLessThan(200);
        }
        assertThat(open.get("a")).as("a's share is half, 20, within tolerance: 20 × 1.2 + 1").isBetween(20, 25);
        assertThat(closes).isLessThanOrEqualTo(40 - 20);
        assertThat(RebalancePlanner.shedFrom(Map.of("a", 90, "c", 10), Map.of(), Map.of("a", 9.0, "c", 1.0), 20))
                .as("a 9:1 canary as weighted").isNull();
        assertThat(RebalancePlanner.shedFrom(Map.of("a", 50, "c", 50), Map.of(), Map.of("a", 9.0, "c", 1.0), 20))
                .as("the canary over its tenth").isEqualTo("c");
    }
}
