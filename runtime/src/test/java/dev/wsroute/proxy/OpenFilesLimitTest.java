package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ExternalPeer;
import dev.wsroute.testing.PerClass;
import dev.wsroute.testing.Peers;
import dev.wsroute.testing.RawHttp;
import io.vertx.core.json.JsonObject;

/**
 * A data plane started under an open-files limit that its max-connections (the default 9000) does not fit: it takes
 * what fits, says so once, refuses the rest at once (none waits in the backlog for a descriptor), keeps serving the
 * sockets it took, and takes as many again once they close. Without the budget, accepts fail with EMFILE: clients
 * over the limit wait in the backlog with no answer, and upstream connects fail after the client was taken.
 */
class OpenFilesLimitTest {
    private static final Path PRLIMIT = Path.of("/usr/bin/prlimit");
    private static final AtomicInteger QUESTIONS = new AtomicInteger();
    private static final int OPEN_FILES = 1024; // the usual soft limit: room for 256 spare, 256 idle upstream connections and ~130 sockets
    private static final int STORM = 400;

    @RegisterExtension
    static final PerClass<EchoBackend> echo = new PerClass<>(() -> EchoBackend.start("echo"));

    @TempDir
    Path dir;

    @Test
    void maxConnectionsIsLoweredToWhatTheOpenFilesLimitHoldsAndTheStormAboveItIsRefusedAtOnce() throws Exception {
        try (ExternalPeer proxy = startFdLimitedProxy()) {
            JsonObject started = proxy.await(e -> e.containsKey("port"), "the proxy's port", Duration.ofSeconds(60));
            int port = started.getInteger("port");
            int limit = started.getInteger("limit");

            for (int round = 0; round < 2; round++) { // and again once they are closed: nothing leaked
                await().atMost(Duration.ofSeconds(30)).until(() -> connections(proxy) == 0);
                List<RawHttp> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < STORM; i++) {
                        RawHttp c = new RawHttp(port);
                        c.socket.setSoTimeout(5_000);
                        clients.add(c.send(RawHttp.upgradeRequest("/echo", "a")));
                    }
                    int served = 0;
                    int refused = 0;
                    for (RawHttp c : clients) {
                        try {
                            String head = c.readHead();
                            assertThat(RawHttp.status(head)).as(head).isEqualTo(101);
                            served++;
                        } catch (SocketTimeoutException e) {
                            throw new AssertionError("round " + round + ": a client got no answer in 5 s (" + served + " served, "
                                    + refused + " refused before it)\n" + proxy.transcript(), e);
                        } catch (IOException closed) {
                            refused++;
                        }
                    }
                    assertThat(served).as("round %d, refused %d\n%s", round, refused, proxy.transcript()).isEqualTo(limit);
                    for (RawHttp c : clients) {
                        if (!c.socket.isClosed() && c.socket.isConnected()) {
                            try {
                                c.send(RawHttp.maskedText("hi"));
                            } catch (IOException refusedOne) {
                                continue;
                            }
                        }
                    }
                    int echoed = 0;
                    for (RawHttp c : clients) {
                        try {
                            byte[] frame = c.readServerFrame();
                            if (frame[0] == 1 && new String(frame, 1, frame.length - 1).equals("hi")) {
                                echoed++;
                            }
                        } catch (SocketTimeoutException e) {
                            throw new AssertionError("round " + round + ": a served socket did not echo\n" + proxy.transcript(), e);
                        } catch (IOException refusedOne) {
                            // closed at accept
                        }
                    }
                    assertThat(echoed).isEqualTo(limit);
                } finally {
                    for (RawHttp c : clients) {
                        c.close();
                    }
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> connections(proxy) == 0);
            assertThat(limit).as(proxy.transcript()).isBetween(2, (OPEN_FILES - 512) / 2);
            assertThat(proxy.transcript()).contains("does not fit in the open-files limit of " + OPEN_FILES);
        }
    }

    @Test
    void anUpgradeThatFindsNoDescriptorForItsUpstreamGets503AndTheNextOneToo() throws Exception {
        try (ExternalPeer proxy = startFdLimitedProxy()) {
            int port = proxy.await(e -> e.containsKey("port"), "the proxy's port", Duration.ofSeconds(60)).getInteger("port");
            long idleSockets = sockets(proxy);
            try (RawHttp warm = new RawHttp(port)) { // the failure path's classes loaded while jars can still be opened
                assertThat(RawHttp.status(warm.send(RawHttp.upgradeRequest("/dead", "a")).readResponse())).isEqualTo(502);
            }
            try (RawHttp warm = new RawHttp(port)) {
                assertThat(RawHttp.status(warm.send(RawHttp.upgradeRequest("/echo", "a")).readHead())).isEqualTo(101);
            }
            // the warm-up tunnel's upstream side too: a descriptor it frees after the eat would let an upgrade through
            await().atMost(Duration.ofSeconds(30)).until(() -> connections(proxy) == 0 && sockets(proxy) == idleSockets);
            proxy.send("eat"); // another user of the process's files took all but one: the client's
            proxy.await(e -> e.containsKey("eaten"), "descriptors taken", Duration.ofSeconds(30));
            for (int i = 0; i < 3; i++) {
                try (RawHttp c = new RawHttp(port)) {
                    c.socket.setSoTimeout(5_000);
                    String answer = c.send(RawHttp.upgradeRequest("/echo", "a")).readResponse();
                    assertThat(RawHttp.status(answer)).as(answer).isEqualTo(503);
                    assertThat(answer).contains("out of file descriptors");
                } catch (IOException e) {
                    throw new AssertionError("upgrade " + i + " got no answer\n" + proxy.transcript(), e);
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> connections(proxy) == 0);
            }
            assertThat(proxy.transcript()).containsOnlyOnce("cannot open a connection to an upstream");
        }
    }

    /**
     * Something besides client connections took every descriptor (max-connections cannot keep that from happening): an
     * accept fails with EMFILE. The listener must neither spin nor die nor flood the log: the failures are counted, one
     * line says so, the clients wait in the backlog and are all served once descriptors are free. Before, each failure
     * reached the end of the listener's pipeline, where Netty logs a WARN with its stack trace (one a second per
     * listener for as long as it lasts), and nothing counted them.
     */
    @Test
    void acceptsThatFindNoDescriptorAreCountedLoggedOnceAndTheWaitingClientsServedOnceDescriptorsAreFree() throws Exception {
        try (ExternalPeer proxy = startFdLimitedProxy()) {
            int port = proxy.await(e -> e.containsKey("port"), "the proxy's port", Duration.ofSeconds(60)).getInteger("port");
            long idleSockets = sockets(proxy);
            try (RawHttp warm = new RawHttp(port)) {
                assertThat(RawHttp.status(warm.send(RawHttp.upgradeRequest("/echo", "a")).readHead())).isEqualTo(101);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> connections(proxy) == 0 && sockets(proxy) == idleSockets);
            proxy.send("eat all");
            proxy.await(e -> e.containsKey("eaten"), "descriptors taken", Duration.ofSeconds(30));
            List<RawHttp> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) { // connected by the kernel, in the backlog: the proxy cannot accept them
                    RawHttp c = new RawHttp(port);
                    c.socket.setSoTimeout(30_000);
                    clients.add(c.send(RawHttp.upgradeRequest("/echo", "a")));
                }
                // the listeners tried again (every second) and failed again: four failures, by the count or the log
                await().atMost(Duration.ofSeconds(30)).until(() -> acceptFailures(proxy) >= 4
                        || proxy.transcript().split("accept\\(\\.\\.\\) failed", -1).length > 4);
                assertThat(acceptFailures(proxy)).as(proxy.transcript()).isGreaterThanOrEqualTo(4);
                assertThat(proxy.transcript()).doesNotContain("reached at the tail of the pipeline")
                        .containsOnlyOnce("cannot accept client connections");
                proxy.send("give back");
                proxy.await(e -> e.containsKey("givenBack"), "descriptors given back", Duration.ofSeconds(30));
                for (RawHttp c : clients) {
                    try {
                        String head = c.readHead();
                        assertThat(RawHttp.status(head)).as(head).isEqualTo(101);
                    } catch (IOException e) {
                        throw new AssertionError("a client in the backlog was not served\n" + proxy.transcript(), e);
                    }
                }
                assertThat(connections(proxy)).isEqualTo(clients.size());
            } finally {
                for (RawHttp c : clients) {
                    c.close();
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> connections(proxy) == 0);
        }
    }

    /**
     * Health probes that find no descriptor for their connection say nothing of the endpoint: it stays healthy and keeps
     * its traffic. Before, each such probe failed as if the endpoint had refused it ("connect failed: ChannelException"),
     * so at the open-files limit every checked endpoint went unhealthy, one after another, and the rule failed open.
     */
    @Test
    void healthProbesThatFindNoDescriptorLeaveTheEndpointHealthy() throws Exception {
        String closed = closedEndpoint();
        try (ExternalPeer proxy = startFdLimitedProxy(closed, "checked")) {
            int port = proxy.await(e -> e.containsKey("port"), "the proxy's port", Duration.ofSeconds(60)).getInteger("port");
            // the probes run (their classes loaded while there are descriptors): the closed endpoint failed its checks
            proxy.await(e -> closed.equals(e.getString("endpoint")), "the closed endpoint unhealthy", Duration.ofSeconds(30));
            long idleSockets = sockets(proxy);
            try (RawHttp warm = new RawHttp(port)) {
                assertThat(RawHttp.status(warm.send(RawHttp.upgradeRequest("/echo", "a")).readHead())).isEqualTo(101);
            }
            // the warm-up tunnel's sockets closed (a descriptor freed after the eat would give every probe one)
            await().atMost(Duration.ofSeconds(30)).until(() -> connections(proxy) == 0 && sockets(proxy) <= idleSockets);
            proxy.send("eat all");
            proxy.await(e -> e.containsKey("eaten"), "descriptors taken", Duration.ofSeconds(30));
            // a probe ran without a descriptor: its line, or the health change it made
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    proxy.send("eat all"); // a descriptor the JVM frees meanwhile would let the probes through
                    return proxy.transcript().contains("health probes found no socket for their connection")
                            || proxy.find(e -> echo.get().endpoint().equals(e.getString("endpoint"))).isPresent();
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("no probe without a descriptor\n" + proxy.transcript(), e);
            }
            proxy.send("give back");
            proxy.await(e -> e.containsKey("givenBack"), "descriptors given back", Duration.ofSeconds(30));
            try (RawHttp c = new RawHttp(port)) {
                assertThat(RawHttp.status(c.send(RawHttp.upgradeRequest("/echo", "a")).readHead())).isEqualTo(101);
            }
            assertThat(proxy.find(e -> echo.get().endpoint().equals(e.getString("endpoint")))).as(proxy.transcript()).isEmpty();
        }
    }

    /** {@link FdLimitedProxyMain} in a child JVM under {@code prlimit --nofile=OPEN_FILES} (util-linux). */
    private ExternalPeer startFdLimitedProxy() throws Exception {
        return startFdLimitedProxy(closedEndpoint(), "");
    }

    private ExternalPeer startFdLimitedProxy(String closedEndpoint, String mode) throws Exception {
        Peers.require(Files.isExecutable(PRLIMIT), "prlimit is not installed (util-linux)");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return ExternalPeer.start("fd-limited proxy", dir, Map.of(), List.of(PRLIMIT.toString(),
                "--nofile=" + OPEN_FILES + ":" + OPEN_FILES, java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                FdLimitedProxyMain.class.getName(), echo.get().endpoint(), closedEndpoint, mode));
    }

    private static String closedEndpoint() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + s.getLocalPort();
        }
    }

    /** The proxy process's open sockets, asked for now (before the eat only: counting them takes a descriptor). */
    private static long sockets(ExternalPeer proxy) throws IOException {
        int n = QUESTIONS.incrementAndGet();
        proxy.send("sockets " + n);
        return proxy.await(e -> e.getInteger("asked", -1) == n, "a count of sockets", Duration.ofSeconds(30)).getLong("sockets");
    }

    /** Failed accepts counted by the proxy so far (-1: it has no such count). */
    private static long acceptFailures(ExternalPeer proxy) throws IOException {
        int n = QUESTIONS.incrementAndGet();
        proxy.send("accept-failures " + n);
        return proxy.await(e -> e.getInteger("asked", -1) == n, "a count of failed accepts", Duration.ofSeconds(30))
                .getLong("acceptFailures");
    }

    /** The proxy's open client connections, asked for now (its answer names the question, so no older one counts). */
    private static long connections(ExternalPeer proxy) throws IOException {
        int n = QUESTIONS.incrementAndGet();
        proxy.send("count " + n);
        return proxy.await(e -> e.getInteger("asked", -1) == n, "a count of connections", Duration.ofSeconds(30))
                .getLong("connections");
    }
}
