package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawUpstream;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;

/**
 * A connect that an endpoint refuses leaves no socket behind: Netty keeps a channel whose connect failed open (its
 * Bootstrap closes it, the dialer connects without one), so every refused connect of a storm held a descriptor until
 * the process ran out of them.
 */
class RefusedConnectTest {
    private static final int SESSIONS = 300;

    @Test
    void everyRefusedConnectClosesItsSocket() throws Exception {
        try (EchoBackend good = EchoBackend.start("good");
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.access-log.enabled", "false"))) {
            px.routes(WebSocketProxyTest.route("chat", "[]", """
                    - match: {path: {type: Prefix, value: /echo}}
                      loadBalancer: {policy: RoundRobin}
                      backends: [{endpoints: [%s, %s]}]
                    """.formatted(RawUpstream.refusedEndpoint(), good.endpoint())));
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < 10; i++) { // the client's and the proxy's own descriptors settle first
                session(http, px, i, failures);
            }
            long before = openDescriptors();
            double refusedBefore = px.metrics.get("wsroute.upstream.connect.failures").counter().count();

            for (int i = 0; i < SESSIONS; i++) {
                session(http, px, i, failures);
            }

            assertThat(failures).isEmpty();
            double refused = px.metrics.get("wsroute.upstream.connect.failures").counter().count() - refusedBefore;
            assertThat(refused).as("the refusing endpoint was tried about every second session").isGreaterThan(SESSIONS / 4.0);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(openDescriptors())
                    .as("open descriptors after %s refused connects (before: %d)", refused, before)
                    .isLessThan(before + 40));
        }
    }

    private static void session(HttpClient http, ProxyHarness px, int i, List<String> failures) {
        try (WsClient c = WsClient.connect(http, px.ws("/echo"), Map.of())) {
            if (!"m".equals(c.roundTrip("m"))) {
                failures.add(i + ": no echo");
            }
        } catch (Exception e) {
            failures.add(i + ": " + e);
        }
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
