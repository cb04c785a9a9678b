package dev.wsroute.lifecycle;

import static dev.wsroute.lifecycle.LifecycleFixture.counter;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;

/** rateLimit.handshakesPerClient: a burst of the rate passes, the next upgrade gets 429 with Retry-After. */
class HandshakeRateLimitTest {
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
    void upgradesAboveTheRateAreAnswered429WithRetryAfter() throws Exception {
        try (ProxyHarness px = LifecycleFixture.proxy()) {
            px.routes(LifecycleFixture.route("rateLimit: {handshakesPerClient: 1}", backend.endpoint()));
            int ok = 0;
            int limited = 0;
            int sent = 0;
            long started = System.nanoTime();
            // 5 upgrades, and more until one is refused: on a machine so loaded that 5 take over 4 s, all could pass
            for (; sent < 5 || limited == 0 && sent < 100; sent++) {
                try (RawHttp raw = new RawHttp(px.port())) {
                    String head = raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1")).readResponse();
                    if (RawHttp.status(head) == 101) {
                        ok++;
                    } else {
                        assertThat(RawHttp.status(head)).isEqualTo(429);
                        assertThat(RawHttp.header(head, "retry-after")).isEqualTo("1");
                        limited++;
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            // one token at once, then one per second: however slow the machine, no more got through
            assertThat(ok).isGreaterThanOrEqualTo(1).isLessThanOrEqualTo(1 + (int) seconds);
            assertThat(limited).isEqualTo(sent - ok).isPositive();
            assertThat(counter(px, "wsroute.websocket.upgrades", "route", "default/chat", "status", "429")).isEqualTo(limited);
        }
    }

    /**
     * A client refused 503 because the rule is at its maxConnections did not get an upgrade, so it spent no rate
     * budget. It did: each 503 took a token, so a client retrying against a full rule was soon answered 429 instead
     * (rate limited for upgrades it never got), and once a socket closed, its next upgrade was refused 429 too.
     */
    @Test
    void anUpgradeRefusedAtMaxConnectionsSpendsNoRateLimitToken() throws Exception {
        try (ProxyHarness px = LifecycleFixture.proxy()) {
            px.routes(LifecycleFixture.route("maxConnections: 1\nrateLimit: {handshakesPerClient: 2}", backend.endpoint()));
            dev.wsroute.testing.WsClient open = dev.wsroute.testing.WsClient.connect(px.ws("/ws"), java.util.Map.of()); // 1 token of 2
            assertThat(open.roundTrip("hi")).isEqualTo("hi");
            for (int i = 0; i < 20; i++) {
                try (RawHttp raw = new RawHttp(px.port())) {
                    String head = raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1")).readResponse();
                    assertThat(RawHttp.status(head)).as("upgrade %d at the limit", i).isEqualTo(503);
                }
            }
            open.close();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> px.dataPlane.tunnels() == 0);
            try (RawHttp raw = new RawHttp(px.port())) {
                String head = raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1")).readResponse();
                assertThat(RawHttp.status(head)).as("a slot free and a token left").isEqualTo(101);
            }
            assertThat(counter(px, "wsroute.websocket.upgrades", "route", "default/chat", "status", "503")).isEqualTo(20);
            assertThat(counter(px, "wsroute.websocket.upgrades", "route", "default/chat", "status", "429")).isZero();
        }
    }
}
