package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.wsroute.table.Endpoint;
import dev.wsroute.table.Pool;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import io.vertx.core.Vertx;

/**
 * The two phases of the wait for a request head on a kept-alive connection: idle (closed silently at the idle
 * timeout) until the first byte of the next head, then the header timeout from that byte (408).
 */
class RequestHeadTimeoutTest {
    static Vertx vertx;
    static EchoBackend app;
    ProxyHarness px;

    @BeforeAll
    static void backend() {
        vertx = Vertx.vertx();
        app = new EchoBackend(vertx, "app");
    }

    @AfterAll
    static void stop() {
        app.close();
        vertx.close();
    }

    @AfterEach
    void stopProxy() {
        px.close();
    }

    private void proxy(String headerTimeout, String idleTimeout) throws Exception {
        Pool appPool = Pool.defaultBackend(List.of(Endpoint.of("127.0.0.1", app.port(), 1)));
        px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.request-header-timeout", headerTimeout,
                "wsroute.limits.http-idle-timeout", idleTimeout), () -> appPool);
    }

    @Test
    void theNextHeadStartedOnAKeptAliveConnectionGetsTheHeaderTimeoutNotTheIdleOne() throws Exception {
        proxy("700ms", "10m");
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send("GET /first HTTP/1.1\r\nHost: any.example\r\n\r\n").readResponse())).isEqualTo(200);
            String late = raw.send("GET /second HTTP/1.1\r\nHost: any").readResponse(); // and then nothing more
            assertThat(status(late)).isEqualTo(408);
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void anIdleKeptAliveConnectionIsClosedWithoutAnAnswer() throws Exception {
        proxy("10m", "700ms");
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send("GET /first HTTP/1.1\r\nHost: any.example\r\n\r\n").readResponse())).isEqualTo(200);
            assertThat(raw.closedByServer()).as("closed, no byte sent").isTrue();
        }
    }
}
