package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.lifecycle.LifecycleFixture;
import dev.wsroute.metrics.micrometer.MicrometerMeters;
import dev.wsroute.model.Lifecycle;
import dev.wsroute.model.RouteId;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.PoolId;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.tls.TlsResolver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * The drain clock of a socket whose endpoint leaves, comes back and leaves again (a readiness probe that flaps, a
 * Service port renamed before its slices follow, then the pod terminating): the second removal gets a full drain
 * period of its own. Time is the embedded event loop's, moved by hand.
 */
class DrainClockTest {
    private static final String A = "127.0.0.1:9001";
    private static final String B = "127.0.0.1:9002";

    private final Transport transport = Transport.create(1, Transport.Kind.NIO);
    private final RouteTableHolder tables = new RouteTableHolder();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ProxyContext px = new ProxyContext(TestConfig.wsroute("wsroute.access-log.enabled", "false",
            "wsroute.drain.period", "10s"), tables, new ProxyMetrics(new MicrometerMeters(registry)), () -> null, transport);
    private final EmbeddedChannel client = new EmbeddedChannel();
    /** The tunnel's upstream: the proxy's Close frames to it wait in its outbound queue, released at the end. */
    private final EmbeddedChannel upstream = new EmbeddedChannel();
    private long version;

    @AfterEach
    void stop() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
        transport.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    private void publish(String... endpoints) {
        RoutesDocuments.Parsed parsed = RoutesDocuments.parse("test",
                LifecycleFixture.route("", endpoints).getBytes(StandardCharsets.UTF_8));
        tables.publish(new TableBuilder(dev.wsroute.table.EndpointSource.STATIC, TlsResolver.NONE)
                .build(++version, parsed.routes(), p -> { }));
        client.runPendingTasks(); // what the swap handed to the tunnel's event loop
    }

    private double drained() {
        Counter c = registry.find("wsroute.websocket.drained").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void anEndpointThatComesBackAndGoesAgainGetsAFullDrainPeriodFromItsSecondRemoval() {
        client.freezeTime();
        publish(A, B);
        PoolId rule = tables.current().route(new RouteId("default", "chat")).rules().get(0).key();
        Tunnel onA = new Tunnel(client, upstream, rule, Endpoint.of("127.0.0.1", 9001, 1), px.tunnelContext, null,
                Lifecycle.NONE, System.nanoTime());
        px.tunnels.add(onA);

        publish(B); // a not ready: its drain clock starts
        client.advanceTimeBy(6, TimeUnit.SECONDS);
        publish(A, B); // ready again
        publish(B); // and gone for good (terminating)
        client.advanceTimeBy(6, TimeUnit.SECONDS); // 12 s after the first removal, 6 s after the second
        client.runScheduledPendingTasks();
        assertThat(drained()).as("not cut 6 s into its 10 s drain").isZero();

        client.advanceTimeBy(5, TimeUnit.SECONDS);
        client.runScheduledPendingTasks();
        assertThat(drained()).as("drained 11 s after the second removal").isEqualTo(1);
    }

    @Test
    void shutdownDuringADrainDrainsEvenWhenTheEndpointComesBack() {
        client.freezeTime();
        publish(A, B);
        PoolId rule = tables.current().route(new RouteId("default", "chat")).rules().get(0).key();
        Tunnel onA = new Tunnel(client, upstream, rule, Endpoint.of("127.0.0.1", 9001, 1), px.tunnelContext, null,
                Lifecycle.NONE, System.nanoTime());
        px.tunnels.add(onA);

        publish(B); // a not ready: its drain clock starts
        px.tunnels.drainAll(); // shutdown
        client.runPendingTasks();
        publish(A, B); // a ready again while the proxy shuts down
        client.advanceTimeBy(11, TimeUnit.SECONDS);
        client.runScheduledPendingTasks();
        assertThat(drained()).as("shutdown closes it whatever the table says").isEqualTo(1);
    }
}
