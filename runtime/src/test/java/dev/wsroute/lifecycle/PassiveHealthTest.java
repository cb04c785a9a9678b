package dev.wsroute.lifecycle;

import static dev.wsroute.lifecycle.LifecycleFixture.counter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.RawUpstream;
import dev.wsroute.testing.WsClient;

/**
 * healthCheck.passive through the real data plane, with backends that fail the ways the issue names: refuse,
 * answer the upgrade 500, die right after their 101. Normal closes and client closes never count.
 */
class PassiveHealthTest {
    ControllableBackend good;
    ControllableBackend bad;
    ProxyHarness px;

    @BeforeEach
    void proxy() throws Exception {
        px = LifecycleFixture.proxy();
        good = ControllableBackend.start("good");
        bad = ControllableBackend.start("bad");
    }

    @AfterEach
    void stopAll() {
        px.close();
        good.close();
        bad.close();
    }

    private static final String PASSIVE = "healthCheck: {passive: {consecutiveFailures: 3, baseEjectionTime: 1s, maxEjectionPercent: 50}}";

    private double ejections(String endpoint) {
        return counter(px, "wsroute.endpoint.ejections", "route", "default/chat", "endpoint", endpoint);
    }

    private boolean healthy(String endpoint) {
        return px.dataPlane.health().endpoints().stream().filter(v -> v.endpoint().equals(endpoint)).allMatch(EndpointView::healthy);
    }

    @Test
    void aBackendThatClosesNormallyAThousandTimesIsNeverEjected() throws Exception {
        px.routes(LifecycleFixture.route("healthCheck: {passive: {consecutiveFailures: 1, maxEjectionPercent: 100}}", good.endpoint()));
        good.closeAtOnce.set(1000);
        for (int i = 0; i < 1000; i++) {
            try (WsClient c = WsClient.connect(px.ws("/ws"), Map.of())) {
                assertThat(c.awaitClose()).isEqualTo(1000);
            }
        }
        good.closeAtOnce.set(0);
        for (int i = 0; i < 100; i++) { // the client goes away: not the backend's fault either
            WsClient.connect(px.ws("/ws"), Map.of()).close();
        }
        assertThat(ejections(good.endpoint())).isZero();
        assertThat(healthy(good.endpoint())).isTrue();
        try (WsClient c = WsClient.connect(px.ws("/ws"), Map.of())) {
            assertThat(c.roundTrip("still here")).isEqualTo("still here");
        }
    }

    @Test
    void aRefusingEndpointIsEjectedAfterThreeFailuresAndComesBackAfterTheEjectionTime() throws Exception {
        px.routes(LifecycleFixture.route(PASSIVE, good.endpoint(), bad.endpoint()));
        bad.stop();
        for (int i = 0; i < 200 && ejections(bad.endpoint()) == 0; i++) {
            try (WsClient c = WsClient.connect(px.ws("/ws"), Map.of())) { // a refused connect moves on to the other endpoint
                assertThat(c.roundTrip("whoami")).isEqualTo("good");
            }
        }
        assertThat(ejections(bad.endpoint())).isEqualTo(1);
        assertThat(counter(px, "wsroute.upstream.connect.failures", "endpoint", bad.endpoint())).isEqualTo(3);
        bad.restart();
        await().atMost(Duration.ofSeconds(20)).until(() -> healthy(bad.endpoint()));
        boolean reachedBad = false;
        for (int i = 0; i < 200 && !reachedBad; i++) {
            try (WsClient c = WsClient.connect(px.ws("/ws"), Map.of())) {
                reachedBad = "bad".equals(c.roundTrip("whoami"));
            }
        }
        assertThat(reachedBad).as("the endpoint takes connections again").isTrue();
    }

