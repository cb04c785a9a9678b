package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
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
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;
import io.netty.channel.Channel;
import io.netty.channel.epoll.Epoll;

/**
 * The listeners of a port: with epoll, one per event loop sharing the port (SO_REUSEPORT), each accepting on its own
 * loop; every one of them serves (plain and TLS, port 0), and closing the data plane closes every one.
 */
class ListenersTest {
    private static final int THREADS = 3;
    private static final int PLAIN_SESSIONS = 150;
    private static final int TLS_SESSIONS = 40;

    @Test
    void everyListenerOfBothPortsServesAndCloseStopsThemAll() throws Exception {
        TestCertificates.Authority ca = TestCertificates.authority("listeners CA");
        TestCertificates.Issued localhost = ca.issue("localhost");
        HttpClient https = HttpClient.newBuilder().sslContext(ca.clientSslContext()).build();
        ExecutorService lanes = Executors.newFixedThreadPool(8);
        try (EchoBackend backend = EchoBackend.start("a")) {
            ProxyHarness px = new ProxyHarness(TestConfig.withTls("wsroute.io-threads", "" + THREADS, "wsroute.drain.period", "200ms"));
            int plainPort = px.port();
            int tlsPort = px.dataPlane.tlsPort();
            try {
                String yaml = """
                        apiVersion: wsroute.dev/v1alpha1
                        kind: WebSocketRoute
                        metadata: {name: chat}
                        spec:
                          tls: {secretName: chat-tls}
                          rules:
                            - match: {path: {type: Prefix, value: /echo}}
                              backends: [{endpoints: [%s]}]
                        ---
                        %s
                        """.formatted(backend.endpoint(), localhost.secretYaml("default", "chat-tls"));
                px.routesWithSecrets(yaml);

                List<Channel> listeners = px.dataPlane.listeners();
                assertThat(listeners).extracting(ch -> ((InetSocketAddress) ch.localAddress()).getPort())
                        .containsOnly(plainPort, tlsPort);
                if (Epoll.isAvailable()) { // the default transport on Linux: a listener per loop and port
                    assertThat(listeners).hasSize(2 * THREADS);
                    assertThat(listeners.subList(0, THREADS)).extracting(Channel::eventLoop).doesNotHaveDuplicates();
                    assertThat(listeners.subList(THREADS, 2 * THREADS)).extracting(Channel::eventLoop).doesNotHaveDuplicates();
                }

                // The kernel spreads connections over a port's listeners by their addresses: with this many, a
                // listener that did not accept would leave some connection hanging, and that session would fail.
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                AtomicInteger ok = new AtomicInteger();
                List<Future<?>> running = new ArrayList<>();
                for (int i = 0; i < PLAIN_SESSIONS + TLS_SESSIONS; i++) {
                    boolean tls = i >= PLAIN_SESSIONS;
                    String uri = tls ? "wss://localhost:" + tlsPort + "/echo/" + i : "ws://127.0.0.1:" + plainPort + "/echo/" + i;
                    String text = "m" + i;
                    running.add(lanes.submit(() -> {
                        try (WsClient c = tls ? WsClient.connect(https, uri, Map.of()) : WsClient.connect(uri, Map.of())) {
                            if (text.equals(c.roundTrip(text))) {
                                ok.incrementAndGet();
                            } else {
                                failures.add(uri + ": wrong echo");
                            }
                        } catch (Exception e) {
                            failures.add(uri + ": " + e);
                        }
                    }));
                }
                for (Future<?> f : running) {
                    f.get(2, TimeUnit.MINUTES); // only there to stop a hang
                }
                assertThat(failures).isEmpty();
                assertThat(ok.get()).isEqualTo(PLAIN_SESSIONS + TLS_SESSIONS);
            } finally {
                px.close();
            }
            assertThat(px.dataPlane.accepting()).isFalse();
            for (int port : new int[] { plainPort, tlsPort }) {
                for (int i = 0; i < 20; i++) { // spread over the listeners as above: none may still accept
                    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).as("port %d after close", port)
                            .isInstanceOf(ConnectException.class);
                }
            }
        } finally {
            lanes.shutdownNow();
        }
    }
}
