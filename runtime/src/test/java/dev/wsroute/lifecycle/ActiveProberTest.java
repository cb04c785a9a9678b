package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RuleKey;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.testing.RawUpstream;
import dev.wsroute.tls.TlsResolver;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/** Route tables drive the probes; real servers pass or fail them; the pool's health follows. */
class ActiveProberTest {
    /** The key of the one rule of {@link #table}, whatever its endpoints and check. */
    private static final RuleKey RULE = (RuleKey) table("{type: TCP}", "127.0.0.1:1").routes().get(0).rules().get(0).key();
    private NioEventLoopGroup group;
    private Vertx vertx;
    private HealthRegistry registry;
    private ActiveProber prober;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void start() {
        group = new NioEventLoopGroup(2);
        vertx = Vertx.vertx();
        registry = new HealthRegistry(System::nanoTime);
    }

    private ActiveProber prober(int maxInFlight) {
        prober = new ActiveProber(new Bootstrap().channel(NioSocketChannel.class), group, maxInFlight, registry::pool);
        registry.useProber(prober);
        return prober;
    }

    @AfterEach
    void stop() throws Exception {
        if (prober != null) {
            prober.close();
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().join();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private String server(boolean webSockets) throws Exception {
        HttpServer s = vertx.createHttpServer();
        if (webSockets) {
            s.webSocketHandler(ws -> ws.handler(ws::write));
        }
        s = s.requestHandler(r -> r.response().end("ok")).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        return "127.0.0.1:" + s.actualPort();
    }

    private static RouteTable table(String check, String... endpoints) {
        String yaml = """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat, namespace: default}
                spec:
                  rules:
                    - healthCheck: {active: %s}
                      backends: [{endpoints: [%s]}]
                """.formatted(check, "\"" + String.join("\", \"", endpoints) + "\"");
        RoutesDocuments.Parsed parsed = RoutesDocuments.parse("test", yaml.getBytes(StandardCharsets.UTF_8));
        assertThat(parsed.errors()).isEmpty();
        return new TableBuilder(EndpointSource.STATIC, TlsResolver.NONE).build(1, parsed.routes(), p -> {
        });
    }

    @Test
    void anEndpointThatFailsTheWebSocketProbeWhileTcpAcceptsGoesUnhealthyAndComesBackWhenTheCheckIsTcp() throws Exception {
        String good = server(true);
        String noWs = server(false);
        prober(16);
        // 3 s to answer a probe: the healthy endpoint must stay healthy even on a loaded machine (1 s once flaked at load 28)
        registry.tableChanged(table("{type: WebSocket, path: /healthz, interval: 3s, timeout: 3s, healthyThreshold: 1,"
                + " unhealthyThreshold: 2}", good, noWs));
        await().atMost(Duration.ofSeconds(20)).until(() -> !registry.pool(RULE).available(noWs));
        assertThat(registry.pool(RULE).available(good)).isTrue();
        assertThat(registry.endpoints()).extracting(EndpointView::healthy).containsExactlyInAnyOrder(true, false);

        registry.tableChanged(table("{type: TCP, interval: 3s, timeout: 3s, healthyThreshold: 1}", good, noWs));
        await().atMost(Duration.ofSeconds(20)).until(() -> registry.pool(RULE).available(noWs));
    }

    @Test
    void anEndpointThatStopsListeningGoesUnhealthy() throws Exception {
        String good = server(true);
        String refused = RawUpstream.refusedEndpoint();
        prober(16);
        registry.tableChanged(table("{type: HTTP, path: /, interval: 3s, timeout: 3s, unhealthyThreshold: 1}", good, refused));
        await().atMost(Duration.ofSeconds(20)).until(() -> !registry.pool(RULE).available(refused));
        assertThat(registry.pool(RULE).available(good)).isTrue();
    }

    @Test
    void probesInFlightStayWithinTheBound() throws Exception {
        List<String> hanging = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            RawUpstream silent = new RawUpstream(RawUpstream.Mode.SILENT);
            closeables.add(silent);
            hanging.add(silent.endpoint());
        }
        ActiveProber p = prober(3);
        registry.tableChanged(table("{type: HTTP, path: /, interval: 200ms, timeout: 200ms}", hanging.toArray(String[]::new)));
        await().atMost(Duration.ofSeconds(20)).until(() -> p.skipped() > 10 && p.probes() > 10);
        assertThat(p.mostInFlight()).isLessThanOrEqualTo(3);
    }

    /**
     * A probe that is still out when the next round is due (an endpoint that takes the connection and never answers,
     * with a timeout as long as the interval, as the validator allows; or rounds caught up after a stalled loop): the
     * next one waits for it. Run at a fixed rate, the next went out beside it, so one endpoint had two (after a
     * stall, several) probes out at once, and their failures all landed together, passing unhealthyThreshold at once.
     */
    @Test
    void anEndpointHasOneProbeOutAtATime() throws Exception {
        RawUpstream silent = new RawUpstream(RawUpstream.Mode.SILENT);
        closeables.add(silent);
        ActiveProber p = prober(16);
        registry.tableChanged(table("{type: HTTP, path: /, interval: 100ms, timeout: 100ms}", silent.endpoint()));
        await().atMost(Duration.ofSeconds(20)).until(() -> silent.accepted.get() >= 6);
        assertThat(p.mostInFlight()).isEqualTo(1);
    }

    /**
     * A probe that cannot start (here the bootstrap has no channel to make; in a packaged app at the open-files limit,
     * a class that could not be loaded) is wsroute's failure, not the endpoint's: the rounds go on, and it gives its
     * place among the probes in flight back. Before, the endpoint was never probed again and the place stayed taken.
     */
    @Test
    void aProbeThatCannotStartLeavesTheRoundsGoingOn() throws Exception {
        prober = new ActiveProber(new Bootstrap(), group, 1, registry::pool); // no channel: connect() throws
        registry.useProber(prober);
        registry.tableChanged(table("{type: TCP, interval: 100ms, timeout: 100ms}", "127.0.0.1:1"));
        await().atMost(Duration.ofSeconds(20)).until(() -> prober.probes() >= 5);
        assertThat(prober.skipped()).as("rounds skipped for want of a place among the probes in flight").isZero();
        assertThat(registry.pool(RULE).available("127.0.0.1:1")).as("neither a pass nor a failure").isTrue();
    }

    /**
     * An endpoint that flaps: its n-th probe passes or fails as {@code script} says (then passes for good). With
     * unhealthyThreshold 3 and healthyThreshold 2 it goes unhealthy on the 6th probe (the pass at the 3rd breaks the
     * first run) and healthy again on the 10th (the failure at the 8th breaks the first run of passes), exactly.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"HTTP", "WebSocket"})
    void aFlappingEndpointChangesStateExactlyAtItsThresholds(String type) throws Exception {
        String script = "FFPFFFPFPP";
        java.util.concurrent.atomic.AtomicInteger probed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.function.IntPredicate passes = n -> n > script.length() || script.charAt(n - 1) == 'P';
        HttpServer s = vertx.createHttpServer().webSocketHandler(ws -> {
            if (passes.test(probed.incrementAndGet())) {
                ws.handler(ws::write);
            } else {
                ws.reject(500);
            }
        }).requestHandler(r -> r.response().setStatusCode(passes.test(probed.incrementAndGet()) ? 200 : 500).end())
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        String flapping = "127.0.0.1:" + s.actualPort();
        List<String> changes = new java.util.concurrent.CopyOnWriteArrayList<>();
        registry.addListener(new HealthListener() {
            @Override
            public void healthChanged(RuleKey rule, String endpoint, boolean healthy, String why) {
                changes.add((healthy ? "healthy at " : "unhealthy at ") + probed.get());
            }
        });
        prober(16);
        // 2 s to answer: a local server answers in milliseconds, but one slow answer (a busy machine) would move the count
        registry.tableChanged(table("{type: %s, path: /health, interval: 2s, timeout: 2s, healthyThreshold: 2, unhealthyThreshold: 3}"
                .formatted(type), flapping));
        await().atMost(Duration.ofSeconds(120)).until(() -> changes.size() >= 2);
        assertThat(changes).containsExactly("unhealthy at 6", "healthy at 10");
    }

    @Test
    void aRuleThatLosesItsHealthCheckIsNoLongerProbed() throws Exception {
        String good = server(true);
        ActiveProber p = prober(16);
        registry.tableChanged(table("{type: TCP, interval: 100ms, timeout: 100ms}", good));
        await().atMost(Duration.ofSeconds(20)).until(() -> p.probes() >= 3);
        RoutesDocuments.Parsed plain = RoutesDocuments.parse("test", """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat, namespace: default}
                spec:
                  rules: [{backends: [{endpoints: ["%s"]}]}]
                """.formatted(good).getBytes(StandardCharsets.UTF_8));
        registry.tableChanged(new TableBuilder(EndpointSource.STATIC, TlsResolver.NONE).build(2, plain.routes(), x -> {
        }));
        assertThat(registry.pool(RULE)).isNull();
        assertThat(registry.endpoints()).isEmpty();
        assertThat(p.scheduled()).isZero();
    }
}