    /**
     * An operator drops a rule's passive check while it has an endpoint ejected (keeping the active check, or no check
     * at all): the ejection was the passive check's verdict and ends with it. It ran on to its end (up to 10 × the
     * base ejection time), the endpoint taking no new connection, with nothing said in the log.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "healthCheck: {active: {type: TCP, interval: 1m, timeout: 3s}}", "timeouts: {idle: 1h}" })
    void anEjectedEndpointTakesConnectionsAgainWhenTheRuleDropsItsPassiveCheck(String without) throws Exception {
        px.routes(LifecycleFixture.route(PASSIVE.replace("1s", "10m"), good.endpoint(), bad.endpoint()));
        bad.stop();
        for (int i = 0; i < 200 && ejections(bad.endpoint()) == 0; i++) {
            try (WsClient c = WsClient.connect(px.ws("/ws"), Map.of())) {
                assertThat(c.roundTrip("whoami")).isEqualTo("good");
            }
        }
        assertThat(ejections(bad.endpoint())).isEqualTo(1);
        bad.restart();
        try (dev.wsroute.testing.LogLines log = dev.wsroute.testing.LogLines.of("wsroute.health")) {
            px.routes(LifecycleFixture.route(without, good.endpoint(), bad.endpoint()));
            assertThat(healthy(bad.endpoint())).as("no passive check: no ejection").isTrue();
            assertThat(log.lines()).contains("endpoint " + bad.endpoint() + " of default/chat rules[0] is back from its ejection: "
                    + (without.startsWith("healthCheck") ? "the rule has no passive health check any more"
                            : "the rule has no health check any more"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> px.dataPlane.tunnels() == 0); // the last one above no longer counts
        try (WsClient onGood = WsClient.connect(px.ws("/ws"), Map.of()); WsClient next = WsClient.connect(px.ws("/ws"), Map.of())) {
            // LeastConnections: with one socket open on one endpoint, the next goes to the other
            assertThat(java.util.List.of(onGood.roundTrip("whoami"), next.roundTrip("whoami"))).containsExactlyInAnyOrder("good", "bad");
        }
    }

    @Test
    void anEndpointThatAnswersTheUpgrade500IsEjected() throws Exception {
        px.routes(LifecycleFixture.route(PASSIVE.replace("1s", "1m"), good.endpoint(), bad.endpoint()));
        bad.upgradeStatus.set(500);
        int answered500 = 0;
        for (int i = 0; i < 200 && ejections(bad.endpoint()) == 0; i++) {
            try (RawHttp raw = new RawHttp(px.port())) {
                int status = RawHttp.status(raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1")).readHead());
                assertThat(status).isIn(101, 500);
                answered500 += status == 500 ? 1 : 0;
            }
        }
        assertThat(answered500).isEqualTo(3);
        for (int i = 0; i < 20; i++) { // ejected: every upgrade now goes to the good one
            try (RawHttp raw = new RawHttp(px.port())) {
                assertThat(RawHttp.status(raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1")).readHead())).isEqualTo(101);
            }
        }
    }

    /**
     * A pod that takes the connection and then never answers the upgrade (a wedged app: the kernel still accepts) or
     * closes it unanswered (crashing mid-handshake). Its clients got 504 or 502 from the proxy, yet it was never
     * ejected: only a 5xx the upstream sent itself counted, so every other upgrade kept going to it, for good.
     */
    @ParameterizedTest
    @EnumSource(value = RawUpstream.Mode.class, names = {"SILENT", "CLOSE_BEFORE_ANSWER"})
    void anEndpointThatTakesTheConnectionButNeverAnswersTheUpgradeIsEjected(RawUpstream.Mode mode) throws Exception {
        try (RawUpstream broken = new RawUpstream(mode)) {
            px.routes(LifecycleFixture.route("timeouts: {handshake: 2s}\nloadBalancer: {policy: RoundRobin}\n" + PASSIVE.replace("1s", "1m"),
                    good.endpoint(), broken.endpoint()));
            int failed = 0;
            for (int i = 0; i < 12 && ejections(broken.endpoint()) == 0; i++) { // round robin: every other one goes to it
                try (RawHttp raw = new RawHttp(px.port())) {
                    int status = RawHttp.status(raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1")).readHead());
                    assertThat(status).isIn(101, mode == RawUpstream.Mode.SILENT ? 504 : 502);
                    failed += status == 101 ? 0 : 1;
                }
            }
            // an upgrade it closed unanswered went to the good endpoint instead (UpgradeSentAgainTest): counted all the same
            assertThat(failed).isEqualTo(mode == RawUpstream.Mode.SILENT ? 3 : 0);
            assertThat(ejections(broken.endpoint())).isEqualTo(1);
            assertThat(healthy(broken.endpoint())).isFalse();
            for (int i = 0; i < 10; i++) {
                try (RawHttp raw = new RawHttp(px.port())) {
                    assertThat(RawHttp.status(raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1")).readHead())).isEqualTo(101);
                }
            }
        }
    }

    /**
     * A pod that drops connection attempts (a node gone: no RST, no SYN-ACK; here a full accept queue) with an upgrade
     * handshake timeout shorter than the connect timeout (3 s): each upgrade sent to it ended at its handshake deadline
     * while still connecting, and the abandoned connect counted nowhere: its clients got 504, yet it was never ejected.
     */
    @Test
    void anEndpointThatDropsConnectionAttemptsIsEjectedThoughTheHandshakeTimesOutFirst() throws Exception {
        try (java.net.ServerSocket blackhole = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                java.net.Socket held1 = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), blackhole.getLocalPort());
                java.net.Socket held2 = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), blackhole.getLocalPort())) {
            String dropping = "127.0.0.1:" + blackhole.getLocalPort(); // its accept queue is full: further connects hang
            px.routes(LifecycleFixture.route("timeouts: {handshake: 2s}\nloadBalancer: {policy: RoundRobin}\n" + PASSIVE.replace("1s", "1m"),
                    good.endpoint(), dropping));
            int failed = 0;
            for (int i = 0; i < 12 && ejections(dropping) == 0; i++) { // round robin: every other one goes to it
                try (RawHttp raw = new RawHttp(px.port())) {
                    int status = RawHttp.status(raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1")).readHead());
                    assertThat(status).isIn(101, 504);
                    failed += status == 101 ? 0 : 1;
                }
            }
            assertThat(failed).isEqualTo(3);
            assertThat(ejections(dropping)).isEqualTo(1);
            assertThat(healthy(dropping)).isFalse();
        }
    }

