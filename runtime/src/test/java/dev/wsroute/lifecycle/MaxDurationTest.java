package dev.wsroute.lifecycle;

import static dev.wsroute.lifecycle.LifecycleFixture.counter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.WsClient;

/** timeouts.maxDuration: every socket gets Close 1001 at its own jittered age, both sides, counted as max-duration. */
class MaxDurationTest {
    static ControllableBackend backend;

    @BeforeAll
    static void backends() {
        backend = ControllableBackend.start("a");
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @Test
    void socketsOpenedTogetherAreClosedWith1001AtTheirOwnDeadlines() throws Exception {
        try (ProxyHarness px = LifecycleFixture.proxy()) {
            px.routes(LifecycleFixture.route("timeouts: {maxDuration: 3s}", backend.endpoint()));
            List<WsClient> clients = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                clients.add(WsClient.connect(px.ws("/ws"), Map.of()));
            }
            // no round trip here: on a loaded machine it could come after the 2.7 s the earliest deadline leaves. That each
            // socket was open until its deadline shows below: 20 closes counted as max-duration, on both sides
            for (WsClient c : clients) {
                assertThat(c.awaitClose()).isEqualTo(1001);
                c.close();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> counter(px, "wsroute.websocket.closes", "by", "proxy", "code",
                    "1001", "reason", "max-duration") == 20);
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.closeCodesReceived.stream().filter(c -> c == 1001).count() >= 20);
        }
    }

    /**
     * An edit of the rule's maxDuration (the rule kept: same match) applies to sockets opened after it; an open socket
     * keeps the lifetime it opened with, as the README says.
     */
    @Test
    void anOpenSocketKeepsTheLifetimeItOpenedWithAcrossAnEdit() throws Exception {
        try (ProxyHarness px = LifecycleFixture.proxy()) {
            px.routes(LifecycleFixture.route("timeouts: {maxDuration: 1h}", backend.endpoint()));
            try (WsClient before = WsClient.connect(px.ws("/ws"), Map.of())) {
                assertThat(before.roundTrip("one")).isEqualTo("one");
                px.routes(LifecycleFixture.route("timeouts: {maxDuration: 1s}", backend.endpoint()));
                try (WsClient after = WsClient.connect(px.ws("/ws"), Map.of())) {
                    assertThat(after.awaitClose()).isEqualTo(1001);
                }
                assertThat(before.closeCodeNow()).as("the socket opened under maxDuration 1h").isNull();
                assertThat(before.roundTrip("two")).isEqualTo("two");
            }
        }
    }

    @Test
    void aRuleWithoutMaxDurationLeavesSocketsOpen() throws Exception {
        try (ProxyHarness px = LifecycleFixture.proxy()) {
            px.routes(LifecycleFixture.route("timeouts: {idle: 1h}", backend.endpoint()));
            try (WsClient c = WsClient.connect(px.ws("/ws"), Map.of())) {
                assertThat(c.roundTrip("one")).isEqualTo("one");
                assertThat(c.closeCode).isNotDone();
            }
        }
    }
}
