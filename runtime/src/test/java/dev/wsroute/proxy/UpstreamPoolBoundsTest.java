package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.ScriptedUpstream;
import dev.wsroute.testing.ScriptedUpstream.Answer;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;

/**
 * How many idle keep-alive upstream connections the pool keeps. With the old default (16 per endpoint and I/O thread)
 * 50 keep-alive clients over 2 endpoints made the proxy close and open again ~30 upstream connections a second in the
 * bench: a loop's share of the requests on one endpoint went above 16 now and then, and each connection that came back
 * to a full queue closed (its TIME_WAIT on the proxy's ports). Bursts here are exact: the upstream answers none of a
 * burst's requests before all of them have arrived, so the proxy holds one upstream connection per request at once.
 */
class UpstreamPoolBoundsTest {
    private static final Duration WAIT = Duration.ofSeconds(30); // a bound against a hang on a loaded machine

    @Test
    void aBurstAboveTheOldDefaultLeavesEveryConnectionPooledForTheNext() throws Exception {
        assertThat(bursts(40, "wsroute.io-threads", "2"))
                .as("opened for the first burst, all reused by the second, none closed")
                .isEqualTo(new Opened(40, 40, 0));
    }

    @Test
    void aLoopKeepsItsShareOfMaxIdleAndClosesTheRest() throws Exception {
        assertThat(bursts(10, "wsroute.io-threads", "1", "wsroute.upstream.max-idle", "4"))
                .as("4 kept, 6 closed when they came back, 6 opened again")
                .isEqualTo(new Opened(10, 16, 6));
    }

    @Test
    void anEndpointKeepsAtMostMaxIdlePerEndpoint() throws Exception {
        assertThat(bursts(10, "wsroute.io-threads", "1", "wsroute.upstream.max-idle-per-endpoint", "3"))
                .isEqualTo(new Opened(10, 17, 7));
    }

    @Test
    void noIdleConnectionsKeptWithMaxIdleZero() throws Exception {
        assertThat(bursts(5, "wsroute.upstream.max-idle", "0")).isEqualTo(new Opened(5, 10, 5));
    }

    /**
     * A loop whose share of max-idle is full makes room for a connection that comes back by closing its least
     * recently parked one, as nginx's keepalive cache does: one endpoint's idle connections do not make another,
     * busier one connect again for each request until they reach their idle deadline.
     */
    @Test
    void aFullLoopClosesItsOldestIdleConnectionForTheOneThatComesBack() throws Exception {
        AtomicReference<CountDownLatch> burst = new AtomicReference<>();
        try (ScriptedUpstream quiet = new ScriptedUpstream(r -> answerOnceAllCame(burst));
                ScriptedUpstream busy = new ScriptedUpstream(r -> answerOnceAllCame(burst));
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.io-threads", "1", "wsroute.upstream.max-idle", "4"))) {
            px.routes(TestRoutes.plainHttp("quiet", "quiet.test", quiet.endpoint()) + "---\n"
                    + TestRoutes.plainHttp("busy", "busy.test", busy.endpoint()));
            List<RawHttp> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    clients.add(new RawHttp(px.port()));
                }
                burst(clients, burst, "quiet.test"); // the loop's 4 idle connections, all to quiet
                burst(clients, burst, "busy.test"); // each that comes back takes the place of one of quiet's
                await("quiet's idle connections make room for busy's").atMost(WAIT).until(() -> quiet.closedByProxy.get() >= 4);
                burst(clients, burst, "busy.test");
                assertThat(busy.accepted.get()).as("busy's second burst reused its connections").isEqualTo(4);
                assertThat(busy.closedByProxy.get()).isZero();
                assertThat(quiet.closedByProxy.get()).isEqualTo(4);
            } finally {
                for (RawHttp c : clients) {
                    c.close();
                }
            }
        }
    }

    /** Upstream connections opened after the first burst and after the second, and closed by the proxy between them. */
    record Opened(int afterFirst, int afterSecond, int closedBetween) {
    }

    /** Two bursts of {@code n} requests at once on the same {@code n} keep-alive client connections. */
    private static Opened bursts(int n, String... config) throws Exception {
        AtomicReference<CountDownLatch> burst = new AtomicReference<>();
        try (ScriptedUpstream upstream = new ScriptedUpstream(r -> answerOnceAllCame(burst)); ProxyHarness px = new ProxyHarness(TestConfig.wsroute(config))) {
            px.routes(upstream.routes());
            List<RawHttp> clients = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    clients.add(new RawHttp(px.port()));
                }
                burst(clients, burst, "up.test");
                int afterFirst = upstream.accepted.get();
                int closedExpected = Math.max(0, n - kept(config));
                await().atMost(WAIT).until(() -> upstream.closedByProxy.get() >= closedExpected);
                int closedBetween = upstream.closedByProxy.get();
                burst(clients, burst, "up.test");
                return new Opened(afterFirst, upstream.accepted.get(), closedBetween);
            } finally {
                for (RawHttp c : clients) {
                    c.close();
                }
            }
        }
    }

    /** The upstream answers none of a burst's requests before all of them came: one upstream connection each. */
    private static Answer answerOnceAllCame(AtomicReference<CountDownLatch> burst) {
        CountDownLatch all = burst.get();
        all.countDown();
        try {
            all.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Answer.of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }

    private static void burst(List<RawHttp> clients, AtomicReference<CountDownLatch> burst, String host) throws Exception {
        burst.set(new CountDownLatch(clients.size()));
        for (RawHttp c : clients) {
            c.send("GET /page HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        }
        for (RawHttp c : clients) {
            assertThat(c.readResponse()).startsWith("HTTP/1.1 200").endsWith("ok");
        }
    }

    /** What the settings keep on the one endpoint, to wait for the closes above it (none by default). */
    private static int kept(String... config) {
        int kept = Integer.MAX_VALUE;
        for (int i = 0; i < config.length; i += 2) {
            if (config[i].startsWith("wsroute.upstream.max-idle")) {
                kept = Math.min(kept, Integer.parseInt(config[i + 1]));
            }
        }
        return kept;
    }
}
