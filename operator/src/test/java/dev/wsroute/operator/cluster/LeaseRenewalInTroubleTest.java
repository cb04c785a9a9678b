package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.operator.config.WsRouteAppConfig;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The holder's Lease requests are answered 503, or late (the API server instance its connection goes to is in trouble) while
 * everything else it asks, and the other replica's requests, are answered. The replicas' clients are as Quarkus leaves
 * them: fabric8 resends a request answered 5xx ten times, about 19 s, far past the Lease's duration. The holder must stop
 * writing by its renew deadline, before the other replica may take the Lease: never two writers. When its renewals are
 * answered again it follows the new holder without a restart, and takes over when that one stops. A renewal that lands
 * after the deadline, the Lease still its own, lets it write again, what changed meanwhile included. Timings from the
 * settings (a 3 s Lease) are the ones the replicas hold to: the holder writes its duration into the Lease, and the
 * other replica takes over once its renewals stop.
 */
class LeaseRenewalInTroubleTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NS = "app";
    /** A Lease expires 2 s after its holder's renew deadline: room for a loaded machine. */
    private static final StatusLease.Timing FAST = new StatusLease.Timing(Duration.ofSeconds(4), Duration.ofSeconds(2),
            Duration.ofMillis(200));

    private final AtomicInteger bothHolding = new AtomicInteger();
    private final AtomicBoolean sampling = new AtomicBoolean(true);
    private SizeLimitedApiServer api;
    private ControlPlane a;
    private ControlPlane b;

    @AfterEach
    void stop() {
        sampling.set(false);
        for (ControlPlane p : new ControlPlane[] { a, b }) {
            if (p != null) {
                p.close();
            }
        }
        if (api != null) {
            api.close();
        }
    }

    @Test
    void aHolderWhoseRenewalsAreAnswered503StopsWritingBeforeAnotherReplicaMayTakeTheLease() {
        oneWriterWhileTheHoldersLeaseRequests(api -> api.failLeaseRequests("replica-a", 503));
    }

    @Test
    void aHolderWhoseRenewalsAreAnsweredLateStopsWritingBeforeAnotherReplicaMayTakeTheLease() {
        // a read and a renewal take 6 s, past the 4 s Lease: renewed on the API server, but too late to hold it
        oneWriterWhileTheHoldersLeaseRequests(api -> api.delayLeaseRequests("replica-a", Duration.ofSeconds(3)));
    }

    @Test
    void aHolderWhoseRenewalLandsAfterItsDeadlineWritesWhatChangedMeanwhile() {
        // each Lease request 2 s (its timeout is 3 s): a try takes 4 s, so every other try ends past the 6 s deadline
        // counted from the previous try's start; the Lease stays this replica's (nobody else runs for it)
        StatusLease.Timing slow = new StatusLease.Timing(Duration.ofSeconds(9), Duration.ofSeconds(6),
                Duration.ofMillis(200));
        KubernetesClient direct = startApiServer();
        a = replica("replica-a", direct.getMasterUrl().toString(), slow);
        await().atMost(WAIT).until(a.lease::holding);
        await().atMost(WAIT).until(() -> endpointsInStatus(direct) == 1);
        api.delayLeaseRequests("replica-a", Duration.ofSeconds(2));

        await().atMost(WAIT).until(() -> !a.lease.holding());
        slice(direct, "10.0.0.1", "10.0.0.2"); // its pass comes while this replica may not write
        await().atMost(WAIT).until(a.lease::holding);
        await().atMost(WAIT).until(() -> endpointsInStatus(direct) == 2);
    }

    @Test
    void aShortLeaseFromTheSettingsIsTakenByTheOtherReplicaOnceItsHolderStopsRenewing() {
        // wsroute.kubernetes.lease-duration / lease-renew-deadline / lease-retry-period, as ModeStarter reads them
        StatusLease.Timing configured = StatusLease.Timing.of(new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withConverter(Duration.class, 200, new DurationConverter()).withMapping(WsRouteAppConfig.class)
                .withSources(new PropertiesConfigSource(Map.of("wsroute.kubernetes.lease-duration", "3s",
                        "wsroute.kubernetes.lease-renew-deadline", "2s", "wsroute.kubernetes.lease-retry-period", "200ms"),
                        "test", 250))
                .build().getConfigMapping(WsRouteAppConfig.class).kubernetes());
        KubernetesClient direct = startApiServer();
        String url = direct.getMasterUrl().toString();
        a = replica("replica-a", url, configured);
        await().atMost(WAIT).until(a.lease::holding);
        b = replica("replica-b", url, configured);
        await().atMost(WAIT).until(() -> b.lease.holder().filter("replica-a"::equals).isPresent());
        assertThat(lease(direct).getSpec().getLeaseDurationSeconds()).as("what the other replica waits out").isEqualTo(3);
        sampleBothHolding();

        api.failLeaseRequests("replica-a", 503); // A renews no more
        await().atMost(WAIT).until(b.lease::holding);
        assertThat(lease(direct).getSpec().getHolderIdentity()).isEqualTo("replica-b");
        assertThat(lease(direct).getSpec().getLeaseDurationSeconds()).isEqualTo(3);
        assertThat(bothHolding.get()).as("moments both replicas held the Lease").isZero();
    }

    private static Lease lease(KubernetesClient client) {
        return client.resources(Lease.class).inNamespace("wsroute-system").withName("wsroute-operator").get();
    }

    private KubernetesClient startApiServer() {
        api = new SizeLimitedApiServer(SizeLimitedApiServer.ETCD_LIMIT);
        KubernetesClient direct = api.client();
        direct.resource(Fixtures.service(NS, "chat", 80, "ws")).create();
        slice(direct, "10.0.0.1");
        direct.resource(Fixtures.route(NS, "chat", List.of("chat.example.com"), "/", "chat", "80")).create();
        return direct;
    }

    private void oneWriterWhileTheHoldersLeaseRequests(Consumer<SizeLimitedApiServer> trouble) {
        KubernetesClient direct = startApiServer();
        String url = direct.getMasterUrl().toString();
        a = replica("replica-a", url, FAST);
        await().atMost(WAIT).until(a.lease::holding);
        b = replica("replica-b", url, FAST);
        await().atMost(WAIT).until(() -> b.lease.holder().filter("replica-a"::equals).isPresent());
        await().atMost(WAIT).until(() -> endpointsInStatus(direct) == 1);
        sampleBothHolding();

        trouble.accept(api);
        await().atMost(WAIT).until(b.lease::holding);
        int mark = api.statusWriteLog().size();
        slice(direct, "10.0.0.1", "10.0.0.2");
        await().atMost(WAIT).until(() -> endpointsInStatus(direct) == 2);
        assertThat(writersSince(mark)).as("status writers once B took the Lease").containsOnly("replica-b");
        assertThat(bothHolding.get()).as("moments both replicas held the Lease").isZero();

        // answered again: A follows B, and B alone writes
        api.answerLeaseRequests();
        await().atMost(WAIT).until(() -> a.lease.holder().filter("replica-b"::equals).isPresent());
        mark = api.statusWriteLog().size();
        slice(direct, "10.0.0.1", "10.0.0.2", "10.0.0.3");
        await().atMost(WAIT).until(() -> endpointsInStatus(direct) == 3);
        assertThat(writersSince(mark)).as("status writers after the renewals were answered again")
                .containsOnly("replica-b");

        // B stops (releasing the Lease): A, never restarted, takes over
        b.close();
        b = null;
        await().atMost(WAIT).until(a.lease::holding);
        mark = api.statusWriteLog().size();
        slice(direct, "10.0.0.4");
        await().atMost(WAIT).until(() -> endpointsInStatus(direct) == 1);
        assertThat(writersSince(mark)).as("status writers after B stopped").containsOnly("replica-a");
        assertThat(bothHolding.get()).as("moments both replicas held the Lease").isZero();
    }

    /** A replica wired as ModeStarter wires one, its client as Quarkus configures it (fabric8's retries included). */
    private static ControlPlane replica(String id, String url, StatusLease.Timing timing) {
        KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(url)
                .withUserAgent(id).withNamespace("wsroute-system").build()).build();
        return ControlPlane.start(client, new ClusterCache(client, Optional.empty()),
                new Translator(new ValidationCache()), new RouteTableHolder(), null, () -> TlsResolver.NONE,
                new ControlPlane.Election("wsroute-system", "wsroute-operator", id, timing), Duration.ofMillis(10));
    }

    private void sampleBothHolding() {
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                ControlPlane x = a;
                ControlPlane y = b;
                if (x != null && y != null && x.lease.holding() && y.lease.holding()) {
                    bothHolding.incrementAndGet();
                }
                LockSupport.parkNanos(1_000_000);
            }
        }, "lease-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    private List<String> writersSince(int mark) {
        List<SizeLimitedApiServer.StatusWrite> log = api.statusWriteLog();
        List<String> writers = log.subList(mark, log.size()).stream().map(SizeLimitedApiServer.StatusWrite::writer)
                .toList();
        assertThat(writers).as("some status was written").isNotEmpty();
        return writers;
    }

    private static void slice(KubernetesClient client, String... addresses) {
        client.resource(Fixtures.slice(NS, "chat", "chat", "ws", 8080, List.of(addresses), List.of())).createOr(
                op -> op.update());
    }

    private static int endpointsInStatus(KubernetesClient client) {
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(NS).withName("chat").get();
        return r == null || r.getStatus() == null || r.getStatus().endpoints == null ? -1 : r.getStatus().endpoints;
    }
}
