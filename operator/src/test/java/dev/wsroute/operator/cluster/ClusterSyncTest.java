package dev.wsroute.operator.cluster;

import static dev.wsroute.operator.cluster.Fixtures.route;
import static dev.wsroute.operator.cluster.Fixtures.service;
import static dev.wsroute.operator.cluster.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.model.RouteId;
import dev.wsroute.operator.translate.BackendResolver;
import dev.wsroute.operator.translate.ServiceResolver;
import dev.wsroute.operator.translate.Translation;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;

/** The pass loop: endpoint churn stays local, a failing pass keeps the last table, statuses come with every pass. */
class ClusterSyncTest {
    private final MutableView view = new MutableView();
    private final RouteTableHolder holder = new RouteTableHolder();
    private final AtomicBoolean broken = new AtomicBoolean();
    private final AtomicReference<Translation> statuses = new AtomicReference<>();
    private ClusterSync sync;

    @AfterEach
    void close() {
        sync.close();
    }

    @Test
    void aSliceChangeReResolvesOnlyItsOwnService() {
        for (int i = 0; i < 10; i++) {
            view.put(service("ns", "svc" + i, 80, "ws"))
                    .put(slice("ns", "svc" + i, "svc" + i, "ws", 8080, List.of("10.0.0." + i), List.of()))
                    .put(route("ns", "r" + i, List.of("h" + i + ".example.com"), "/", "svc" + i, "80"));
        }
        sync = start();
        assertThat(sync.resolutions()).isEqualTo(10);
        assertThat(endpoints("r3")).containsExactly("10.0.0.3:8080");

        view.put(slice("ns", "svc3", "svc3", "ws", 8080, List.of("10.0.0.3", "10.0.1.3"), List.of()));
        sync.serviceChanged("ns", "svc3");

        await().atMost(Duration.ofSeconds(30)).until(() -> endpoints("r3").size() == 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> readyInStatus("r3") == 2); // the same pass made both
        assertThat(readyInStatus("r4")).isEqualTo(1);
        assertThat(sync.resolutions()).as("only svc3 was resolved again").isEqualTo(11);
        assertThat(endpoints("r4")).containsExactly("10.0.0.4:8080");
    }

    @Test
    void aFailingRebuildKeepsTheLastTable() {
        view.put(service("ns", "svc", 80, "ws"))
                .put(slice("ns", "svc", "svc", "ws", 8080, List.of("10.0.0.1"), List.of()))
                .put(route("ns", "r", List.of(), "/", "svc", "80"));
        sync = start();
        long good = holder.current().version();

        broken.set(true);
        view.put(slice("ns", "svc", "svc", "ws", 8080, List.of(), List.of()));
        sync.serviceChanged("ns", "svc");
        sync.rebuildNow(); // runs after the scheduled rebuild on the same thread

        assertThat(holder.current().version()).isEqualTo(good);
        assertThat(endpoints("r")).containsExactly("10.0.0.1:8080");

        broken.set(false);
        sync.serviceChanged("ns", "svc");
        await().atMost(Duration.ofSeconds(30)).until(() -> endpoints("r").isEmpty());
        assertThat(holder.current().version()).isGreaterThan(good);
    }

    private ClusterSync start() {
        Translator translator = new Translator(new ValidationCache());
        Function<BackendResolver, Translation> pass = resolver -> {
            if (broken.get()) {
                throw new IllegalStateException("simulated bug");
            }
            return translator.translate(view, resolver);
        };
        ClusterSync s = new ClusterSync(pass, new CachingResolver(new ServiceResolver(view)), holder,
                () -> TlsResolver.NONE, statuses::set, Duration.ofMillis(5), false);
        s.rebuildNow();
        return s;
    }

    private int readyInStatus(String route) {
        return statuses.get().statuses().get(new RouteId("ns", route)).readyEndpoints();
    }

    private List<String> endpoints(String route) {
        CompiledRoute r = holder.current().route(new RouteId("ns", route));
        return r == null ? List.of() : r.rules().get(0).pool().endpoints().stream().map(Endpoint::key).sorted().toList();
    }
}
