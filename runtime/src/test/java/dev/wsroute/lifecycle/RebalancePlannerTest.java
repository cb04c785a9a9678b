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
}
