package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.micrometer.MicrometerMeters;
import dev.wsroute.model.RouteId;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.table.PoolId;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.testing.TestRoutes;
import dev.wsroute.tls.TlsResolver;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The per-request and per-close counters keep their names and labels, and once a label combination has been seen,
 * counting it again allocates nothing (the counters are cached by typed keys, not looked up by label lists).
 */
class ProxyMetricsTest {
    static final RouteId CHAT = new RouteId("default", "chat");

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final ProxyMetrics metrics = new ProxyMetrics(new MicrometerMeters(registry));

    @Test
    void closesRequestsAndUpgradesAreCountedUnderTheirLabels() {
        metrics.closed(CHAT, CloseInitiator.CLIENT, 1000, null, 1_000_000);
        metrics.closed(CHAT, CloseInitiator.CLIENT, 1000, null, 1_000_000);
        metrics.closed(CHAT, CloseInitiator.PROXY, 1001, CloseCause.IDLE, 1_000_000);
        metrics.closed(CHAT, CloseInitiator.PROXY, 1001, CloseCause.DRAIN, 1_000_000);
        metrics.closed(null, CloseInitiator.UPSTREAM, 1006, null, 1_000_000);
        metrics.httpRequest(CHAT, 200);
        metrics.httpRequest(CHAT, 200);
        metrics.httpRequest(null, 404);
        metrics.upgrade(CHAT, 101);
        metrics.upgrade(CHAT, 503);

        assertThat(closes("default/chat", "client", "1000", "")).isEqualTo(2);
        assertThat(closes("default/chat", "proxy", "1001", "idle")).isEqualTo(1);
        assertThat(closes("default/chat", "proxy", "1001", "drain")).isEqualTo(1);
        assertThat(closes("-", "upstream", "1006", "")).isEqualTo(1);
        assertThat(registry.get("wsroute.websocket.closes").counters()).hasSize(4);
        assertThat(registry.get("wsroute.websocket.session").tag("route", "default/chat").timer().count()).isEqualTo(4);
        assertThat(registry.get("wsroute.http.requests").tags("route", "default/chat", "status", "200").counter().count()).isEqualTo(2);
        assertThat(registry.get("wsroute.http.requests").tags("route", "-", "status", "404").counter().count()).isEqualTo(1);
        assertThat(registry.get("wsroute.websocket.upgrades").tags("route", "default/chat", "status", "101").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("wsroute.websocket.upgrades").tags("route", "default/chat", "status", "503").counter().count())
                .isEqualTo(1);
    }

    @Test
    void everyCloseCodeAPeerCanSendAddsABoundedNumberOfSeries() {
        for (int round = 0; round < 2; round++) { // the second round finds every code's counter again
            for (int code = 0; code <= 0xFFFF; code++) {
                metrics.closed(CHAT, CloseInitiator.CLIENT, code, null, 1_000);
            }
        }
        metrics.closed(CHAT, CloseInitiator.UPSTREAM, -1, null, 1_000); // no code at all: counted, as invalid

        assertThat(registry.get("wsroute.websocket.closes").counters())
                .as("1000-1015, the first 64 application codes, other (client); invalid (client and upstream)")
                .hasSize(16 + CloseCodeLabels.APPLICATION_CODES + 1 + 2);
        assertThat(closes("default/chat", "client", "1006", "")).isEqualTo(2);
        assertThat(closes("default/chat", "client", "3000", "")).isEqualTo(2);
        assertThat(closes("default/chat", "client", "3063", "")).isEqualTo(2);
        assertThat(closes("default/chat", "client", "other", "")).isEqualTo(2 * (2000 - CloseCodeLabels.APPLICATION_CODES));
        assertThat(closes("default/chat", "client", "invalid", "")).isEqualTo(2 * (65536 - 16 - 2000));
        assertThat(closes("default/chat", "upstream", "invalid", "")).isEqualTo(1);
    }

