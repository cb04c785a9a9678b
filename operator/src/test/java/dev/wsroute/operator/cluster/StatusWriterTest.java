package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.api.PoolStatus;
import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.lifecycle.HealthRegistry;
import dev.wsroute.lifecycle.PoolHealth;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Translation;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.tls.TlsResolver;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/**
 * The one status writer against the CRUD mock: it writes a route's status whole, once; a pass that changes
 * nothing writes nothing; while this replica may not write (no Lease), it writes nothing at all; and endpoint
 * health, where a rule checks it, is laid over the status and written once per hold-off however fast it flaps.
 */
class StatusWriterTest {
    private final KubernetesServer server = new KubernetesServer(false, true, InetAddress.getLoopbackAddress(), 0, List.of());
    private final AtomicBoolean holding = new AtomicBoolean(true);
    private ClusterCache cache;
    private StatusWriter writer;

    @BeforeEach
    void start() {
        server.before();
        Fixtures.registerCrd(server.getClient());
        server.getClient().resource(Fixtures.service("ns", "chat", 80, "ws")).create();
        server.getClient().resource(Fixtures.slice("ns", "chat", "chat", "ws", 8080, List.of("10.0.0.1"), List.of())).create();
        server.getClient().resource(Fixtures.route("ns", "chat", List.of(), "/", "chat", "80")).create();
        cache = new ClusterCache(server.getClient(), Optional.empty()).start(ClusterCache.Scope.FULL);
        writer = new StatusWriter(server.getClient(), cache, holding::get, null);
    }

    @AfterEach
    void stop() {
        writer.close();
        cache.close();
        server.after();
    }

    @Test
    void writesAChangedStatusOnceAndAnUnchangedOneNever() throws Exception {
        Translation pass = new Translator().translate(cache);
        writer.accept(pass);
        await().atMost(Duration.ofSeconds(20)).until(() -> cache.routes().get(0).getStatus() != null);
        WebSocketRoute written = cache.routes().get(0);
        assertThat(written.getStatus().endpoints).isEqualTo(1);
        assertThat(written.getStatus().conditions).extracting(c -> c.type).containsExactly("Accepted", "ResolvedRefs", "Ready");
        assertThat(statusWrites()).as("one request, the whole status").isEqualTo(1);

        for (Translation same : List.of(new Translator().translate(cache), pass)) { // the same cluster: the same status
            long looked = writer.looks();
            writer.accept(same);
            await().atMost(Duration.ofSeconds(20)).until(() -> writer.looks() > looked);
        }
        assertThat(statusWrites()).as("nothing changed, nothing written").isZero();
        assertThat(writer.writes()).isEqualTo(1);
    }

    @Test
    void withoutTheLeaseNothingIsWritten() throws Exception {
        holding.set(false);
        long looked = writer.looks();
        writer.accept(new Translator().translate(cache));
        await().atMost(Duration.ofSeconds(20)).until(() -> writer.looks() > looked);
        assertThat(statusWrites()).isZero();
        assertThat(cache.routes().get(0).getStatus()).isNull();

        holding.set(true);
        writer.leaseWon();
        await().atMost(Duration.ofSeconds(20)).until(() -> cache.routes().get(0).getStatus() != null);
        assertThat(statusWrites()).isEqualTo(1);
    }

    @Test
    void healthIsInTheStatusAndAFlappingEndpointIsWrittenOncePerHoldOff() throws Exception {
        WebSocketRoute checked = Fixtures.route("ns", "checked", List.of("checked.example.com"), "/", "chat", "80");
        checked.getSpec().rules.get(0).healthCheck = Fixtures.httpHealthCheck();
        server.getClient().resource(checked).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> cache.routes().size() == 2);
        Translation pass = new Translator().translate(cache);
        HealthRegistry health = new HealthRegistry(System::nanoTime); // no prober: the test plays the probes
        health.tableChanged(new TableBuilder(pass.table().endpoints(), TlsResolver.NONE).build(1, pass.table().routes(), p -> {
        }));
        writer.close();
        writer = new StatusWriter(server.getClient(), cache, holding::get, health);
        writer.accept(pass);
        await().atMost(Duration.ofSeconds(20)).until(() -> status("checked") != null && status("chat") != null);
        assertThat(endpoint("checked").healthy).isTrue();
        assertThat(status("checked").pools.get(0).failingOpen).isFalse();
        assertThat(endpoint("chat").healthy).as("no health checks, no health").isNull();
        assertThat(status("chat").pools.get(0).failingOpen).isNull();
        statusWrites();

        PoolHealth pool = health.pool(health.endpoints().get(0).rule()); // the only health-checked rule
        for (int i = 0; i <= 100; i++) { // flapping: 101 changes of state, ending unhealthy
            pool.probed("10.0.0.1:8080", i % 2 == 1, "flapping");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> Boolean.FALSE.equals(endpoint("checked").healthy));
        assertThat(status("checked").pools.get(0).failingOpen).as("its only endpoint is unhealthy").isTrue();
        assertThat(statusWrites()).as("the changes within a hold-off are written together").isBetween(1, 2);

        pool.probed("10.0.0.1:8080", true, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> Boolean.TRUE.equals(endpoint("checked").healthy));
        assertThat(status("checked").pools.get(0).failingOpen).isFalse();
    }

    private WebSocketRouteStatus status(String name) {
        return cache.routes().stream().filter(r -> r.getMetadata().getName().equals(name)).findFirst()
                .map(WebSocketRoute::getStatus).orElse(null);
    }

    private PoolStatus.EndpointStatus endpoint(String name) {
        WebSocketRouteStatus s = status(name);
        return s == null ? new PoolStatus.EndpointStatus() : s.pools.get(0).backends.get(0).endpoints.get(0);
    }

    private int statusWrites() throws InterruptedException {
        int n = 0;
        for (RecordedRequest r; (r = server.getKubernetesMockServer().takeRequest(1, TimeUnit.MILLISECONDS)) != null;) {
            if (("PUT".equals(r.getMethod()) || "PATCH".equals(r.getMethod())) && r.getPath().split("\\?")[0].endsWith("/status")) {
                n++;
            }
        }
        return n;
    }
}
