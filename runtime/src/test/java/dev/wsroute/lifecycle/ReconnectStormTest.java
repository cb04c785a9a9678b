package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import io.vertx.core.Vertx;

/**
 * A reconnect storm: 64 sockets over three endpoints (LeastConnections), one endpoint dies, and every client whose
 * socket went with it reconnects at once, retrying a failed attempt as a real client does. The storm lands evenly on
 * the two endpoints left (32 ± 1 each) and no client is left without a socket. Counted, never timed.
 */
class ReconnectStormTest {
    private static final int SOCKETS = 64;
    private static final Duration WAIT = Duration.ofSeconds(60); // a bound against a hang on a loaded machine

    private final HttpClient http = HttpClient.newHttpClient();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
    private final List<Client> clients = new ArrayList<>();
    /** Sockets closed under a client (it then reconnects), attempts that failed (it retried), sockets open now. */
    private final AtomicInteger closes = new AtomicInteger();
    private final AtomicInteger failedAttempts = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private Vertx vertx;
    private ControllableBackend a;
    private ControllableBackend b;
    private ControllableBackend c;
    private ProxyHarness px;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        a = new ControllableBackend(vertx, "a");
        b = new ControllableBackend(vertx, "b");
        c = new ControllableBackend(vertx, "c");
        px = LifecycleFixture.proxy();
        px.routes(LifecycleFixture.route("""
                loadBalancer: {policy: LeastConnections}
                healthCheck: {passive: {consecutiveFailures: 3, baseEjectionTime: 30s}}""",
                a.endpoint(), b.endpoint(), c.endpoint()));
    }

    @AfterEach
    void stop() {
        retries.shutdownNow();
        clients.forEach(Client::abort);
        px.close();
        a.close();
        b.close();
        c.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void aReconnectStormAfterOneOfThreeEndpointsDiesLandsEvenlyOnTheOtherTwo() throws Exception {
        for (int i = 0; i < SOCKETS; i++) {
            Client client = new Client(px.ws("/ws"));
            clients.add(client);
            client.connect();
            await().atMost(WAIT).until(() -> open.get() == clients.size()); // one at a time: the spread is exact
        }
        await().atMost(WAIT).until(() -> a.open.size() + b.open.size() + c.open.size() == SOCKETS);
        assertThat(List.of(a.open.size(), b.open.size(), c.open.size())).allSatisfy(n -> assertThat(n).isBetween(21, 22));
        int onC = c.open.size();

        c.stop(); // the pod dies: its sockets go, its port refuses

        await().atMost(WAIT).until(() -> closes.get() == onC && open.get() == SOCKETS
                && a.open.size() + b.open.size() == SOCKETS);
        assertThat(a.open.size()).as("sockets on a (b has %d; %d failed attempts retried)", b.open.size(), failedAttempts.get()).isBetween(SOCKETS / 2 - 1, SOCKETS / 2 + 1);
        assertThat(b.open.size()).as("sockets on b (a has %d)", a.open.size()).isBetween(SOCKETS / 2 - 1, SOCKETS / 2 + 1);
        assertThat(closes.get()).as("only the sockets on c were closed").isEqualTo(onC);
        assertThat(a.upgrades.get() + b.upgrades.get()).as("one upgrade per socket: none doubled").isEqualTo(SOCKETS);
        for (Client client : clients) {
            assertThat(client.roundTrip()).as("every client has a working socket").isTrue();
        }
    }

    /** A client that keeps one socket open: it reconnects when the socket closes, and retries a failed attempt. */
    private final class Client implements WebSocket.Listener {
        private final String uri;
        private volatile WebSocket socket;
        private volatile CountDownLatch echo;

        Client(String uri) {
            this.uri = uri;
        }

        void connect() {
            http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(URI.create(uri), this)
                    .whenComplete((ws, failure) -> {
                        if (failure != null) {
                            failedAttempts.incrementAndGet();
                            retries.schedule(this::connect, 50, TimeUnit.MILLISECONDS); // a short backoff, then again
                        }
                    });
        }

        @Override
        public void onOpen(WebSocket ws) {
            socket = ws;
            open.incrementAndGet();
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            CountDownLatch l = echo;
            if (l != null) {
                l.countDown();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            lost(ws);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            lost(ws);
        }

        private void lost(WebSocket ws) {
            if (ws == socket) {
                socket = null;
                open.decrementAndGet();
                closes.incrementAndGet();
                connect();
            }
        }

        boolean roundTrip() throws Exception {
            CountDownLatch l = new CountDownLatch(1);
            echo = l;
            socket.sendText("ping", true);
            return l.await(WAIT.toSeconds(), TimeUnit.SECONDS);
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
