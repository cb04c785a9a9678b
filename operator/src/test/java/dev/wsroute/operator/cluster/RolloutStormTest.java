package dev.wsroute.operator.cluster;

import static dev.wsroute.operator.cluster.Fixtures.route;
import static dev.wsroute.operator.cluster.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.api.PassiveHealthCheckSpec;
import dev.wsroute.api.PoolStatus;
import dev.wsroute.api.RebalanceSpec;
import dev.wsroute.api.RouteCondition;
import dev.wsroute.api.RuleSpec;
import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Resources;
import dev.wsroute.runtime.WsRouteRuntime;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.EchoBackend;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.http.HttpServerOptions;

/**
 * A {@code kubectl rollout restart} of a three-pod backend Deployment as an operator meets it, through the real
 * informers (mock API server, CRUD), the real data plane and real echo pods (127.0.0.1, .2, ... on one port, in one
 * EndpointSlice, as a Deployment's pods are), with {@value #CLIENTS} JDK WebSocket clients that reconnect the moment
 * their socket closes (the reconnect storm of a drain) and keep chatting meanwhile. Rolled with a surge (new pod
 * ready, then the old one terminating, then gone), with maxSurge 0 (the old pod terminating before its replacement is
 * ready; the rule health-checked, active and passive, and rebalanced), and with a pod killed outright (its sockets
 * reset) in the middle. Counted, never timed: upgrades refused,
 * sockets cut without Close 1001, sockets left on a pod when it leaves its slice, upgrades a terminating pod got,
 * messages lost on sockets that were not drained, tables listing a pod after it left the pool, and the route's Ready
 * condition at every status write.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = RegisterCrd.class)
class RolloutStormTest {
    private static final Duration WAIT = Duration.ofSeconds(60); // a bound against a hang on a loaded machine
    private static final int CLIENTS = 90;
    private static final String NS = "storm";
    private static final RouteId ROUTE = new RouteId(NS, "echo");
    /** The test running now, for the table listener (registered once: the holder outlives the tests). */
    private static volatile RolloutStormTest running;
    private static final AtomicInteger LISTENERS = new AtomicInteger();

    @Inject
    KubernetesClient client;
    @Inject
    RouteTableHolder holder;
    @Inject
    WsRouteRuntime runtime;
    @Inject
    MeterRegistry registry;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private final List<Pod> pods = new CopyOnWriteArrayList<>();
    /** The slice as the controller has it: every listed pod and its state, in order. */
    private final Map<Pod, State> slice = new LinkedHashMap<>();
    private int port;
    private int nextIp = 1;
    private volatile boolean reconnecting = true;

    // what is counted
    private final Map<Integer, AtomicInteger> refused = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> closes = new ConcurrentHashMap<>();
    private final AtomicInteger cutWithoutClose = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final Map<String, Integer> leftOnRemovedPod = new TreeMap<>();
    private final Map<String, Integer> upgradesWhileTerminating = new TreeMap<>();
    /** Endpoints that left the pool; a later table listing one again is stale. */
    private final Set<String> leftPool = ConcurrentHashMap.newKeySet();
    private final List<String> staleTables = new CopyOnWriteArrayList<>();
    private final List<String> readyConditions = new CopyOnWriteArrayList<>();
    private Watch watch;
    /** What the rule says besides its match and backend. */
    private Consumer<RuleSpec> rule = r -> {
    };
    private double drainsCountedBefore;
    private double upstreamClosesCountedBefore;
    private double rebalancesCountedBefore;

    enum State {
        NOT_READY, READY, TERMINATING, STOPPED_SERVING
    }

    @BeforeEach
    void start() {
        running = this;
        if (LISTENERS.getAndIncrement() == 0) {
            holder.onSwap((old, fresh) -> {
                RolloutStormTest t = running;
                if (t != null) {
                    t.swapped(fresh);
                }
            });
        }
    }

    @AfterEach
    void stop() {
        running = null;
        reconnecting = false;
        timers.shutdownNow();
        clients.forEach(Client::abort);
        if (watch != null) {
            watch.close();
        }
        for (Pod p : pods) {
            try {
                p.stop();
            } catch (RuntimeException e) {
                System.out.println("stopping " + p.name + ": " + e);
            }
        }
        client.resources(WebSocketRoute.class).inNamespace(NS).delete();
        client.resources(EndpointSlice.class).inNamespace(NS).delete();
        client.services().inNamespace(NS).delete();
        await().atMost(WAIT).until(() -> holder.current().route(ROUTE) == null);
    }

    @Test
    void aSurgeRolloutUnderAReconnectStormCutsNothingButDrains() throws Exception {
        List<Pod> old = deploy();
        for (Pod leaving : old) {
            Pod fresh = pod("new");
            write(fresh, State.NOT_READY);
            write(fresh, State.READY);
            settle();
            terminate(leaving);
            retire(leaving);
        }
        assertRolloutClean(old.size());
    }

    @Test
    void aRolloutWithoutSurgeOfAHealthCheckedRebalancedRuleCutsNothingButDrainsAndRebalances() throws Exception {
        rule = RolloutStormTest::healthCheckedAndRebalanced;
        List<Pod> old = deploy();
        for (Pod leaving : old) {
            // not settled: the next pod turns terminating while the last one's clients are still reconnecting
            Pod fresh = pod("new");
            terminate(leaving); // maxSurge 0, maxUnavailable 1: the old pod goes first
            write(fresh, State.NOT_READY);
            write(fresh, State.READY);
            retire(leaving);
        }
        assertRolloutClean(old.size());
    }

    @Test
    void aPodKilledMidRolloutCutsOnlyItsOwnSocketsWith1011AndNoUpgradeFails() throws Exception {
        rule = RolloutStormTest::healthCheckedAndRebalanced;
        List<Pod> old = deploy();
        Pod first = old.get(0);
        Pod fresh = pod("new");
        write(fresh, State.NOT_READY);
        write(fresh, State.READY);
        settle();
        terminate(first);
        retire(first);

        // the third old pod's process is killed (its sockets reset) while the slice still lists it ready
        Pod killed = old.get(2);
        settle();
        int onKilled = clientsOn(killed);
        assertThat(onKilled).as("sockets on the pod to kill").isPositive();
        killed.stop();
        await().atMost(WAIT).until(() -> count(closes, 1011) + cutWithoutClose.get() >= onKilled);
        settle(); // they reconnected: dials to the dead pod are refused and go on to the others
        await().atMost(WAIT).until(() -> statusHealthy(killed) == Boolean.FALSE); // its checks and its 1011s tell
        write(killed, State.NOT_READY); // the kubelet notices
        for (Pod leaving : old.subList(1, 3)) {
            Pod next = pod("new");
            write(next, State.NOT_READY);
            write(next, State.READY);
            settle();
            terminate(leaving);
            retire(leaving);
        }
        report();
        assertThat(refused).as("upgrades refused, by status (-1: no answer)").isEmpty();
        assertThat(cutWithoutClose.get()).as("sockets cut without a Close frame").isZero();
        assertThat(closesOtherThan(1001, 1011, 1012)).as("closes other than drains, rebalancing and the killed pod's").isEmpty();
        assertThat(count(closes, 1011)).as("the killed pod's sockets, each told 1011").isEqualTo(onKilled);
        assertCommon(old.size());
    }

    /**
     * Every old pod deleted at once (maxUnavailable 100 %, a Recreate that keeps serving through its grace period): while
     * no new pod is ready, the storm is served by the terminating pods that still serve (KEP-1669 fallback; their
     * sockets drain again), never refused, and Ready stays True (TerminatingEndpointsOnly) until the new pods are ready.
     */
    @Test
    void everyPodTerminatingAtOnceServesTheStormFromTheTerminatingPodsUntilNewOnesAreReady() throws Exception {
        List<Pod> old = deploy();
        List<Pod> fresh = List.of(pod("new"), pod("new"), pod("new"));
        synchronized (slice) {
            old.forEach(p -> slice.put(p, State.TERMINATING));
            fresh.forEach(p -> slice.put(p, State.NOT_READY));
        }
        client.resource(sliceObject()).update();
        await().atMost(WAIT).until(() -> pool().equals(old.stream().map(Pod::key).sorted().toList())); // the fallback
        int drained = count(closes, 1001);
        await().atMost(WAIT).until(() -> count(closes, 1001) >= drained + CLIENTS); // each socket drained once
        settle(); // and back, on the terminating pods
        for (Pod p : fresh) {
            write(p, State.READY);
        }
        for (Pod p : old) {
            retire(p);
        }
        assertRolloutClean(old.size());
        assertThat(readyConditions).as("the fallback shown").anyMatch(c -> c.equals("True TerminatingEndpointsOnly"));
    }

    /**
     * A pod that hangs (takes connections, answers no upgrade) and then dies while a drain's storm waits on it: as the
     * README says, each upgrade it took and never answered gets 502 (not retried elsewhere: the request went out), no
     * client is left waiting, and their next attempts land on the live pods.
     */
    @Test
    void upgradesInFlightOnAPodThatDiesGet502AndTheirRetriesLandElsewhere() throws Exception {
        List<Pod> old = deploy();
        Pod hung = new ChildPod("hung-" + nextIp, "127.0.0." + nextIp++, port, "hold");
        pods.add(hung);
        write(hung, State.READY);
        terminate(old.get(0)); // its 40 clients reconnect: LeastConnections sends them to the idle pod
        await().atMost(WAIT).until(() -> clientsOn(old.get(0)) == 0 && hung.upgrades() >= 10);
        hung.stop();
        settle();
        report();
        assertThat(refused).as("upgrades refused: those waiting on the pod that died").containsOnlyKeys(502);
        assertThat(count(refused, 502)).as("one for each upgrade the pod took").isEqualTo(hung.upgrades());
        assertThat(cutWithoutClose.get()).isZero();
        assertThat(closesOtherThan(1001)).isEmpty();
    }

    /** Active HTTP checks, passive checks and rebalancing on: what they do must not turn a rollout into cuts. */
    private static void healthCheckedAndRebalanced(RuleSpec r) {
        r.healthCheck = Fixtures.httpHealthCheck();
        r.healthCheck.passive = new PassiveHealthCheckSpec();
        r.healthCheck.passive.consecutiveFailures = 3;
        r.healthCheck.passive.baseEjectionTime = "30s";
        r.rebalance = new RebalanceSpec();
        r.rebalance.tolerance = 20;
        r.rebalance.maxClosesPerSecond = 50;
    }

    // ---- the rollout's steps

    /** Service, route and three ready pods; every client connected and answered. */
    private List<Pod> deploy() throws Exception {
        List<Pod> old = new ArrayList<>();
        old.add(pod("old"));
        old.add(pod("old"));
        old.add(new ChildPod("old-" + (nextIp), "127.0.0." + nextIp++, port)); // a process of its own, to kill
        pods.add(old.get(2));
        client.resource(service(NS, "echo", 80, "ws")).create();
        synchronized (slice) {
            old.forEach(p -> slice.put(p, State.READY));
        }
        client.resource(sliceObject()).create();
        WebSocketRoute r = route(NS, "echo", List.of(), "/ws", "echo", "80");
        rule.accept(r.getSpec().rules.get(0));
        client.resource(r).create();
        await().atMost(WAIT).until(() -> pool().equals(expectedPool()));
        // the route's first status may predate the informers' first look at the slice (made a moment before it):
        // watched from the first Ready one on
        await().atMost(WAIT).until(() -> statusEndpoints().equals(expectedStatus()) && "True".equals(readyStatus()));
        drainsCountedBefore = closesCounted("proxy", "drain");
        upstreamClosesCountedBefore = closesCounted("upstream", "");
        rebalancesCountedBefore = closesCounted("proxy", "rebalance");
        watch = client.resources(WebSocketRoute.class).inNamespace(NS).withName("echo").watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, WebSocketRoute r) {
                WebSocketRouteStatus s = r.getStatus();
                RouteCondition ready = s == null ? null
                        : s.conditions.stream().filter(c -> "Ready".equals(c.type)).findFirst().orElse(null);
                if (ready != null) {
                    readyConditions.add(ready.status + " " + ready.reason);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        for (int i = 0; i < CLIENTS; i++) {
            Client c = new Client();
            clients.add(c);
            c.connect();
        }
        settle();
        timers.scheduleWithFixedDelay(() -> clients.forEach(Client::chat), 200, 200, TimeUnit.MILLISECONDS);
        return old;
    }

    /** Writes the slice with the pod in that state; waits for the data plane's table to have it. */
    private void write(Pod p, State state) {
        EndpointSlice written;
        synchronized (slice) {
            slice.put(p, state);
            written = sliceObject();
        }
        client.resource(written).update();
        List<String> expected = expectedPool();
        await().atMost(WAIT).until(() -> pool().equals(expected));
    }

    /** The pod is deleted: terminating, still serving; from this table on it takes no new upgrade. */
    private void terminate(Pod p) {
        write(p, State.TERMINATING);
        // upgrades in progress when the table changed may still land there (and drain): counted only when none was
        p.settledAtTerminating = open.get() == CLIENTS && clients.stream().allMatch(c -> c.pod != null);
        p.upgradesAtTerminating = p.upgrades();
    }

    /**
     * Its sockets drained (the drain period: 1 s in tests), its readiness probe fails (serving false), it leaves the
     * slice, its process ends.
     */
    private void retire(Pod p) {
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> p.openSockets() == 0 && clientsOn(p) == 0);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // counted below
        }
        write(p, State.STOPPED_SERVING);
        if (p.settledAtTerminating) {
            upgradesWhileTerminating.put(p.name, p.upgrades() - p.upgradesAtTerminating);
        }
        EndpointSlice written;
        synchronized (slice) {
            slice.remove(p);
            written = sliceObject();
        }
        client.resource(written).update();
        await().atMost(WAIT).until(() -> statusEndpoints().equals(expectedStatus()));
        leftOnRemovedPod.put(p.name, Math.max(p.openSockets(), clientsOn(p)));
        p.stop();
    }

    /** Every client has a socket and has been answered on it (no upgrade in progress). */
    private void settle() {
        await().atMost(WAIT).until(() -> open.get() == CLIENTS && clients.stream().allMatch(c -> c.pod != null));
    }

    private void assertRolloutClean(int rolled) {
        report();
        assertThat(refused).as("upgrades refused, by status (-1: no answer)").isEmpty();
        assertThat(cutWithoutClose.get()).as("sockets cut without a Close frame").isZero();
        assertThat(closesOtherThan(1001, 1012)).as("closes other than drains (1001) and rebalancing (1012)").isEmpty();
        assertThat(count(closes, 1001)).as("sockets drained").isPositive();
        assertCommon(rolled);
    }

    private void assertCommon(int rolled) {
        assertThat(leftOnRemovedPod).as("sockets left on a pod when it left its slice").hasSize(rolled)
                .allSatisfy((pod, n) -> assertThat(n).as(pod).isZero());
        assertThat(upgradesWhileTerminating).as("upgrades a terminating pod took, where none was in progress")
                .allSatisfy((pod, n) -> assertThat(n).as(pod).isZero());
        assertThat(staleTables).as("tables listing a pod after it left the pool").isEmpty();
        assertThat(readyConditions).as("Ready at each status write").isNotEmpty()
                .allSatisfy(c -> assertThat(c).startsWith("True "));
        assertThat(pool()).as("the pool: the new pods").isEqualTo(expectedPool()).hasSize(3);
        await().atMost(WAIT).until(() -> statusEndpoints().equals(expectedStatus()));
        settle();
        assertThat(activeGauges()).as("wsroute_endpoint_active: the new pods' only, every client counted")
                .satisfies(g -> assertThat(expectedPool()).containsAll(g.keySet())).satisfies(g -> assertThat(g.values().stream().mapToDouble(d -> d).sum())
                        .isEqualTo(CLIENTS));
        for (String series : List.of("wsroute.endpoint.healthy", "wsroute.endpoint.ejections")) {
            assertThat(registry.find(series).tag("route", ROUTE.toString()).meters()).as("%s: pods in the pool only", series)
                    .allSatisfy(m -> assertThat(expectedPool()).contains(m.getId().getTag("endpoint")));
        }
        assertThat(closesCounted("proxy", "drain") - drainsCountedBefore).as("drains counted").isEqualTo(count(closes, 1001));
        assertThat(closesCounted("upstream", "") - upstreamClosesCountedBefore).as("upstream gone, counted")
                .isEqualTo(count(closes, 1011));
        assertThat(closesCounted("proxy", "rebalance") - rebalancesCountedBefore).as("rebalancing closes counted")
                .isEqualTo(count(closes, 1012));
        // messages: every client that is still on its socket gets every echo
        reconnecting = false;
        timers.shutdownNow();
        await().atMost(WAIT).until(() -> clients.stream().allMatch(Client::caughtUp));
        assertThat(clients.stream().mapToInt(c -> c.lostOnOpenSocket).sum()).as("echoes lost on sockets not drained").isZero();
    }

    private double closesCounted(String by, String reason) {
        return registry.find("wsroute.websocket.closes").tags("route", ROUTE.toString(), "by", by, "reason", reason)
                .counters().stream().mapToDouble(Counter::count).sum();
    }

    private Map<String, Double> activeGauges() {
        Map<String, Double> out = new TreeMap<>();
        for (Gauge g : registry.find("wsroute.endpoint.active").tag("route", ROUTE.toString()).gauges()) {
            out.put(g.getId().getTag("endpoint"), g.value());
        }
        return out;
    }

    private void report() {
        System.out.printf("rollout storm: %d clients; refused %s; closes %s; cut without Close %d; left on removed pods %s; "
                + "upgrades while terminating %s; stale tables %s; Ready writes %s%n", CLIENTS, refused, closes,
                cutWithoutClose.get(), leftOnRemovedPod, upgradesWhileTerminating, staleTables, readyConditions);
    }

    // ---- the pods and their slice

    private Pod pod(String generation) {
        String ip = "127.0.0." + nextIp++;
        Pod p = new InProcessPod(generation + "-" + ip.substring(ip.lastIndexOf('.') + 1), ip, port);
        if (port == 0) {
            port = p.port();
        }
        pods.add(p);
        return p;
    }

    private EndpointSlice sliceObject() {
        List<Endpoint> eps = new ArrayList<>();
        slice.forEach((p, s) -> {
            boolean ready = s == State.READY;
            boolean serving = s == State.READY || s == State.TERMINATING;
            boolean terminating = s == State.TERMINATING || s == State.STOPPED_SERVING;
            eps.add(new EndpointBuilder().withAddresses(p.ip)
                    .withNewConditions().withReady(ready).withServing(serving).withTerminating(terminating).endConditions()
                    .withNewTargetRef().withKind("Pod").withNamespace(NS).withName("echo-" + p.name).endTargetRef().build());
        });
        return new EndpointSliceBuilder()
                .withMetadata(new ObjectMetaBuilder().withNamespace(NS).withName("echo-x7k2p")
                        .withLabels(Map.of(Resources.SERVICE_NAME_LABEL, "echo")).build())
                .withAddressType("IPv4")
                .addNewPort().withName("ws").withPort(port).withProtocol("TCP").endPort()
                .withEndpoints(eps).build();
    }

    private List<String> expectedPool() {
        return slice.entrySet().stream().filter(e -> e.getValue() == State.READY).map(e -> e.getKey().key())
                .sorted().toList();
    }

    /** What status should list: every pod in the slice, and whether it is ready. */
    private List<String> expectedStatus() {
        return slice.entrySet().stream().map(e -> e.getKey().key() + " ready=" + (e.getValue() == State.READY)).sorted().toList();
    }

    private List<String> pool() {
        CompiledRoute r = holder.current().route(ROUTE);
        return r == null ? List.of() : r.rules().get(0).pool().endpoints().stream().map(e -> e.key()).sorted().toList();
    }

    private List<String> statusEndpoints() {
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(NS).withName("echo").get();
        WebSocketRouteStatus s = r == null ? null : r.getStatus();
        if (s == null || s.pools.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (PoolStatus.EndpointStatus e : s.pools.get(0).backends.get(0).endpoints) {
            out.add(e.ip + ":" + e.port + " ready=" + Boolean.TRUE.equals(e.ready));
        }
        out.sort(null);
        return out;
    }

    private String readyStatus() {
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(NS).withName("echo").get();
        WebSocketRouteStatus s = r == null ? null : r.getStatus();
        return s == null ? null : s.conditions.stream().filter(c -> "Ready".equals(c.type)).map(c -> c.status).findFirst().orElse(null);
    }

    /** The pod's {@code healthy} in the route's status (null: not shown). */
    private Boolean statusHealthy(Pod p) {
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(NS).withName("echo").get();
        WebSocketRouteStatus s = r == null ? null : r.getStatus();
        if (s == null || s.pools.isEmpty()) {
            return null;
        }
        return s.pools.get(0).backends.get(0).endpoints.stream().filter(e -> p.key().equals(e.ip + ":" + e.port))
                .map(e -> e.healthy).findFirst().orElse(null);
    }

    private void swapped(RouteTable fresh) {
        CompiledRoute r = fresh.route(ROUTE);
        List<String> now = r == null ? List.of() : r.rules().get(0).pool().endpoints().stream().map(e -> e.key()).toList();
        for (String e : now) {
            if (leftPool.contains(e)) {
                staleTables.add(now.toString());
            }
        }
        synchronized (slice) {
            slice.forEach((p, s) -> {
                if (s != State.READY && s != State.NOT_READY && !now.contains(p.key())) {
                    leftPool.add(p.key());
                }
            });
        }
    }

    private int clientsOn(Pod p) {
        return (int) clients.stream().filter(c -> c.socket != null && p.name.equals(c.pod)).count();
    }

    private static int count(Map<Integer, AtomicInteger> m, int key) {
        AtomicInteger n = m.get(key);
        return n == null ? 0 : n.get();
    }

    private Map<Integer, Integer> closesOtherThan(Integer... allowed) {
        Map<Integer, Integer> out = new TreeMap<>();
        closes.forEach((code, n) -> {
            if (!List.of(allowed).contains(code)) {
                out.put(code, n.get());
            }
        });
        return out;
    }

    private abstract static class Pod {
        final String name;
        final String ip;
        int upgradesAtTerminating;
        boolean settledAtTerminating;

        Pod(String name, String ip) {
            this.name = name;
            this.ip = ip;
        }

        abstract int port();

        abstract int upgrades();

        abstract int openSockets();

        abstract void stop();

        String key() {
            return ip + ":" + port();
        }
    }

    private static final class InProcessPod extends Pod {
        private final EchoBackend echo;

        InProcessPod(String name, String ip, int port) {
            super(name, ip);
            this.echo = EchoBackend.named(name, ip, port);
        }

        @Override
        int port() {
            return echo.port();
        }

        @Override
        int upgrades() {
            return echo.upgrades.get();
        }

        @Override
        int openSockets() {
            return echo.open.size();
        }

        private boolean stopped;

        @Override
        synchronized void stop() {
            if (!stopped) {
                stopped = true;
                echo.close();
            }
        }
    }

    /**
     * An echo pod in a JVM of its own (SO_LINGER 0: when its process is killed, the kernel resets its connections).
     * It counts nothing the test can read: the clients say who answered them.
     */
    private static final class ChildPod extends Pod {
        private final Process process;
        private final int port;
        /** Upgrade requests a holding pod took (it says so on its output). */
        private final AtomicInteger upgrades = new AtomicInteger();
        private final Thread output;

        ChildPod(String name, String ip, int port) throws Exception {
            this(name, ip, port, "echo");
        }

        ChildPod(String name, String ip, int port, String mode) throws Exception {
            super(name, ip);
            this.port = port;
            process = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx64m",
                    "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), ChildPod.class.getName(), name, ip,
                    String.valueOf(port), mode).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<Void> listening = CompletableFuture.runAsync(() -> {
                try {
                    for (String line; (line = out.readLine()) != null;) {
                        if (line.equals("listening")) {
                            return;
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                throw new IllegalStateException("the pod's process ended before it listened");
            });
            listening.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            output = new Thread(() -> out.lines().forEach(l -> {
                if (l.equals("upgrade")) {
                    upgrades.incrementAndGet();
                }
            }), "pod-output");
            output.setDaemon(true);
            output.start();
        }

        public static void main(String[] args) throws Exception {
            String name = args[0];
            if (args[3].equals("hold")) { // takes connections, never answers an upgrade (a hung pod)
                io.vertx.core.Vertx.vertx().createHttpServer(new HttpServerOptions().setHost(args[1]).setPort(Integer.parseInt(args[2]))
                        .setSoLinger(0)).requestHandler(req -> {
                            System.out.println("upgrade");
                            System.out.flush();
                        }).listen().toCompletionStage().toCompletableFuture().get();
                System.out.println("listening");
                System.out.flush();
                System.in.read();
                return;
            }
            EchoBackend echo = new EchoBackend(null, name, new HttpServerOptions().setHost(args[1])
                    .setPort(Integer.parseInt(args[2])).setSoLinger(0), text -> name + ":" + text);
            System.out.println("listening");
            System.out.flush();
            System.in.read(); // until the test ends or kills it
            echo.close();
        }

        @Override
        int port() {
            return port;
        }

        /** Those of a holding pod; an echoing one's are not known here. */
        @Override
        int upgrades() {
            return upgrades.get();
        }

        @Override
        int openSockets() {
            return 0; // not known here: clientsOn counts them
        }

        /** SIGKILL. */
        @Override
        void stop() {
            process.destroyForcibly();
            try {
                process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
                output.join(WAIT.toMillis()); // every line it wrote counted
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- the clients

    /** A chat client: one socket, reconnected the moment it closes; a message every tick while its last is answered. */
    private final class Client implements WebSocket.Listener {
        volatile WebSocket socket;
        /** The pod that answered on the current socket. */
        volatile String pod;
        private final AtomicInteger sent = new AtomicInteger();
        private final AtomicInteger received = new AtomicInteger();
        private volatile CompletableFuture<WebSocket> sending = CompletableFuture.completedFuture(null);
        int lostOnOpenSocket;
        private final StringBuilder partial = new StringBuilder();

        void connect() {
            if (!reconnecting) {
                return;
            }
            http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30))
                    .buildAsync(URI.create("ws://127.0.0.1:" + runtime.dataPlane().port() + "/ws"), this)
                    .whenComplete((ws, failure) -> {
                        if (failure != null) {
                            Throwable t = failure.getCause() != null ? failure.getCause() : failure;
                            int status = t instanceof WebSocketHandshakeException r ? r.getResponse().statusCode() : -1;
                            refused.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                            if (reconnecting) {
                                timers.schedule(this::connect, 20, TimeUnit.MILLISECONDS);
                            }
                        }
                    });
        }

        @Override
        public void onOpen(WebSocket ws) {
            sent.set(0);
            received.set(0);
            pod = null;
            socket = ws;
            open.incrementAndGet();
            ws.request(1);
            send(ws);
        }

        void chat() {
            WebSocket ws = socket;
            if (ws != null && sending.isDone() && received.get() == sent.get()) {
                send(ws);
            }
        }

        private void send(WebSocket ws) {
            sent.incrementAndGet();
            sending = ws.sendText("m" + sent.get(), true);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                if (ws == socket) {
                    pod = text.substring(0, text.indexOf(':'));
                    received.incrementAndGet();
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            if (ws == socket) {
                closes.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
                gone();
            }
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            if (ws == socket) {
                cutWithoutClose.incrementAndGet();
                gone();
            }
        }

        private void gone() {
            socket = null;
            open.decrementAndGet();
            connect(); // at once: the storm
        }

        /** Its open socket has every echo (and remembers what it lacks if the socket went meanwhile). */
        boolean caughtUp() {
            if (socket == null) {
                return true;
            }
            lostOnOpenSocket = sent.get() - received.get();
            return lostOnOpenSocket == 0;
        }

        void abort() {
            WebSocket ws = socket;
            socket = null;
            if (ws != null) {
                ws.abort();
            }
        }
    }
}
