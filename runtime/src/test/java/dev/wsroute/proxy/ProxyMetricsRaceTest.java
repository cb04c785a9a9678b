package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.micrometer.MicrometerMeters;
import dev.wsroute.model.RouteId;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.testing.TestRoutes;
import dev.wsroute.tls.TlsResolver;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The route and endpoint series of open WebSockets under table swaps: two threads open and close tunnels (in
 * {@link Tunnel}'s order: route, then endpoint; endpoint closed first) while swaps move the route's endpoint and remove
 * the route. A held series is always the one in the map (never removed with a socket counted in it) and nothing is
 * left behind. Fails with the removal's check not atomic with the close, or a closed count taken again.
 */
class ProxyMetricsRaceTest {
    static final RouteId CHAT = new RouteId("default", "chat");
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final ProxyMetrics metrics = new ProxyMetrics(new MicrometerMeters(registry));

    private static RouteTable table(String endpoint) {
        String yaml = endpoint == null ? "" : TestRoutes.wsAndHttp("chat", "/ws", endpoint);
        return new TableBuilder(EndpointSource.STATIC, TlsResolver.NONE).build(1,
                RoutesDocuments.parse("test", yaml.getBytes(StandardCharsets.UTF_8)).routes(), p -> {
                });
    }

    private List<Meter> seriesOfChat() {
        return registry.getMeters().stream().filter(m -> "default/chat".equals(m.getId().getTag("route"))).toList();
    }

    @Test
    void heldSeriesAreNeverRemovedAndNothingIsLeftBehind() throws Exception {
        RouteTable[] tables = {table("127.0.0.1:9"), table("127.0.0.1:10"), table(null)};
        String[] endpoints = {"127.0.0.1:9", "127.0.0.1:10"};
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        RouteTable current = RouteTable.empty();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                running.add(threads.submit(() -> {
                    while (!stop.get()) {
                        String ep = endpoints[ThreadLocalRandom.current().nextInt(2)];
                        ProxyMetrics.RouteMeters m = metrics.tunnelOpened(CHAT);
                        ProxyMetrics.RouteMeters.EndpointGauge g = m.endpointOpened(ep, ThreadLocalRandom.current().nextBoolean());
                        assertThat(metrics.current(CHAT)).as("held route meters in the map").isSameAs(m);
                        assertThat(m.current(ep)).as("held endpoint gauge in the map").isSameAs(g);
                        assertThat(m.active.count()).isBetween(1, 2);
                        assertThat(g.open.count()).isBetween(1, 2);
                        m.endpointClosed(ep, g);
                        metrics.closed(CHAT, CloseInitiator.CLIENT, 1000, null, 1);
                        metrics.tunnelClosed(m);
                    }
                }));
            }
            for (int i = 0; i < 200_000; i++) {
                RouteTable next = tables[ThreadLocalRandom.current().nextInt(3)];
                metrics.swapped(current, next);
                current = next;
            }
            stop.set(true);
            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        metrics.swapped(current, tables[0]);
        metrics.swapped(tables[0], tables[1]);
        assertThat(registry.find("wsroute.endpoint.active").tags("route", "default/chat", "endpoint", "127.0.0.1:9").gauge())
                .as("unlisted, unheld endpoint series gone").isNull();
        metrics.swapped(tables[1], tables[2]);
        assertThat(seriesOfChat()).as("route gone, nothing held").isEmpty();
    }
}
