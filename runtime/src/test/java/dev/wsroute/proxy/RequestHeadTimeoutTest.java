package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.wsroute.table.Endpoint;
import dev.wsroute.table.Pool;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.PerClass;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;

/**
 * The two phases of the wait for a request head on a kept-alive connection: idle (closed silently at the idle
 * timeout) until the first byte of the next head, then the header timeout from that byte (408).
 */
class RequestHeadTimeoutTest {
    @RegisterExtension
    static final PerClass<EchoBackend> app = new PerClass<>(() -> EchoBackend.start("app"));
    ProxyHarness px;

    @AfterEach
    void stopProxy() {
        px.close();
    }

    private void proxy(String headerTimeout, String idleTimeout) throws Exception {
        Pool appPool = Pool.defaultBackend(List.of(Endpoint.of("127.0.0.1", app.get().port(), 1)));
        px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.request-header-timeout", headerTimeout,
                "wsroute.limits.http-idle-timeout", idleTimeout), () -> appPool);
    }

    @Test
    void theNextHeadStartedOnAKeptAliveConnectionGetsTheHeaderTimeoutNotTheIdleOne() throws Exception {
        proxy("3s", "10m"); // not less: the first head, sent right after the connect, must arrive within it too
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send("GET /first HTTP/1.1\r\nHost: any.example\r\n\r\n").readResponse())).isEqualTo(200);
            String late = raw.send("GET /second HTTP/1.1\r\nHost: any").readResponse(); // and then nothing more
            assertThat(status(late)).isEqualTo(408);
            assertThat(raw.closedByServer()).isTrue();
        }
        // counted as any answer (it was not: a slowloris showed in no metric nor access-log line)
        assertThat(px.metrics.get("wsroute.http.requests").tag("status", "408").counter().count()).isEqualTo(1.0);
    }

    @Test
    void anIdleKeptAliveConnectionIsClosedWithoutAnAnswer() throws Exception {
        proxy("10m", "700ms");
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send("GET /first HTTP/1.1\r\nHost: any.example\r\n\r\n").readResponse())).isEqualTo(200);
            assertThat(raw.closedByServer()).as("closed, no byte sent").isTrue();
        }
        assertThat(px.metrics.find("wsroute.http.requests").tag("status", "408").counter()).as("no answer, no count").isNull();
    }
}
