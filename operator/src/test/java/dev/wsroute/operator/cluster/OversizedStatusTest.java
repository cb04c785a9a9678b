package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.wsroute.api.PoolStatus;
import dev.wsroute.api.RouteCondition;
import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * A Service so large that listing every endpoint in {@code status.pools} passes what the API server stores (etcd's
 * 1.5 MiB per object): 20,000 pods, about 2 MB of pools. The route's status is still written, its conditions with it:
 * the pools list as many endpoints as fit (ready ones first) and a PoolsComplete=False condition says so; the data
 * plane routes to all of them; another route is untouched; nothing is refused over and over.
 */
class OversizedStatusTest {
    private static final int PODS = 20_000;
    private final RouteTableHolder holder = new RouteTableHolder();

    @Test
    void aRouteWhosePoolsPassEtcdsLimitIsWrittenWithTheEndpointsThatFitAndAConditionSayingSo() {
        try (SizeLimitedApiServer api = new SizeLimitedApiServer(SizeLimitedApiServer.ETCD_LIMIT)) {
            ControlPlane plane = start(api);
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> status(api.client(), "feed") != null);
                WebSocketRouteStatus s = status(api.client(), "feed");
                assertThat(condition(s, "Accepted").status).isEqualTo("True");
                assertThat(condition(s, "Ready").status).isEqualTo("True");
                RouteCondition complete = condition(s, "PoolsComplete");
                assertThat(complete.status).isEqualTo("False");
                assertThat(complete.reason).isEqualTo("StatusTooLarge");
                assertThat(complete.message).contains("status.pools lists").contains("of " + PODS + " endpoints");
                List<PoolStatus.EndpointStatus> listed = s.pools.get(0).backends.get(0).endpoints;
                assertThat(listed).hasSizeBetween(PODS / 4, PODS - 1).allMatch(e -> Boolean.TRUE.equals(e.ready));
                assertThat(s.endpoints).as("the count is of every ready endpoint").isEqualTo(PODS);
                assertThat(tableEndpoints("feed")).as("the data plane routes to all").isEqualTo(PODS);
                assertThat(Fixtures.accepted(route(api.client(), "chat"))).as("another route is untouched").isTrue();
                assertThat(condition(status(api.client(), "chat"), "PoolsComplete")).isNull();
                assertThat(api.refused()).as("nothing was sent that the API server refuses").isZero();
            } finally {
                System.out.printf("scale: %d-endpoint route against etcd's 1.5 MiB: %d writes refused%n", PODS,
                        api.refused());
                plane.close();
            }
        }
    }

    /**
     * An etcd with a stricter limit (its {@code --max-request-bytes} at 512 KiB) refuses even what fits the usual one:
     * the writer says so (WARN) and tries again with half the room, so the route still gets its status.
     */
    @Test
    void aStricterEtcdLimitIsMetByHalvingTheRoomWithoutARetryStorm() {
        try (SizeLimitedApiServer api = new SizeLimitedApiServer(512 * 1024)) {
            ControlPlane plane = start(api);
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> status(api.client(), "feed") != null);
                WebSocketRouteStatus s = status(api.client(), "feed");
                assertThat(condition(s, "PoolsComplete").reason).isEqualTo("StatusTooLarge");
                assertThat(s.pools.get(0).backends.get(0).endpoints).hasSizeLessThan(PODS / 3);
                // one write refused, then the halved one taken; the refused one sent once (fabric8's client, left to
                // itself, sends a write answered 5xx 11 times before the writer hears of it)
                assertThat(api.refused()).as("one write refused").isEqualTo(1L);
            } finally {
                System.out.printf("scale: %d-endpoint route against a 512 KiB etcd limit: %d writes refused%n", PODS,
                        api.refused());
                plane.close();
            }
        }
    }

    /**
     * The room halved for a status refused as too large is given back once the route has fewer endpoints than that
     * status listed: here etcd's limit goes back to its default (as it would for a route whose own spec or metadata took
     * the room) and the Service shrinks to 8,000 pods, which fit the full 1 MiB but not half of it. The status lists
     * them all again and PoolsComplete=False is gone; the halved room used to stay until the operator restarted.
     */
    @Test
    void aRoomHalvedForATooLargeStatusIsGivenBackWhenTheServiceShrinks() {
        try (SizeLimitedApiServer api = new SizeLimitedApiServer(512 * 1024)) {
            ControlPlane plane = start(api);
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> status(api.client(), "feed") != null);
                assertThat(condition(status(api.client(), "feed"), "PoolsComplete").reason).isEqualTo("StatusTooLarge");
                assertThat(api.refused()).as("refused as too large: the room was halved").isPositive();

                api.etcdLimit(SizeLimitedApiServer.ETCD_LIMIT);
                int kept = 8_000;
                for (int s = kept / PodSlices.PER_SLICE; s < PODS / PodSlices.PER_SLICE; s++) {
                    api.client().resources(EndpointSlice.class).inNamespace("shop").withName("feed-" + s).delete();
                }
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    WebSocketRouteStatus s = status(api.client(), "feed");
                    assertThat(s.pools.get(0).backends.get(0).endpoints).hasSize(kept);
                    assertThat(condition(s, "PoolsComplete")).as("the status is complete").isNull();
                });
            } finally {
                plane.close();
            }
        }
    }

    private ControlPlane start(SizeLimitedApiServer api) {
        KubernetesClient client = api.client();
        PodSlices pods = new PodSlices("shop", "feed", "ws", 8080, PODS);
        pods.createWithService(client);
        client.resource(Fixtures.route("shop", "feed", List.of("feed.example.com"), "/ws", "feed", "ws")).create();
        Fixtures.createChatRoute(client, "shop");
        ControlPlane plane = ControlPlane.start(client, new ClusterCache(client, Optional.empty()),
                new Translator(new ValidationCache()), holder, null, () -> TlsResolver.NONE, null,
                Duration.ofMillis(50));
        await().atMost(Duration.ofSeconds(60)).until(() -> Fixtures.accepted(route(client, "chat")));
        return plane;
    }

    private int tableEndpoints(String route) {
        CompiledRoute r = holder.current().route(new RouteId("shop", route));
        return r == null ? -1 : r.rules().get(0).pool().endpoints().size();
    }

    private static WebSocketRoute route(KubernetesClient client, String name) {
        return client.resources(WebSocketRoute.class).inNamespace("shop").withName(name).get();
    }

    private static WebSocketRouteStatus status(KubernetesClient client, String name) {
        WebSocketRoute r = route(client, name);
        return r == null ? null : r.getStatus();
    }

    private static RouteCondition condition(WebSocketRouteStatus s, String type) {
        return s.conditions.stream().filter(c -> type.equals(c.type)).findFirst().orElse(null);
    }
}