    @Test
    void aCloseOrRequestCountedBeforeAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        RouteId sameRoute = new RouteId("default", "chat"); // an equal id, as each tunnel holds its own
        countMany(sameRoute, 20_000); // first use makes the meters; then the JIT settles
        long before = threads.getCurrentThreadAllocatedBytes();
        countMany(sameRoute, 10_000);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // 10,000 rounds of 4 counts: a single small object per count would be hundreds of kilobytes
        assertThat(allocated).as("bytes allocated by 40,000 counts").isLessThan(4_096);
    }

    /** A table of one route, default/chat, or none. */
    private static RouteTable table(boolean withChat) {
        String yaml = withChat ? TestRoutes.wsAndHttp("chat", "/ws", "127.0.0.1:9") : "";
        return new TableBuilder(EndpointSource.STATIC, TlsResolver.NONE).build(1,
                RoutesDocuments.parse("test", yaml.getBytes(StandardCharsets.UTF_8)).routes(), p -> {
                });
    }

    private List<Meter> seriesOfChat() {
        return registry.getMeters().stream().filter(m -> "default/chat".equals(m.getId().getTag("route"))).toList();
    }

    @Test
    void aCountThatComesAfterItsRouteWentLeavesNoSeriesBehind() {
        RouteTable with = table(true);
        RouteTable without = table(false);
        metrics.swapped(RouteTable.empty(), with);
        metrics.httpRequest(CHAT, 200);
        metrics.swapped(with, without);
        assertThat(seriesOfChat()).isEmpty();

        metrics.httpRequest(CHAT, 200); // an exchange that began under the old table ends now
        metrics.upgrade(CHAT, 502);
        metrics.connectFailed(new PoolId.Http(CHAT), Endpoint.of("127.0.0.1", 9, 1));
        assertThat(seriesOfChat()).as("counted into series that go again at once").isEmpty();

        ProxyMetrics.RouteMeters held = metrics.tunnelOpened(CHAT); // an upgrade that completed after the removal
        metrics.upgraded(CHAT, 1_000);
        assertThat(registry.get("wsroute.websocket.active").tag("route", "default/chat").gauge().value()).isEqualTo(1);
        metrics.closed(CHAT, CloseInitiator.PROXY, 1001, CloseCause.DRAIN, 1_000);
        metrics.tunnelClosed(held);
        assertThat(seriesOfChat()).as("gone with its socket").isEmpty();

        metrics.swapped(without, with); // made again: new series from 0
        metrics.httpRequest(CHAT, 200);
        assertThat(registry.get("wsroute.http.requests").tags("route", "default/chat", "status", "200").counter().count())
                .isEqualTo(1);
    }

    @Test
    void countsRacingTheRemovalOfTheirRouteNeitherThrowNorKeepASeries() throws Exception {
        RouteTable with = table(true);
        RouteTable without = table(false);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService counters = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int status = 200 + t;
                running.add(counters.submit(() -> {
                    while (!stop.get()) {
                        metrics.httpRequest(CHAT, status);
                        metrics.closed(CHAT, CloseInitiator.CLIENT, 3000 + status, null, 1);
                        metrics.tunnelClosed(metrics.tunnelOpened(CHAT));
                    }
                }));
            }
            RouteTable current = RouteTable.empty();
            for (int i = 0; i < 2_000; i++) {
                RouteTable next = i % 2 == 0 ? with : without;
                metrics.swapped(current, next);
                current = next;
            }
            stop.set(true);
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS); // rethrows what a counting thread threw
            }
            assertThat(current).isSameAs(without);
        } finally {
            counters.shutdownNow();
        }
        assertThat(seriesOfChat()).as("the route is gone and nothing counts in it").isEmpty();
    }

    private void countMany(RouteId route, int rounds) {
        for (int i = 0; i < rounds; i++) {
            metrics.closed(route, CloseInitiator.CLIENT, 1000, null, 1_000);
            metrics.closed(route, CloseInitiator.PROXY, 1001, CloseCause.IDLE, 1_000);
            metrics.httpRequest(route, 200);
            metrics.upgrade(null, 404);
        }
    }

    private double closes(String route, String by, String code, String reason) {
        return registry.get("wsroute.websocket.closes").tags("route", route, "by", by, "code", code, "reason", reason).counter()
                .count();
    }
}
