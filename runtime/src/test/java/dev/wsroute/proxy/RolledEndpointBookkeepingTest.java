package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RecordingHttpBackend;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;

/**
 * A backend rolled pod after pod, with plain HTTP through each: the balancer's counts and the idle-connection pool
 * keep only the live pod, not one entry per pod ever seen (months of deploys grew both without bound).
 */
class RolledEndpointBookkeepingTest {

    @Test
    void afterTenRolledPodsOnlyTheLiveOneIsKept() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (ProxyHarness px = new ProxyHarness(TestConfig.wsroute())) {
            RecordingHttpBackend live = null;
            for (int pod = 0; pod < 10; pod++) {
                RecordingHttpBackend next = new RecordingHttpBackend();
                px.routes(TestRoutes.wsAndHttp("web", "/ws", next.endpoint())); // the new pod in, the old one out
                if (live != null) {
                    live.close();
                }
                live = next;
                for (int i = 0; i < 2; i++) { // the second over the connection parked by the first
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + px.port() + "/x")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isEqualTo(200);
                }
                String liveEndpoint = live.endpoint();
                Awaitility.await().until(() -> px.dataPlane.idleQueues().contains(liveEndpoint)); // parked after its answer
            }
            String liveEndpoint = live.endpoint();
            assertThat(px.dataPlane.endpointLoad().size()).as("endpoints with a connection count kept").isEqualTo(1);
            assertThat(px.dataPlane.idleQueues()).as("idle-connection queues").containsOnly(liveEndpoint);
            live.close();
        }
    }
}
