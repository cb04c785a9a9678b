package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.PerClass;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;
import dev.wsroute.testing.WsClient;

/**
 * {@code wsroute.limits.max-connections}: a connection over the limit is closed at accept, before a byte is read;
 * those under it are served, and a slot freed by a close serves the next one.
 */
class ConnectionLimitTest {
    @RegisterExtension
    static final PerClass<EchoBackend> echo = new PerClass<>(() -> EchoBackend.start("echo"));
    ProxyHarness px;

    @BeforeEach
    void proxy() throws Exception {
        px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.max-connections", "2", "wsroute.access-log.enabled", "false"));
        px.routes(TestRoutes.wsAndHttp("chat", "/echo", echo.get().endpoint()));
    }

    @AfterEach
    void stopProxy() {
        px.close();
    }

    @Test
    void aConnectionOverTheLimitIsClosedAndTheOthersAreServed() throws Exception {
        try (RawHttp first = new RawHttp(px.port()); RawHttp second = new RawHttp(px.port())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> px.clientConnections() == 2);
            try (RawHttp third = new RawHttp(px.port())) {
                assertThat(third.closedByServer()).isTrue();
            }
            assertThat(RawHttp.status(first.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n").readResponse())).isEqualTo(200);
            assertThat(RawHttp.status(second.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n").readResponse())).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> px.clientConnections() == 0);
        try (WsClient c = WsClient.connect(px.ws("/echo"), Map.of())) {
            assertThat(c.roundTrip("hi")).isEqualTo("hi");
        }
    }

    /** Turned away at the limit: each counted, where before only the gauge at its limit hinted at it. */
    @Test
    void connectionsClosedAtTheLimitAreCounted() throws Exception {
        try (RawHttp first = new RawHttp(px.port()); RawHttp second = new RawHttp(px.port())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> px.clientConnections() == 2);
            for (int i = 0; i < 5; i++) {
                try (RawHttp over = new RawHttp(px.port())) {
                    assertThat(over.closedByServer()).isTrue();
                }
            }
            assertThat(px.metrics.get("wsroute.client.connections.refused").counter().count()).isEqualTo(5.0);
        }
    }
}
