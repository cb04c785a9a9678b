package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

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
