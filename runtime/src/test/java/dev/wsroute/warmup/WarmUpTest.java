package dev.wsroute.warmup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.metrics.Meters;
import dev.wsroute.metrics.micrometer.MicrometerMeters;
import dev.wsroute.proxy.DataPlane;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.LogLines;
import dev.wsroute.testing.TestConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The start-up warm-up: real sessions and requests through a private data plane, and nothing of it left to see. */
class WarmUpTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void runsWhatIsAskedThroughAPrivateDataPlaneAndLeavesNothingBehind() {
        try (LogLines warmUp = LogLines.of("dev.wsroute.warmup"); LogLines proxy = LogLines.of("dev.wsroute.proxy");
                LogLines access = LogLines.of("wsroute.access")) {
            WarmUp w = WarmUp.start(TestConfig.wsroute("wsroute.warm-up.sessions", "500", "wsroute.warm-up.requests", "700"),
                    new MicrometerMeters(registry));
            assertThat(w.done()).as("under way").isFalse();
            await().atMost(WAIT).until(w::done);

            assertThat(w.summary()).matches("500 WebSocket sessions and 700 HTTP requests in \\d+\\.\\d s");
            assertThat(warmUp.lines()).singleElement().asString()
                    .contains("warm-up: " + w.summary() + " through a private data plane (wsroute.warm-up.*)");
            assertThat(registry.getMeters()).as("the real registry counts none of it").isEmpty();
            assertThat(access.lines()).as("no access-log line").isEmpty();
            assertThat(proxy.lines()).as("the private data plane says nothing of its start and stop").isEmpty();
            await().atMost(WAIT).until(() -> warmUpThreads() == 0);
        }
    }

    /** Where the TLS listener is on: wss:// sessions too, each a full handshake with the warm-up's own certificate. */
    @Test
    void runsTlsSessionsWhereTheTlsListenerIsOn() {
        try (LogLines warmUp = LogLines.of("dev.wsroute.warmup"); LogLines tls = LogLines.of("dev.wsroute.tls");
                LogLines access = LogLines.of("wsroute.access")) {
            WarmUp w = WarmUp.start(TestConfig.withTls("wsroute.warm-up.sessions", "100", "wsroute.warm-up.tls-sessions", "60",
                    "wsroute.warm-up.requests", "50"), new MicrometerMeters(registry));
            await().atMost(WAIT).until(w::done);

            assertThat(w.summary()).matches("100 WebSocket sessions, 60 wss:// sessions and 50 HTTP requests in \\d+\\.\\d s");
            assertThat(warmUp.lines()).singleElement().asString().contains("warm-up: " + w.summary() + " through a private data plane");
            assertThat(tls.lines()).as("its certificate is nobody's business").isEmpty();
            assertThat(registry.getMeters()).as("the real registry counts none of it").isEmpty();
            assertThat(access.lines()).isEmpty();
            await().atMost(WAIT).until(() -> warmUpThreads() == 0);
        }
    }

    /** No TLS listener, nothing over TLS to warm: the plain part runs alone. */
    @Test
    void noTlsSessionsWithoutATlsListener() {
        WarmUp w = WarmUp.start(TestConfig.wsroute("wsroute.warm-up.sessions", "20", "wsroute.warm-up.tls-sessions", "20"),
                new MicrometerMeters(registry));
        await().atMost(WAIT).until(w::done);
        assertThat(w.summary()).matches("20 WebSocket sessions and 0 HTTP requests in \\d+\\.\\d s");
    }

    /**
     * Its data plane runs the real one's transport without saying again what the real one said of it at start (started
     * and closed with no traffic: io_uring is experimental, and its stalls are not this test's subject).
     */
    @Test
    void saysNothingOfTheTransportItShares() throws InterruptedException {
        WsRouteConfig ioUring = TestConfig.wsroute("wsroute.transport", "io_uring");
        try (LogLines proxy = LogLines.of("dev.wsroute.proxy")) {
            new DataPlane(ioUring, new RouteTableHolder(), Meters.NONE, () -> null).start().close();
            assertThat(proxy.lines()).as("the real one's warning (or its fallback's)").anyMatch(l -> l.contains("io_uring"));
        }
        try (LogLines proxy = LogLines.of("dev.wsroute.proxy")) {
            DataPlane.quiet(WarmUp.privatePlane(ioUring, false), new RouteTableHolder(), Meters.NONE).start().close();
            assertThat(proxy.lines()).as("the warm-up's says nothing").isEmpty();
        }
    }

    @Test
    void nothingAskedNothingRuns() {
        WarmUp w = WarmUp.start(TestConfig.wsroute(), new MicrometerMeters(registry));
        assertThat(w.done()).isTrue();
        assertThat(w.summary()).isNull();
        assertThat(warmUpThreads()).isZero();
    }

    /** wss:// sessions alone, and no TLS listener to warm: nothing to run, no thread, no line. */
    @Test
    void tlsSessionsAloneWithoutATlsListenerRunNothing() {
        WarmUp w = WarmUp.start(TestConfig.wsroute("wsroute.warm-up.tls-sessions", "2000"), new MicrometerMeters(registry));
        assertThat(w.done()).isTrue();
        assertThat(w.summary()).isNull();
        assertThat(warmUpThreads()).isZero();
    }

    /** SIGTERM during a warm-up (a pod deleted as it starts): it stops at once, and the process can go. */
    @Test
    void shutdownStopsAWarmUpUnderWay() {
        try (LogLines warmUp = LogLines.of("dev.wsroute.warmup")) {
            WarmUp w = WarmUp.start(TestConfig.wsroute("wsroute.warm-up.sessions", "100000000"), new MicrometerMeters(registry));
            await().atMost(WAIT).until(() -> warmUpThreads() > 1); // its own thread and its clients' are running
            w.close();
            assertThat(w.done()).as("ended by the close").isTrue();
            assertThat(w.summary()).as("not done: no summary").isNull();
            assertThat(warmUp.lines()).as("no line: the process is going away").isEmpty();
            await().atMost(WAIT).until(() -> warmUpThreads() == 0);
        }
    }

    private static long warmUpThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith("wsroute-warm-up")).count();
    }
}
