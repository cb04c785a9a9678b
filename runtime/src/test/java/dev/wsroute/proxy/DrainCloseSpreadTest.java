package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.lifecycle.LifecycleFixture;
import dev.wsroute.metrics.micrometer.MicrometerMeters;
import dev.wsroute.model.Lifecycle;
import dev.wsroute.model.RouteId;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.PoolId;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.tls.TlsResolver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * wsroute.drain.close-spread: the 50 sockets of a pod that leaves (or of a proxy that stops) get their Close 1001s
 * spread over the last part of the drain period instead of all at its end, so that 50 clients do not reconnect in the
 * same millisecond; never after the period's end; and without the setting, all exactly at the end, as ever. Before,
 * every draining socket got its Close at the period's end whatever was set. Time is each embedded event loop's, moved
 * by hand; the spreading registry's random source is seeded, so no run differs.
 */
class DrainCloseSpreadTest {
    private static final String A = "127.0.0.1:9001";
    private static final String B = "127.0.0.1:9002";
    private static final int SOCKETS = 50;
    private static final Duration PERIOD = Duration.ofSeconds(10);
    private static final Duration STEP = Duration.ofMillis(250);

    private final Transport transport = Transport.create(1, Transport.Kind.NIO);
    private final RouteTableHolder tables = new RouteTableHolder();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<EmbeddedChannel> clients = new ArrayList<>();
    /** The tunnels' upstreams: the proxy's Close frames to them wait in their outbound queues, released at the end. */
    private final List<EmbeddedChannel> upstreams = new ArrayList<>();
    private ProxyContext px;
    private long version;

    @AfterEach
    void stop() {
        clients.forEach(EmbeddedChannel::finishAndReleaseAll);
        upstreams.forEach(EmbeddedChannel::finishAndReleaseAll);
        transport.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    private void proxy(String closeSpread) {
        px = new ProxyContext(TestConfig.wsroute("wsroute.access-log.enabled", "false", "wsroute.drain.period", "10s",
                "wsroute.drain.close-spread", closeSpread), tables, new ProxyMetrics(new MicrometerMeters(registry)), () -> null,
                transport);
    }

    private void publish(String... endpoints) {
        RoutesDocuments.Parsed parsed = RoutesDocuments.parse("test",
                LifecycleFixture.route("", endpoints).getBytes(StandardCharsets.UTF_8));
        tables.publish(new TableBuilder(dev.wsroute.table.EndpointSource.STATIC, TlsResolver.NONE)
                .build(++version, parsed.routes(), p -> { }));
        clients.forEach(EmbeddedChannel::runPendingTasks); // what the swap handed to the tunnels' event loops
    }

    /** {@link #SOCKETS} tunnels on A, each on its own embedded loop, registered in {@code tunnels}. */
    private void open(TunnelRegistry tunnels) {
        publish(A, B);
        PoolId rule = tables.current().route(new RouteId("default", "chat")).rules().get(0).key();
        Tunnel.Context ctx = new Tunnel.Context(tunnels, px.dialer, px.metrics, px.accessLog);
        for (int i = 0; i < SOCKETS; i++) {
            EmbeddedChannel client = new EmbeddedChannel();
            client.freezeTime();
            clients.add(client);
            EmbeddedChannel upstream = new EmbeddedChannel();
            upstreams.add(upstream);
            tunnels.add(new Tunnel(client, upstream, rule, Endpoint.of("127.0.0.1", 9001, 1), ctx, null,
                    Lifecycle.NONE, System.nanoTime()));
        }
    }

    /** A registry on the same tables whose spread draws from a seeded source (the proxy's own draws at random). */
    private TunnelRegistry seeded(Duration spread) {
        SplittableRandom random = new SplittableRandom(19);
        return new TunnelRegistry(tables, new DrainSchedule(PERIOD, spread, b -> random.nextLong(b + 1)));
    }

    private void advance(Duration by) {
        for (EmbeddedChannel c : clients) {
            c.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
            c.runScheduledPendingTasks();
        }
    }

    private int drained() {
        Counter c = registry.find("wsroute.websocket.drained").counter();
        return c == null ? 0 : (int) c.count();
    }

    /** How many sockets got their drain's Close in each {@link #STEP} of the period, from its start to its end. */
    private int[] closesPerStep() {
        int steps = (int) (PERIOD.toNanos() / STEP.toNanos());
        int[] closes = new int[steps];
        for (int i = 0; i < steps; i++) {
            int before = drained();
            advance(STEP);
            closes[i] = drained() - before;
        }
        return closes;
    }

    private static int sum(int[] closes, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            n += closes[i];
        }
        return n;
    }

