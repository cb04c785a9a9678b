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

    @Test
    void anEndpointThatEndsSessionsAtOnceHoldsSheddingBackOnlyWhereItWouldReceive() {
        Map<String, Integer> open = Map.of("a", 100, "b", 0);
        assertThat(RebalancePlanner.wouldLandOn(open, Map.of(), java.util.Set.of())).isNull();
        assertThat(RebalancePlanner.wouldLandOn(open, Map.of(), java.util.Set.of("b"))).as("the new endpoint").isEqualTo("b");
        // the loaded one ending some sessions at once (its app closes bad logins): it still sheds to the new one
        assertThat(RebalancePlanner.wouldLandOn(open, Map.of(), java.util.Set.of("a"))).isNull();
        // a third endpoint: the clients shed would still find b first (LeastConnections)
        assertThat(RebalancePlanner.wouldLandOn(Map.of("a", 100, "b", 0, "c", 0), Map.of(), java.util.Set.of("b"))).isEqualTo("b");
    }

    @Test
    void briefSessionsAreMarkedForWatchedRulesOnlyAndForTenSeconds() {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000L);
        BriefSessions brief = new BriefSessions(now::get);
        dev.wsroute.table.RuleKey rule = new dev.wsroute.table.RuleKey(new dev.wsroute.model.RouteId("default", "chat"), "rule-0", 0);
        dev.wsroute.table.RuleKey other = new dev.wsroute.table.RuleKey(rule.route(), "rule-1", 1);
        brief.watch(java.util.Set.of(rule));
        brief.ended(other, "b", true, 0);
        brief.ended(rule, "a", false, 0); // the client left
        brief.ended(rule, "c", true, BriefSessions.BRIEF_NANOS); // a session, not a brief one
        assertThat(brief.size()).isZero();
        brief.ended(rule, "b", true, 1_000_000);
        assertThat(brief.endsAtOnce(rule, "b", now.get())).isTrue();
        assertThat(brief.endsAtOnce(rule, "b", now.get() + BriefSessions.BRIEF_NANOS)).isFalse();
        brief.sweep(now.get() + BriefSessions.BRIEF_NANOS);
        assertThat(brief.size()).isZero();
    }
}
