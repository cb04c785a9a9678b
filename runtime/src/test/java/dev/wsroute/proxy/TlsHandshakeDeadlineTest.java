package dev.wsroute.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;
import dev.wsroute.testing.TlsClients;
import io.micrometer.core.instrument.Counter;
import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.EventExecutor;

/**
 * Issue 9: no timer object per connection. Every deadline of a connection is on its I/O thread's sweep
 * ({@link LoopClock}); the TLS handshake's was not: Netty's SNI stage scheduled a task per connection for the
 * ClientHello, the handler it made another for the rest of the handshake, and each upstream TLS connection one more
 * (Netty's default 10 s). Now none of them holds a scheduled task, and the deadlines still fire as documented: the
 * ClientHello and the rest of the handshake each get the request-header timeout, a timeout is counted
 * {@code reason="timeout"} and closes quietly, never before its time; an upstream that never answers the ClientHello
 * gets the rule's handshake timeout (504).
 */
class TlsHandshakeDeadlineTest {
    static final Duration TIMEOUT = Duration.ofSeconds(3);
    static final Duration WAIT = Duration.ofSeconds(60);
    static final int EACH = 10;

    @Test
    void stalledTlsClientsHoldNoScheduledTaskAndAreClosedAsTimeoutsNotBeforeTheirTime() throws Exception {
        TestCertificates.Authority ca = TestCertificates.authority("deadline CA");
        try (ProxyHarness px = new ProxyHarness(TestConfig.withTls("wsroute.io-threads", "2",
                "wsroute.limits.request-header-timeout", TIMEOUT.toMillis() + "ms"))) {
            px.routesWithSecrets(TestRoutes.httpOverTls("127.0.0.1:9", ca));
            int port = px.dataPlane.tlsPort();
            SSLContext client = ca.clientSslContext();
            TlsClients.connect(client, port, "localhost").close(); // a first handshake: nothing of it stays
            int before = scheduledTasks(px.dataPlane);

            List<Stalled> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < EACH; i++) {
                    stalled.add(Stalled.open(port, new byte[0], false)); // connects and says nothing
                    stalled.add(Stalled.open(port, Arrays.copyOf(clientHello(client), 20), false)); // part of a ClientHello
                    stalled.add(Stalled.open(port, clientHello(client), true)); // a whole one, then never its Finished
                }
                await().atMost(WAIT).until(() -> px.clientConnections() == 3 * EACH);
                for (Stalled s : stalled) {
                    s.awaitAnswerIfDue(); // a whole ClientHello is answered: the handshake is under way
                }
                // before: a hello timer for each of the 20 without a whole hello, a handshake timer for each of the 10 others
                assertThat(scheduledTasks(px.dataPlane) - before)
                        .as("scheduled tasks held for %d TLS connections in their handshake (at most each I/O thread's sweep)", stalled.size())
                        .isLessThanOrEqualTo(2);

                for (Stalled s : stalled) {
                    Duration open = s.openUntilClosed();
                    assertThat(open).as("closed no earlier than the deadline").isGreaterThanOrEqualTo(TIMEOUT);
                }
            } finally {
                for (Stalled s : stalled) {
                    s.socket.close();
                }
            }
            await().atMost(WAIT).until(() -> px.clientConnections() == 0);
            assertThat(failures(px)).containsEntry("timeout", 3.0 * EACH).containsEntry("closed", 0.0).containsEntry("other", 0.0);
            assertThat(scheduledTasks(px.dataPlane) - before).as("none left behind").isLessThanOrEqualTo(2);

