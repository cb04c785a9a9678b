package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.wsroute.model.Lifecycle;
import dev.wsroute.model.Lifecycle.ActiveCheck;
import dev.wsroute.model.Lifecycle.PassiveCheck;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.RuleKey;

/** The health state machine of one pool, on a hand-driven clock: thresholds, ejection backoff, the ejection cap, fail open. */
class PoolHealthTest {
    private static final RuleKey RULE = new RuleKey(new RouteId("default", "chat"), "rule-0", 0);
    private static final Duration BASE = Duration.ofSeconds(30);
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<String> events = new ArrayList<>();
    private Duration lastEjection;
    private final HealthListener listener = new HealthListener() {
        @Override
        public void healthChanged(RuleKey rule, String endpoint, boolean healthy, String why) {
            events.add(endpoint + (healthy ? " healthy" : " unhealthy"));
        }

        @Override
        public void ejected(RuleKey rule, String endpoint, Duration period, String why) {
            lastEjection = period;
            events.add(endpoint + " ejected for " + period.toSeconds() + "s");
        }

        @Override
        public void returned(RuleKey rule, String endpoint) {
            events.add(endpoint + " back");
        }

        @Override
        public void returned(RuleKey rule, String endpoint, String why) {
            events.add(endpoint + " back: " + why);
        }
    };

    private static Lifecycle passive(int failures, int maxPercent) {
        return new Lifecycle(Optional.empty(), java.util.OptionalLong.empty(), java.util.OptionalInt.empty(), Optional.empty(),
                Optional.of(new PassiveCheck(failures, BASE, maxPercent)), Optional.empty());
    }

    private static Lifecycle active(int healthy, int unhealthy) {
        return new Lifecycle(Optional.empty(), java.util.OptionalLong.empty(), java.util.OptionalInt.empty(),
                Optional.of(new ActiveCheck(ActiveCheck.Type.TCP, null, Duration.ofSeconds(5), Duration.ofSeconds(1), healthy,
                        unhealthy)), Optional.empty(), Optional.empty());
    }

