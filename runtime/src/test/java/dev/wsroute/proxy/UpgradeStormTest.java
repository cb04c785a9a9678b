package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.wsroute.table.Endpoint;
import dev.wsroute.table.EndpointStats;
import dev.wsroute.table.PoolId;
import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.RawUpstream;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;
import io.vertx.core.Vertx;

/** Reconnect storms: many upgrades at once, none may fail, and LeastConnections spreads them as they arrive. */
class UpgradeStormTest {
    private static final int CLIENTS = 64;
    private static final int SESSIONS = 20_000;

    @Test
    void twentyThousandUpgradesFrom64ClientsAllSucceed() throws Exception {
        Vertx vertx = Vertx.vertx();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try (EchoBackend a = new EchoBackend(vertx, "a"); EchoBackend b = new EchoBackend(vertx, "b");
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.access-log.enabled", "false"))) {
            px.routes(WebSocketProxyTest.simpleRoute(a.endpoint(), b.endpoint()));
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            AtomicInteger next = new AtomicInteger();
            AtomicInteger succeeded = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            List<Future<?>> lanes = new ArrayList<>();
            for (int lane = 0; lane < CLIENTS; lane++) {
                lanes.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < SESSIONS; i = next.getAndIncrement()) {
                        try (WsClient c = WsClient.connect(http, px.ws("/echo/" + i), Map.of())) {
                            String echoed = c.roundTrip("m" + i);
                            c.ws.sendClose(1000, "").get(10, TimeUnit.SECONDS);
                            if (!("m" + i).equals(echoed) || c.awaitClose() != 1000) {
                                failures.add(i + ": echoed " + echoed);
                            } else {
                                succeeded.incrementAndGet();
                            }
                        } catch (Exception e) {
                            failures.add(i + ": " + describe(e));
                        }
                    }
                }));
            }
            for (Future<?> f : lanes) {
                f.get(10, TimeUnit.MINUTES); // only there to stop a hang
            }

            assertThat(failures).as("failed sessions (first ones)").isEmpty();
            assertThat(succeeded.get()).isEqualTo(SESSIONS);
            assertThat(px.metrics.get("wsroute.websocket.upgrades").tag("status", "101").counter().count()).isEqualTo(SESSIONS);
            assertThat(a.upgrades.get() + b.upgrades.get()).isEqualTo(SESSIONS);
            assertThat(a.upgrades.get()).as("both backends took a share").isPositive();
            assertThat(b.upgrades.get()).isPositive();
        } finally {
            clients.shutdownNow();
            vertx.close();
        }
    }

    /** A refused upgrade names the status and body the client got, not only the exception type. */
    private static String describe(Exception e) {
        if (e.getCause() instanceof WebSocketHandshakeException h) {
            return "handshake answered " + h.getResponse().statusCode() + ": " + h.getResponse().body();
        }
        return e.toString();
    }

    @Test
    void aRefusingEndpointUnderLoadIsRetriedElsewhereEveryTime() throws Exception {
        Vertx vertx = Vertx.vertx();
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try (EchoBackend a = new EchoBackend(vertx, "a"); ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.access-log.enabled", "false"))) {
            px.routes(WebSocketProxyTest.route("chat", "[]", """
                    - match: {path: {type: Prefix, value: /echo}}
                      loadBalancer: {policy: RoundRobin}
                      backends: [{endpoints: [%s, %s]}]
                    """.formatted(RawUpstream.refusedEndpoint(), a.endpoint())));
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            AtomicInteger next = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            List<Future<?>> lanes = new ArrayList<>();
            for (int lane = 0; lane < 16; lane++) {
                lanes.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < 2_000; i = next.getAndIncrement()) {
                        try (WsClient c = WsClient.connect(http, px.ws("/echo"), Map.of())) {
                            if (!"m".equals(c.roundTrip("m"))) {
                                failures.add(i + ": no echo");
                            }
                        } catch (Exception e) {
                            failures.add(i + ": " + e);
                        }
                    }
                }));
            }
            for (Future<?> f : lanes) {
                f.get(10, TimeUnit.MINUTES);
            }

            assertThat(failures).isEmpty();
            assertThat(px.metrics.get("wsroute.upstream.connect.failures").counter().count())
                    .as("about every second session tried the refusing endpoint first").isGreaterThan(500);
        } finally {
            clients.shutdownNow();
            vertx.close();
        }
    }

    /**
     * Both I/O threads accept (a listener each) and pick at the same moment: a pick and its count are one step, so no
     * two loops take the same least-loaded endpoint, and every burst lands as a single picker would spread it.
     */
    @Test
    void burstsArrivingOnBothIoThreadsSpreadAsOnePickerWouldSpreadThem() throws Exception {
        int rounds = 300;
        int burst = 6;
        Vertx vertx = Vertx.vertx();
        List<EchoBackend> pods = List.of(new EchoBackend(vertx, "a"), new EchoBackend(vertx, "b"), new EchoBackend(vertx, "c"));
        Set<String> pickingThreads = ConcurrentHashMap.newKeySet();
        List<String> unevenRounds = new ArrayList<>();
        try (ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.io-threads", "2", "wsroute.access-log.enabled", "false"))) {
            px.dataPlane.dialListener(new DialListener() {
                @Override
                public void upgradeAnswered(PoolId pool, Endpoint endpoint, int status) {
                    pickingThreads.add(Thread.currentThread().getName());
                }
            });
            px.routes(WebSocketProxyTest.simpleRoute(pods.stream().map(EchoBackend::endpoint).toArray(String[]::new)));
            EndpointStats load = px.dataPlane.endpointLoad();
            List<Endpoint> endpoints = pods.stream().map(p -> Endpoint.of("127.0.0.1", p.port(), 1)).toList();
            byte[] upgrade = RawHttp.upgradeRequest("/echo", "x").getBytes(StandardCharsets.US_ASCII);
            for (int round = 0; round < rounds; round++) {
                List<RawHttp> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < burst; i++) {
                        clients.add(new RawHttp(px.port()));
                    }
                    for (RawHttp c : clients) { // all at once, as clients reconnecting after a restart
                        c.send(upgrade);
                    }
                    for (RawHttp c : clients) {
                        assertThat(RawHttp.status(c.readHead())).isEqualTo(101);
                    }
                    List<Integer> counts = endpoints.stream().map(load::active).toList();
                    assertThat(counts.stream().mapToInt(Integer::intValue).sum()).isEqualTo(burst);
                    if (counts.stream().anyMatch(n -> n != burst / pods.size())) {
                        unevenRounds.add("round " + round + ": " + counts);
                    }
                } finally {
                    for (RawHttp c : clients) {
                        c.close();
                    }
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> endpoints.stream().allMatch(e -> load.active(e) == 0)
                        && pods.stream().allMatch(p -> p.open.isEmpty()));
            }

            assertThat(pickingThreads).as("both I/O threads accepted and picked").hasSize(2);
            assertThat(unevenRounds).as("bursts of %d over %d endpoints not spread %d each", burst, pods.size(), burst / pods.size())
                    .isEmpty();
        } finally {
            for (EchoBackend p : pods) {
                p.close();
            }
            vertx.close();
        }
    }

    /**
     * A picked endpoint counts as in use until its attempt ends, whichever way it ends: refused or timed-out connects,
     * an upstream that never answers (504), refuses the upgrade or dies after its 101, a client that leaves during
     * the handshake, a tunnel or a plain request that ends normally. Afterwards every count is back to 0.
     */
    @Test
    void connectionCountsReturnToZeroAfterEveryWayAnUpgradeCanFailOrEnd() throws Exception {
        Vertx vertx = Vertx.vertx();
        ServerSocket fullQueue = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        List<Socket> queued = new ArrayList<>();
        try (RawUpstream silent = new RawUpstream(RawUpstream.Mode.SILENT); RawUpstream dies = new RawUpstream(RawUpstream.Mode.ACCEPT_THEN_DIE);
                ControllableBackend refusing = new ControllableBackend(vertx, "refusing"); EchoBackend echo = new EchoBackend(vertx, "echo");
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.io-threads", "2", "wsroute.upstream.connect-timeout", "300ms",
                        "wsroute.access-log.enabled", "false"))) {
            for (int i = 0; i < 2; i++) { // a full accept queue: further connects neither succeed nor are refused
                queued.add(new Socket(InetAddress.getLoopbackAddress(), fullQueue.getLocalPort()));
            }
            refusing.upgradeStatus.set(503);
            String refused = RawUpstream.refusedEndpoint();
            String unanswered = "127.0.0.1:" + fullQueue.getLocalPort();
            px.routes(WebSocketProxyTest.route("chat", "[]", """
                    - match: {path: {value: /refused}}
                      backends: [{endpoints: [%s]}]
                    - match: {path: {value: /connect-timeout}}
                      backends: [{endpoints: [%s]}]
                    - match: {path: {value: /silent}}
                      timeouts: {handshake: 500ms}
                      backends: [{endpoints: [%s]}]
                    - match: {path: {value: /refusing}}
                      backends: [{endpoints: [%s]}]
                    - match: {path: {value: /dies}}
                      backends: [{endpoints: [%s]}]
                    - match: {path: {value: /echo}}
                      backends: [{endpoints: [%s]}]
                    """.formatted(refused, unanswered, silent.endpoint(), refusing.endpoint(), dies.endpoint(), echo.endpoint()))
                    .replace("spec:\n", "spec:\n  http: {backends: [{endpoints: [%s]}]}\n".formatted(echo.endpoint())));
            EndpointStats load = px.dataPlane.endpointLoad();
            List<Endpoint> endpoints = List.of(refused, unanswered, silent.endpoint(), refusing.endpoint(), dies.endpoint(), echo.endpoint())
                    .stream().map(e -> Endpoint.of("127.0.0.1", Integer.parseInt(e.substring(e.indexOf(':') + 1)), 1)).toList();

            for (int i = 0; i < 4; i++) { // new client connections each time: both I/O threads get some
                assertThat(answerTo("/refused", px)).isEqualTo(502);
                assertThat(answerTo("/connect-timeout", px)).isEqualTo(502);
                assertThat(answerTo("/silent", px)).isEqualTo(504);
                assertThat(answerTo("/refusing", px)).isEqualTo(503);
                try (RawHttp c = new RawHttp(px.port())) { // the client leaves while the upstream has not answered
                    int before = silent.accepted.get();
                    c.send(RawHttp.upgradeRequest("/silent", "x"));
                    await().atMost(Duration.ofSeconds(30)).until(() -> silent.accepted.get() > before);
                }
                try (RawHttp c = new RawHttp(px.port())) { // the upstream dies after its 101
                    assertThat(RawHttp.status(c.send(RawHttp.upgradeRequest("/dies", "x")).readHead())).isEqualTo(101);
                    c.send(RawHttp.maskedText("hi"));
                    assertThat(c.readServerFrame()[0]).as("a Close frame for the upstream's end").isEqualTo((byte) 8);
                    assertThat(c.closedByServer()).isTrue();
                }
                try (RawHttp c = new RawHttp(px.port())) { // a tunnel the client ends, then a plain request
                    assertThat(RawHttp.status(c.send(RawHttp.upgradeRequest("/echo", "x")).readHead())).isEqualTo(101);
                    c.send(RawHttp.maskedText("hi"));
                    assertThat(c.readServerFrame()).containsExactly(1, 'h', 'i');
                }
                try (RawHttp c = new RawHttp(px.port())) {
                    assertThat(RawHttp.status(c.send("GET /page HTTP/1.1\r\nHost: x\r\n\r\n").readResponse())).isEqualTo(200);
                }
            }

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(endpoints).allSatisfy(e ->
                    assertThat(load.active(e)).as("connections in use on %s", e).isZero()));
        } finally {
            for (Socket s : queued) {
                s.close();
            }
            fullQueue.close();
            vertx.close();
        }
    }

    private static int answerTo(String path, ProxyHarness px) throws Exception {
        try (RawHttp c = new RawHttp(px.port())) {
            return RawHttp.status(c.send(RawHttp.upgradeRequest(path, "x")).readResponse());
        }
    }

    @Test
    void leastConnectionsCountsUpgradesInProgressSoABurstSpreadsEvenly() throws Exception {
        int burst = 30;
        List<RawUpstream> pods = List.of(new RawUpstream(RawUpstream.Mode.SILENT), new RawUpstream(RawUpstream.Mode.SILENT),
                new RawUpstream(RawUpstream.Mode.SILENT)); // they accept and never answer: every upgrade stays in progress
        List<Socket> sockets = new ArrayList<>();
        try (ProxyHarness px = new ProxyHarness(TestConfig.wsroute())) {
            px.routes(WebSocketProxyTest.simpleRoute(pods.stream().map(RawUpstream::endpoint).toArray(String[]::new)));
            byte[] upgrade = RawHttp.upgradeRequest("/echo", "x").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < burst; i++) {
                Socket s = new Socket("127.0.0.1", px.port());
                sockets.add(s);
            }
            for (Socket s : sockets) { // all at once, as clients reconnecting after a restart
                OutputStream out = s.getOutputStream();
                out.write(upgrade);
                out.flush();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> pods.stream().mapToInt(p -> p.accepted.get()).sum() == burst);

            for (RawUpstream pod : pods) {
                assertThat(pod.accepted.get()).as("upgrades on %s", pod.endpoint()).isBetween(burst / pods.size() - 1, burst / pods.size() + 1);
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
            for (RawUpstream pod : pods) {
                pod.close();
            }
        }
    }
}