    @Test
    void withoutASpreadEverySocketOfALeavingPodGetsItsCloseExactlyAtThePeriodsEnd() {
        proxy("0s");
        open(px.tunnels);
        publish(B); // a leaves
        advance(PERIOD.minusMillis(1));
        assertThat(drained()).as("none before the period's end").isZero();
        advance(Duration.ofMillis(1));
        assertThat(drained()).as("all at once at its end").isEqualTo(SOCKETS);
    }

    @Test
    void aSpreadAsLongAsThePeriodSpreadsALeavingPodsClosesOverAllOfIt() {
        proxy("10s");
        open(seeded(PERIOD));
        publish(B);
        int[] closes = closesPerStep();
        assertThat(drained()).as("every socket drained by the period's end, none later").isEqualTo(SOCKETS);
        assertThat(sum(closes, 0, closes.length / 2)).as("some in the first half").isPositive();
        assertThat(sum(closes, closes.length / 2, closes.length)).as("some in the second half").isPositive();
        assertThat(closes).as("no step with every Close").doesNotContain(SOCKETS);
    }

    @Test
    void aShorterSpreadKeepsEverySocketOpenUntilThePeriodsLastPart() {
        proxy("4s");
        open(seeded(Duration.ofSeconds(4)));
        publish(B);
        int[] closes = closesPerStep(); // 40 steps of 250 ms: 6 s is step 24, 8 s step 32
        assertThat(sum(closes, 0, 24)).as("none in the first 6 s").isZero();
        assertThat(sum(closes, 24, 32)).as("some from 6 s to 8 s").isPositive();
        assertThat(sum(closes, 32, 40)).as("some from 8 s to 10 s").isPositive();
        assertThat(drained()).isEqualTo(SOCKETS);
    }

    @Test
    void theProxysOwnRegistryTakesTheSettingAndKeepsItsBounds() {
        proxy("4s");
        assertThat(px.tunnels.drains().spread()).isEqualTo(Duration.ofSeconds(4));
        open(px.tunnels);
        publish(B);
        advance(Duration.ofSeconds(6).minusMillis(1));
        assertThat(drained()).as("none before the period less the spread").isZero();
        advance(Duration.ofSeconds(4).plusMillis(1));
        assertThat(drained()).as("all by the period's end").isEqualTo(SOCKETS);
    }

    @Test
    void aSpreadLongerThanThePeriodIsThePeriod() {
        proxy("1m");
        assertThat(px.tunnels.drains().clamped()).isTrue();
        assertThat(px.tunnels.drains().spread()).isEqualTo(PERIOD);
        open(px.tunnels);
        publish(B);
        advance(PERIOD);
        assertThat(drained()).as("never after the period's end").isEqualTo(SOCKETS);
    }

    @Test
    void shutdownSpreadsItsClosesToo() {
        proxy("10s");
        TunnelRegistry tunnels = seeded(PERIOD);
        open(tunnels);
        tunnels.drainAll();
        clients.forEach(EmbeddedChannel::runPendingTasks);
        int[] closes = closesPerStep();
        assertThat(drained()).isEqualTo(SOCKETS);
        assertThat(sum(closes, 0, closes.length / 2)).as("some in the first half").isPositive();
        assertThat(sum(closes, closes.length / 2, closes.length)).as("some in the second half").isPositive();
    }

    @Test
    void aSpreadDrainIsCalledOffWhenTheEndpointComesBack() {
        proxy("4s");
        open(seeded(Duration.ofSeconds(4)));
        publish(B); // a not ready
        advance(Duration.ofSeconds(5)); // before the spread window opens
        publish(A, B); // ready again
        advance(Duration.ofSeconds(20));
        assertThat(drained()).as("the sockets stay").isZero();
    }

    @Test
    void aDrainAlreadyRunningKeepsItsClockWhenTheProxyStops() {
        proxy("4s");
        TunnelRegistry tunnels = new TunnelRegistry(tables, new DrainSchedule(PERIOD, Duration.ofSeconds(4), b -> b)); // 6 s
        open(tunnels);
        publish(B); // a leaves: each socket's Close due 6 s from now
        advance(Duration.ofSeconds(5));
        tunnels.drainAll(); // would be 6 s from now, 11 s after the first
        clients.forEach(EmbeddedChannel::runPendingTasks);
        advance(Duration.ofSeconds(1));
        assertThat(drained()).as("at 6 s from the first drain, not 6 s from the shutdown").isEqualTo(SOCKETS);
    }
}
