package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.wsroute.lifecycle.BriefSessions;
import dev.wsroute.lifecycle.LifecycleFixture;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.tls.TlsResolver;

/**
 * What rebalancing costs while nothing needs it, on a hand-driven clock: the open tunnels are counted once a second
 * while every rule is balanced (not on each 100 ms tick), at once after a new table, and never when no rule has
 * {@code rebalance}. (Shedding itself, at the 100 ms pace, is RebalanceTest's.)
 */
class RebalancerCadenceTest {
    private static final long MS = 1_000_000L;
    private final RouteTableHolder tables = new RouteTableHolder();
    private final Rebalancer rebalancer = new Rebalancer(new TunnelRegistry(tables, new DrainSchedule(Duration.ZERO, Duration.ZERO)),
            new UpstreamDialer(null, null, null, null, null), new BriefSessions(System::nanoTime));
    private long version;

    private void publish(String ruleBody) {
        String yaml = LifecycleFixture.route(ruleBody, "127.0.0.1:9001", "127.0.0.1:9002");
        RoutesDocuments.Parsed parsed = RoutesDocuments.parse("test.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        assertThat(parsed.errors()).isEmpty();
        RouteTable table = new TableBuilder(EndpointSource.STATIC, TlsResolver.NONE).build(++version, parsed.routes(), p -> {
        });
        tables.publish(table);
    }

    @Test
    void aBalancedPoolIsCountedOnceASecondAndAtOnceAfterANewTable() {
        publish("rebalance: {tolerance: 20, maxClosesPerSecond: 20}");
        for (long t = 0; t < 1000; t += Rebalancer.TICK_MILLIS) {
            rebalancer.tick(t * MS);
        }
        assertThat(rebalancer.counts()).as("ten ticks within the first second").isEqualTo(1);
        rebalancer.tick(1000 * MS);
        assertThat(rebalancer.counts()).isEqualTo(2);

        publish("rebalance: {tolerance: 10, maxClosesPerSecond: 20}");
        rebalancer.tick(1100 * MS);
        assertThat(rebalancer.counts()).as("a new table is looked at at once").isEqualTo(3);

        publish("maxMessageSize: 1Mi");
        for (long t = 1200; t < 5000; t += Rebalancer.TICK_MILLIS) {
            rebalancer.tick(t * MS);
        }
        assertThat(rebalancer.counts()).as("no rule with rebalance: nothing counted").isEqualTo(3);
    }
}