    private PoolHealth pool(Lifecycle l, String... endpoints) {
        PoolHealth p = new PoolHealth(RULE, l, now::get, listener);
        p.update(RULE, l, List.of(endpoints));
        return p;
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void normalClosesAndSuccessesNeverEject() {
        PoolHealth p = pool(passive(5, 50), "a", "b");
        for (int i = 0; i < 1000; i++) {
            p.answered("a", 101);
            p.tunnelEnded("a", true, 1000, 1_000_000); // a normal close
            p.tunnelEnded("a", false, 1006, 1_000_000); // the client went away
            p.tunnelEnded("a", true, 1011, PoolHealth.EARLY_DEATH_NANOS); // a death after 10 s is a session that ended
        }
        assertThat(p.available("a")).isTrue();
        assertThat(events).isEmpty();
    }

    @Test
    void consecutiveFailuresEjectAndTheEndpointComesBackAfterTheEjectionTime() {
        PoolHealth p = pool(passive(3, 50), "a", "b");
        p.connectFailed("a");
        p.answered("a", 503);
        assertThat(p.available("a")).isTrue();
        p.tunnelEnded("a", true, 1006, 5_000_000_000L);
        assertThat(p.available("a")).isFalse();
        assertThat(p.candidates(List.of("a", "b"), Function.identity())).containsExactly("b");
        advance(BASE.minusMillis(1));
        assertThat(p.available("a")).isFalse();
        advance(Duration.ofMillis(1));
        assertThat(p.available("a")).isTrue();
        p.tick();
        assertThat(events).containsExactly("a ejected for 30s", "a back");
    }

    @Test
    void aSuccessBreaksTheRun() {
        PoolHealth p = pool(passive(3, 50), "a", "b");
        p.connectFailed("a");
        p.connectFailed("a");
        p.tunnelEnded("a", true, 1000, 1_000_000);
        p.connectFailed("a");
        p.connectFailed("a");
        assertThat(p.available("a")).isTrue();
    }

    @Test
    void aSessionThatDiesRightAfterIts101IsNoSuccess() {
        PoolHealth p = pool(passive(3, 50), "a", "b");
        for (int i = 0; i < 3; i++) {
            p.answered("a", 101);
            p.tunnelEnded("a", true, 1011, 1_000_000);
        }
        assertThat(p.available("a")).isFalse();
    }

    @Test
    void repeatedEjectionsDoubleUpToTenTimes() {
        PoolHealth p = pool(passive(1, 50), "a", "b");
        for (int i = 0; i < 6; i++) {
            p.connectFailed("a");
            advance(lastEjection); // it comes back, and fails again at once
        }
        assertThat(events).containsExactly("a ejected for 30s", "a ejected for 60s", "a ejected for 120s",
                "a ejected for 240s", "a ejected for 300s", "a ejected for 300s");
    }

    @Test
    void aLongHealthySpellForgetsPastEjections() {
        PoolHealth p = pool(passive(1, 50), "a", "b");
        p.connectFailed("a");
        advance(BASE);
        p.connectFailed("a");
        advance(BASE.multipliedBy(2)); // back now, with 2 recent ejections
        advance(BASE.multipliedBy(2)); // two base periods healthy: both forgotten
        p.connectFailed("a");
        assertThat(events).containsExactly("a ejected for 30s", "a ejected for 60s", "a ejected for 30s");
    }

    @Test
    void neverMoreThanMaxEjectionPercentOfThePool() {
        PoolHealth p = pool(passive(1, 50), "a", "b", "c", "d");
        p.connectFailed("a");
        p.connectFailed("b");
        p.connectFailed("c");
        p.connectFailed("c");
        assertThat(p.view()).extracting(EndpointView::ejected).containsExactly(true, true, false, false);
        advance(BASE);
        p.connectFailed("c"); // a and b are back: c may go now
        assertThat(p.available("c")).isFalse();
    }

    @Test
    void aPoolOfOneIsNeverEjectedAtFiftyPercent() {
        PoolHealth p = pool(passive(1, 50), "a");
        p.connectFailed("a");
        assertThat(p.available("a")).isTrue();
    }

    @Test
    void activeThresholdsTurnRunsOfProbesIntoStates() {
        PoolHealth p = pool(active(2, 3), "a", "b");
        p.probed("a", false, "refused");
        p.probed("a", false, "refused");
        p.probed("a", true, null); // breaks the run
        p.probed("a", false, "refused");
        p.probed("a", false, "refused");
        assertThat(p.available("a")).isTrue();
        p.probed("a", false, "refused");
        assertThat(p.available("a")).isFalse();
        p.probed("a", true, null);
        assertThat(p.available("a")).isFalse();
        p.probed("a", true, null);
        assertThat(p.available("a")).isTrue();
        assertThat(events).containsExactly("a unhealthy", "a healthy");
    }

    @Test
    void whenNoEndpointIsHealthyEveryReadyOneTakesConnections() {
        PoolHealth p = pool(active(1, 1), "a", "b");
        p.probed("a", false, "refused");
        assertThat(p.candidates(List.of("a", "b"), Function.identity())).containsExactly("b");
        assertThat(p.failingOpen()).isFalse();
        p.probed("b", false, "refused");
        assertThat(p.candidates(List.of("a", "b"), Function.identity())).containsExactly("a", "b");
        assertThat(p.failingOpen()).isTrue();
        p.probed("b", true, null);
        assertThat(p.candidates(List.of("a", "b"), Function.identity())).containsExactly("b");
        assertThat(p.failingOpen()).isFalse();
    }

    @Test
    void aNewTableForgetsRemovedEndpointsAndStartsNewOnesHealthy() {
        PoolHealth p = pool(active(1, 1), "a", "b");
        p.probed("a", false, "refused");
        p.update(RULE, p.lifecycle(), List.of("b", "c"));
        assertThat(p.view()).extracting(EndpointView::endpoint).containsExactly("b", "c");
        assertThat(p.available("c")).isTrue();
    }

    @Test
    void droppingThePassiveCheckEndsItsEjectionsAndTheirHistory() {
        PoolHealth p = pool(passive(1, 50), "a", "b");
        p.connectFailed("a");
        assertThat(p.available("a")).isFalse();
        Lifecycle onlyActive = active(1, 1);
        p.update(RULE, onlyActive, List.of("a", "b"));
        assertThat(p.available("a")).as("ejected by a check the rule no longer has").isTrue();
        assertThat(events).containsExactly("a ejected for 30s", "a back: the rule has no passive health check any more");
        p.tick();
        p.update(RULE, onlyActive, List.of("a", "b"));
        assertThat(events).hasSize(2); // said once
        p.update(RULE, passive(1, 50), List.of("a", "b"));
        p.connectFailed("a");
        assertThat(lastEjection).as("a fresh start: no backoff from the ejection that was ended").isEqualTo(BASE);
    }

    @Test
    void aRuleLeftWithoutHealthChecksReportsTheEndpointsItLetsBackIn() {
        Lifecycle both = new Lifecycle(Optional.empty(), java.util.OptionalLong.empty(), java.util.OptionalInt.empty(),
                active(1, 1).activeCheck(), passive(1, 50).passiveCheck(), Optional.empty());
        PoolHealth p = pool(both, "a", "b", "c");
        p.connectFailed("a");
        p.probed("b", false, "refused");
        events.clear();
        p.checksRemoved();
        assertThat(events).containsExactlyInAnyOrder("b healthy", "a back: the rule has no health check any more");
    }
}
