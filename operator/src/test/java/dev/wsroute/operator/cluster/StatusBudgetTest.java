package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.wsroute.api.PoolStatus;
import dev.wsroute.operator.translate.Condition;
import dev.wsroute.operator.translate.RouteStatusDraft;

/** Which endpoints a status too large for etcd keeps: ready ones first, from every backend in turn; the rest stays. */
class StatusBudgetTest {

    @Test
    void aStatusThatFitsIsLeftAsItIs() {
        RouteStatusDraft draft = draft(backend("a", 3_000, 0), backend("b", 3_000, 0));
        assertThat(StatusBudget.fit(draft, 10 * 1024 * 1024)).isSameAs(draft);
    }

    @Test
    void readyEndpointsOfEveryBackendAreKeptBeforeAnyOtherAndTheConditionCountsThem() {
        // two backends of a 9:1 canary: 6,000 and 1,000 ready, each with 2,000 not ready (scheduled, not started)
        RouteStatusDraft draft = draft(backend("stable", 6_000, 2_000), backend("canary", 1_000, 2_000));
        RouteStatusDraft fitted = StatusBudget.fit(draft, 512 * 1024);

        List<PoolStatus.EndpointStatus> stable = fitted.pools().get(0).backends.get(0).endpoints;
        List<PoolStatus.EndpointStatus> canary = fitted.pools().get(0).backends.get(1).endpoints;
        assertThat(stable).isNotEmpty().allMatch(e -> Boolean.TRUE.equals(e.ready));
        assertThat(canary).as("every ready canary endpoint fits: taken in turn with stable's").hasSize(1_000)
                .allMatch(e -> Boolean.TRUE.equals(e.ready));
        assertThat(stable.size() + canary.size()).isLessThan(7_000);
        assertThat(fitted.readyEndpoints()).as("the count stays whole").isEqualTo(7_000);
        Condition c = fitted.condition(Condition.POOLS_COMPLETE);
        assertThat(c.status()).isEqualTo("False");
        assertThat(c.reason()).isEqualTo(Condition.STATUS_TOO_LARGE);
        assertThat(c.message()).startsWith("status.pools lists " + (stable.size() + canary.size()) + " of 11000 endpoints ("
                + (stable.size() + canary.size()) + " of 7000 ready");
        assertThat(draft.pools().get(0).backends.get(0).endpoints).as("the translation's own draft untouched").hasSize(8_000);
    }

    private static RouteStatusDraft draft(PoolStatus.BackendStatus... backends) {
        PoolStatus pool = new PoolStatus();
        pool.rule = 0;
        pool.backends.addAll(List.of(backends));
        int ready = 0;
        for (PoolStatus.BackendStatus b : backends) {
            ready += (int) b.endpoints.stream().filter(e -> Boolean.TRUE.equals(e.ready)).count();
        }
        return new RouteStatusDraft(1L, List.of(Condition.isTrue(Condition.ACCEPTED, Condition.ACCEPTED, "ok")),
                List.of(pool), ready);
    }

    /** Not-ready endpoints first in the list, as a sort by IP may put them. */
    private static PoolStatus.BackendStatus backend(String service, int ready, int notReady) {
        PoolStatus.BackendStatus b = new PoolStatus.BackendStatus();
        b.service = service;
        b.port = 80;
        List<PoolStatus.EndpointStatus> eps = new ArrayList<>();
        for (int i = 0; i < notReady + ready; i++) {
            PoolStatus.EndpointStatus e = new PoolStatus.EndpointStatus();
            e.ip = "10." + (service.length()) + "." + (i / 256) + "." + (i % 256);
            e.port = 8080;
            e.ready = i >= notReady;
            e.pod = service + "-5c4b7f9d8-" + Integer.toString(i, 36);
            e.zone = "eu-west-1a";
            eps.add(e);
        }
        b.endpoints = eps;
        return b;
    }
}
