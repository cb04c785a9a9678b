package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.operator.translate.Condition;
import dev.wsroute.operator.translate.RouteStatusDraft;

class StatusMergeTest {
    private static final Instant T1 = Instant.parse("2026-01-01T00:00:00.123Z");
    private static final Instant T2 = Instant.parse("2026-01-01T01:00:00Z");

    @Test
    void unchangedStatusKeepsItsTransitionTimesAndIsNotRewritten() {
        WebSocketRouteStatus first = StatusMerge.merge(null, draft(3L, "True", "EndpointsResolved", 2), T1);
        WebSocketRouteStatus again = StatusMerge.merge(first, draft(3L, "True", "EndpointsResolved", 2), T2);

        assertThat(first.conditions).extracting(c -> c.lastTransitionTime).containsOnly("2026-01-01T00:00:00Z");
        assertThat(again.conditions).extracting(c -> c.lastTransitionTime).containsOnly("2026-01-01T00:00:00Z");
        assertThat(StatusMerge.same(first, again)).isTrue();
    }

    @Test
    void onlyTheConditionWhoseStatusFlipsGetsANewTransitionTime() {
        WebSocketRouteStatus ready = StatusMerge.merge(null, draft(1L, "True", "EndpointsResolved", 2), T1);
        WebSocketRouteStatus down = StatusMerge.merge(ready, draft(2L, "False", "NoReadyEndpoints", 0), T2);

        assertThat(StatusMerge.find(down, "Ready").lastTransitionTime).isEqualTo("2026-01-01T01:00:00Z");
        assertThat(StatusMerge.find(down, "Ready").observedGeneration).isEqualTo(2L);
        assertThat(StatusMerge.find(down, "Accepted").lastTransitionTime).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(down.observedGeneration).isEqualTo(2L);
        assertThat(down.endpoints).isZero();
        assertThat(StatusMerge.same(ready, down)).isFalse();
    }

    @Test
    void aReasonChangeAloneKeepsTheTimeButIsStillWritten() {
        WebSocketRouteStatus a = StatusMerge.merge(null, draft(1L, "False", "NoReadyEndpoints", 0), T1);
        WebSocketRouteStatus b = StatusMerge.merge(a, draft(1L, "False", "Invalid", 0), T2);
        assertThat(StatusMerge.find(b, "Ready").lastTransitionTime).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(StatusMerge.same(a, b)).isFalse();
    }

    private static RouteStatusDraft draft(Long generation, String ready, String reason, int endpoints) {
        return new RouteStatusDraft(generation, List.of(
                Condition.isTrue(Condition.ACCEPTED, Condition.ACCEPTED, "ok"),
                Condition.isTrue(Condition.RESOLVED_REFS, Condition.RESOLVED_REFS, "ok"),
                new Condition(Condition.READY, ready, reason, "msg")), List.of(), endpoints);
    }
}
