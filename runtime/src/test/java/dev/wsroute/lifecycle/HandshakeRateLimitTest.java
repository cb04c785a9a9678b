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
}