    /**
     * Small pools, every endpoint refusing: maxEjectionPercent of the pool, rounded down, is ejected and no more (a pool
     * of one at 50 % keeps its endpoint); where every endpoint ends up ejected, all of them still take connections
     * (fail open: a 502 from trying them, never a 503) and wsroute_pool_fail_open says so.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"1, 50, 0", "2, 50, 1", "3, 50, 1", "3, 66, 1", "3, 67, 2", "1, 100, 1", "3, 100, 3"})
    void smallPoolsEjectAtMostMaxEjectionPercentRoundedDown(int size, int percent, int ejected) throws Exception {
        String[] endpoints = new String[size];
        for (int i = 0; i < size; i++) {
            endpoints[i] = RawUpstream.refusedEndpoint();
        }
        px.routes(LifecycleFixture.route("healthCheck: {passive: {consecutiveFailures: 2, baseEjectionTime: 1m, maxEjectionPercent: %d}}"
                .formatted(percent), endpoints));
        for (int i = 0; i < 4 * size; i++) { // each upgrade tries every endpoint it may use: 2 upgrades fail each of them twice
            try (RawHttp raw = new RawHttp(px.port())) {
                assertThat(RawHttp.status(raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1")).readHead())).isEqualTo(502);
            }
        }
        double total = 0;
        for (String e : endpoints) {
            total += ejections(e);
        }
        assertThat(total).as("endpoints ejected").isEqualTo(ejected);
        assertThat(px.metrics.get("wsroute.pool.fail.open").tag("route", "default/chat").gauge().value())
                .isEqualTo(ejected == size ? 1 : 0);
    }

    @Test
    void anUpstreamThatDiesRightAfterIts101IsEjected() throws Exception {
        try (RawUpstream dying = new RawUpstream(RawUpstream.Mode.ACCEPT_THEN_DIE)) {
            px.routes(LifecycleFixture.route(PASSIVE.replace("1s", "1m"), good.endpoint(), dying.endpoint()));
            int died = 0;
            for (int i = 0; i < 200 && ejections(dying.endpoint()) == 0; i++) {
                try (WsClient c = WsClient.connect(px.ws("/ws"), Map.of())) {
                    c.ws.sendText("whoami", true);
                    await().atMost(Duration.ofSeconds(10)).until(() -> !c.messages.isEmpty() || c.closeCode.isDone());
                    String answer = c.messages.poll();
                    if (answer == null) {
                        assertThat(c.awaitClose()).isEqualTo(1011);
                        died++;
                    } else {
                        assertThat(answer).isEqualTo("good");
                    }
                }
            }
            assertThat(died).isEqualTo(3);
            assertThat(healthy(dying.endpoint())).isFalse();
        }
    }
}
