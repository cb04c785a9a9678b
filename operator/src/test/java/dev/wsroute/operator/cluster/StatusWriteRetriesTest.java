package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A status write the API server answers 503 is tried again by the writer alone, after its own growing pause. fabric8's
 * client, left to itself, sends a request answered 5xx ten more times (its requestRetryBackoffLimit, 100 ms doubling to
 * 3.2 s: about 19 s) before the writer hears of it, with the writer's one thread, every route's status, held meanwhile.
 */
class StatusWriteRetriesTest {

    @Test
    void aStatusWriteAnswered503IsSentOnceForEachTryOfTheWriter() {
        try (SizeLimitedApiServer api = new SizeLimitedApiServer(SizeLimitedApiServer.ETCD_LIMIT)) {
            KubernetesClient client = api.client();
            client.resource(Fixtures.service("shop", "chat", 80, "ws")).create();
            client.resource(Fixtures.slice("shop", "chat", "chat", "ws", 8080, List.of("10.0.0.1"), List.of())).create();
            client.resource(Fixtures.route("shop", "chat", List.of("chat.example.com"), "/ws", "chat", "ws")).create();
            ControlPlane plane = ControlPlane.start(client, new ClusterCache(client, Optional.empty()),
                    new Translator(new ValidationCache()), new RouteTableHolder(), null, () -> TlsResolver.NONE, null,
                    Duration.ofMillis(5));
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> readyEndpoints(client) == 1);
                api.failStatusWrites(503);
                int before = api.statusWriteLog().size();
                client.resource(Fixtures.slice("shop", "chat", "chat", "ws", 8080, List.of("10.0.0.1", "10.0.0.2"),
                        List.of())).update();

                await().atMost(Duration.ofSeconds(30)).until(() -> api.statusWriteLog().size() - before >= 3);
                long sent = api.statusWriteLog().size() - before; // before the tries: a request is sent after the last try ended
                long tries = plane.writer.refusals();
                assertThat(sent).as("status writes the API server got for %d tries of the writer (one may be under way)",
                        tries).isLessThanOrEqualTo(tries + 1);

                api.failStatusWrites(0);
                await().atMost(Duration.ofSeconds(30)).until(() -> readyEndpoints(client) == 2);
            } finally {
                plane.close();
            }
        }
    }

    private static int readyEndpoints(KubernetesClient client) {
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace("shop").withName("chat").get();
        return r == null || r.getStatus() == null || r.getStatus().endpoints == null ? -1 : r.getStatus().endpoints;
    }
}
