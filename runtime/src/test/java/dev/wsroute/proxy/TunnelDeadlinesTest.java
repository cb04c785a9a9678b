package dev.wsroute.proxy;

import static dev.wsroute.proxy.TlsHandshakeDeadlineTest.scheduledTasks;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.wsroute.lifecycle.LifecycleFixture;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;

/**
 * A rule's timeouts.maxDuration (the README's example routes set 24h) gave every WebSocket a Netty scheduled task for
 * its lifetime: an object and a timer-queue entry per open socket, held for a day. The lifetime now shares the
 * tunnel's idle deadline on the loop's clock; the end-to-end behaviour (Close 1001 at each socket's jittered age) is
 * {@code MaxDurationTest}'s.
 */
class TunnelDeadlinesTest {
    static final int SOCKETS = 40;

    @Test
    void openWebSocketsWithAMaxDurationHoldNoScheduledTask() throws Exception {
        try (EchoBackend up = EchoBackend.start("up"); ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.io-threads", "2"))) {
            px.routes(LifecycleFixture.route("timeouts: {idle: 1h, maxDuration: 24h}", up.endpoint()));
            int before = scheduledTasks(px.dataPlane);
            List<WsClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < SOCKETS; i++) {
                    WsClient c = WsClient.connect(px.ws("/ws"), Map.of());
                    open.add(c);
                    assertThat(c.roundTrip("m" + i)).isEqualTo("m" + i);
                }
                // before: one lifetime task per socket (40 more)
                assertThat(scheduledTasks(px.dataPlane) - before)
                        .as("scheduled tasks held for %d open WebSockets (at most each I/O thread's sweep, begun with its first connection)", SOCKETS)
                        .isLessThanOrEqualTo(2);
            } finally {
                open.forEach(WsClient::close);
            }
        }
    }
}