            // a handshake done disarms it: the wait for the head starts then, and a silent client gets its 408 over TLS
            try (SSLSocket done = TlsClients.connect(client, port, "localhost")) {
                long handshaken = System.nanoTime();
                done.setSoTimeout((int) WAIT.toMillis());
                assertThat(RawHttp.head(done.getInputStream())).startsWith("HTTP/1.1 408 ");
                assertThat(Duration.ofNanos(System.nanoTime() - handshaken)).isGreaterThanOrEqualTo(TIMEOUT);
            }
            assertThat(failures(px)).as("the 408 is no handshake failure").containsEntry("timeout", 3.0 * EACH)
                    .containsEntry("closed", 0.0).containsEntry("other", 0.0);
        }
    }

    /**
     * With the PROXY protocol the header has its deadline, then the handshake gets the whole time again: a client
     * that sends its header and then half a ClientHello is closed as a TLS timeout, no earlier than the timeout after
     * its header, and its header is no PROXY protocol timeout.
     */
    @Test
    void afterAProxyProtocolHeaderTheHandshakeGetsItsOwnTime() throws Exception {
        TestCertificates.Authority ca = TestCertificates.authority("deadline CA");
        try (ProxyHarness px = new ProxyHarness(TestConfig.withTls("wsroute.io-threads", "2", "wsroute.listen.proxy-protocol", "true",
                "wsroute.limits.request-header-timeout", TIMEOUT.toMillis() + "ms"))) {
            px.routesWithSecrets(TestRoutes.httpOverTls("127.0.0.1:9", ca));
            int port = px.dataPlane.tlsPort();
            int before = scheduledTasks(px.dataPlane);
            List<Stalled> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < EACH; i++) {
                    Stalled s = Stalled.open(port, "PROXY TCP4 203.0.113.7 127.0.0.1 40001 8443\r\n".getBytes(US_ASCII), false);
                    s.socket.getOutputStream().write(Arrays.copyOf(clientHello(ca.clientSslContext()), 20));
                    stalled.add(s);
                }
                await().atMost(WAIT).until(() -> px.clientConnections() == EACH);
                assertThat(scheduledTasks(px.dataPlane) - before).as("scheduled tasks held for %d connections", EACH)
                        .isLessThanOrEqualTo(2);
                for (Stalled s : stalled) {
                    assertThat(s.openUntilClosed()).isGreaterThanOrEqualTo(TIMEOUT);
                }
            } finally {
                for (Stalled s : stalled) {
                    s.socket.close();
                }
            }
            await().atMost(WAIT).until(() -> failures(px).get("timeout") == EACH);
            assertThat(px.metrics.get("wsroute.proxy.protocol.errors").tag("reason", "timeout").counter().count()).isZero();
        }
    }

    /**
     * An upstream TLS endpoint that accepts the connection and never answers its ClientHello: the upgrade gets its 504
     * at the rule's handshake timeout, as any upstream that does not answer in time, and no connection to it holds a
     * timer of its own (Netty's 10 s handshake timer was one per upstream TLS connection; it also answered 502 at 10 s
     * where the rule's timeout was longer).
     */
    @Test
    void anUpstreamThatNeverAnswersTheClientHelloGetsTheRulesDeadline() throws Exception {
        try (SilentUpstream upstream = new SilentUpstream();
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.io-threads", "2"))) {
            px.routesWithSecrets("""
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: silent, namespace: default}
                    spec:
                      rules:
                        - match: {path: {type: Prefix, value: /ws}}
                          backends: [{endpoints: ["127.0.0.1:%d"]}]
                          upstreamTLS: {enabled: true, insecureSkipVerify: true}
                          timeouts: {handshake: %dms}
                    """.formatted(upstream.port(), TIMEOUT.toMillis()));
            int before = scheduledTasks(px.dataPlane);
            List<RawHttp> clients = new ArrayList<>();
            List<Long> sent = new ArrayList<>();
            try {
                for (int i = 0; i < EACH; i++) {
                    RawHttp c = new RawHttp(px.port());
                    c.socket.setSoTimeout((int) WAIT.toMillis());
                    sent.add(System.nanoTime());
                    clients.add(c.send(RawHttp.upgradeRequest("/ws", "up.test")));
                }
                await().atMost(WAIT).until(() -> upstream.hellos() == EACH); // each upstream connection sent its ClientHello
                assertThat(scheduledTasks(px.dataPlane) - before).as("scheduled tasks held for %d upstream TLS handshakes", EACH)
                        .isLessThanOrEqualTo(2);
                for (int i = 0; i < EACH; i++) {
                    assertThat(clients.get(i).readHead()).startsWith("HTTP/1.1 504 ");
                    assertThat(Duration.ofNanos(System.nanoTime() - sent.get(i))).isGreaterThanOrEqualTo(TIMEOUT);
                }
            } finally {
                for (RawHttp c : clients) {
                    c.close();
                }
            }
            await().atMost(WAIT).until(() -> upstream.closed() == EACH); // and the upstream connections are closed
        }
    }

    /**
     * The scheduled tasks the data plane's I/O threads hold, summed. Netty has no public count of them: this reads
     * each loop's own queue ({@link AbstractScheduledEventExecutor}'s {@code scheduledTaskQueue}, by reflection, in the
     * test only), on that loop's thread, where the queue is kept (a task cancelled there leaves it at once), so the
     * count is exact when read and no data-plane code exists for the test.
     */
    static int scheduledTasks(DataPlane dataPlane) throws Exception {
        Field queue = AbstractScheduledEventExecutor.class.getDeclaredField("scheduledTaskQueue");
        queue.setAccessible(true);
        int n = 0;
        for (EventExecutor loop : dataPlane.loops()) {
            n += loop.submit(() -> {
                java.util.Queue<?> q = (java.util.Queue<?>) queue.get(loop);
                return q == null ? 0 : q.size();
            }).get();
        }
        return n;
    }

    static Map<String, Double> failures(ProxyHarness px) {
        Map<String, Double> byReason = new TreeMap<>();
        for (Counter c : px.metrics.get("wsroute.tls.handshake.failures").counters()) {
            byReason.put(c.getId().getTag("reason"), c.count());
        }
        return byReason;
    }

    /** A ClientHello as a real client sends it (SNI localhost), to send by hand and then stop. */
    static byte[] clientHello(SSLContext client) throws Exception {
        SSLEngine engine = client.createSSLEngine("localhost", 443);
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName("localhost"))); // the JDK sends none for a name without a dot
        engine.setSSLParameters(params);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        return Arrays.copyOf(out.array(), out.position());
    }

    /** A raw client that sent some bytes (maybe none) and then stalls. */
    record Stalled(Socket socket, long connected, boolean wholeHello) {
        /** @param wholeHello whether {@code first} ends with a whole ClientHello, which the proxy answers */
        static Stalled open(int port, byte[] first, boolean wholeHello) throws IOException {
            long connected = System.nanoTime();
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout((int) WAIT.toMillis());
            s.getOutputStream().write(first);
            s.getOutputStream().flush();
            return new Stalled(s, connected, wholeHello);
        }

        /** A whole ClientHello is answered (the server's hello): waits for its first byte. */
        void awaitAnswerIfDue() throws IOException {
            if (wholeHello) {
                assertThat(socket.getInputStream().read()).as("a TLS handshake record").isEqualTo(22);
            }
        }

        /** Reads until the proxy ends the connection; the time since it was opened. */
        Duration openUntilClosed() throws IOException {
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[4096];
            int after = 0;
            try {
                for (int n; (n = in.read(buf)) >= 0;) {
                    after += n;
                    if (!wholeHello) {
                        throw new AssertionError("an answer to a connection without a whole ClientHello: "
                                + new String(buf, 0, n, US_ASCII));
                    }
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("still open after " + WAIT + " (" + after + " bytes)", e);
            } catch (SocketException reset) {
                // closed as well
            }
            return Duration.ofNanos(System.nanoTime() - connected);
        }
    }

    /** Accepts TCP connections, reads what they send (a ClientHello), and never answers. */
    static final class SilentUpstream implements AutoCloseable {
        private final ServerSocket server = new ServerSocket();
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final List<Socket> hellos = new CopyOnWriteArrayList<>();
        private final List<Socket> closed = new CopyOnWriteArrayList<>();
        private final List<Thread> threads = new CopyOnWriteArrayList<>();

        SilentUpstream() throws IOException {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread acceptor = new Thread(this::accept, "silent-upstream");
            acceptor.setDaemon(true);
            threads.add(acceptor);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int hellos() {
            return hellos.size();
        }

        int closed() {
            return closed.size();
        }

        private void accept() {
            try {
                while (true) {
                    Socket s = server.accept();
                    accepted.add(s);
                    Thread reader = new Thread(() -> read(s), "silent-upstream-read");
                    reader.setDaemon(true);
                    threads.add(reader);
                    reader.start();
                }
            } catch (IOException closedServer) {
                // closed at the test's end
            }
        }

        private void read(Socket s) {
            byte[] buf = new byte[16 * 1024];
            try {
                InputStream in = s.getInputStream();
                if (in.read(buf) > 0) {
                    hellos.add(s);
                }
                while (in.read(buf) >= 0) {
                    // what else comes (an alert, close_notify) until the proxy closes
                }
            } catch (IOException e) {
                // reset: closed as well
            }
            closed.add(s);
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : accepted) {
                s.close();
            }
            for (Thread t : threads) {
                try {
                    t.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
