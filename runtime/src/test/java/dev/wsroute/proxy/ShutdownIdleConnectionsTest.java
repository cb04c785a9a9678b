package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;

import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TlsClients;
import dev.wsroute.testing.WsClient;

/**
 * The end of the shutdown delay ({@link DataPlane#close} after {@link DataPlane#leave}): connections that wait for a
 * request — kept alive after an answer, or opened and silent — close with the listeners, before the WebSockets'
 * drain, so their clients reconnect to another replica now. Before, they stayed open through the whole drain and
 * were cut only when the process stopped (a client sending on one meanwhile was still served by a replica that had
 * left its Service). The open WebSocket is untouched: it drains as before.
 */
class ShutdownIdleConnectionsTest {
    private static final Duration WAIT = Duration.ofSeconds(30); // a bound against a hang on a loaded machine
    private static final String GET = "GET /page HTTP/1.1\r\nHost: x\r\n\r\n";

    @Test
    void connectionsWaitingForARequestCloseWhenTheListenersCloseWhileWebSocketsDrain() throws Exception {
        // a drain far longer than the test: close() is still draining the WebSocket while the others must be gone
        try (EchoBackend backend = EchoBackend.named("app");
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "10m"))) {
            px.routes("""
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: web, namespace: default}
                    spec:
                      rules:
                        - match: {path: {value: /ws}}
                          backends: [{endpoints: ["%1$s"]}]
                      http:
                        backends: [{endpoints: ["%1$s"]}]
                    """.formatted(backend.endpoint()));
            try (WsClient ws = WsClient.connect(px.port(), "/ws"); // closed by the test, or at last aborted: the drain ends
                    Socket kept = new Socket("127.0.0.1", px.port()); Socket silent = new Socket("127.0.0.1", px.port())) {
                assertThat(ws.roundTrip("hi")).isEqualTo("app:hi");
                kept.setSoTimeout((int) WAIT.toMillis());
                silent.setSoTimeout((int) WAIT.toMillis());
                kept.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
                String head = RawHttp.head(kept.getInputStream()).toLowerCase(Locale.ROOT);
                assertThat(head).startsWith("http/1.1 200").doesNotContain("connection: close");
                kept.getInputStream().readNBytes(contentLength(head));
                await().atMost(WAIT).until(() -> px.clientConnections() == 3); // the silent one accepted too

                listenersCloseWhileTheWebSocketDrains(px, ws, Map.of("the idle keep-alive connection", kept,
                        "a connection that never sent a request", silent));
            }
        }
    }

    /**
     * Over TLS, a connection still in its handshake when the listeners close (opened and silent, or part of a
     * ClientHello sent) waits for no answer either, but had no deadline for the listeners' close to find: it stayed
     * open until the TLS handshake timeout (10 minutes here) or the process's end. It closes with them now, as does one
     * whose handshake is done and that sent no request yet.
     */
    @Test
    void tlsConnectionsInTheirHandshakeCloseWhenTheListenersClose() throws Exception {
        TestCertificates.Authority ca = TestCertificates.authority("shutdown CA");
        try (EchoBackend backend = EchoBackend.named("app");
                ProxyHarness px = new ProxyHarness(TestConfig.withTls("wsroute.drain.period", "10m",
                        "wsroute.limits.request-header-timeout", "10m"))) {
            String yaml = """
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: web, namespace: default}
                    spec:
                      tls: {secretName: web-tls}
                      rules:
                        - match: {path: {value: /ws}}
                          backends: [{endpoints: ["%s"]}]
                    ---
                    %s
                    """.formatted(backend.endpoint(), ca.issue("localhost").secretYaml("default", "web-tls"));
            px.routesWithSecrets(yaml);
            int tls = px.dataPlane.tlsPort();
            try (WsClient ws = WsClient.connect(px.port(), "/ws");
                    Socket silent = new Socket("127.0.0.1", tls); Socket partial = new Socket("127.0.0.1", tls);
                    Socket helloSent = new Socket("127.0.0.1", tls);
                    SSLSocket handshaken = TlsClients.connect(ca.clientSslContext(), tls, "localhost")) {
                assertThat(ws.roundTrip("hi")).isEqualTo("app:hi");
                // a TLS record that announces a 512-byte ClientHello, and its first bytes: the SNI stage waits for the rest
                partial.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03});
                partial.getOutputStream().flush();
                // a whole ClientHello, the server's answer left unanswered: the TLS engine waits for the client's next flight
                helloSent.getOutputStream().write(clientHello(ca, "localhost", tls));
                helloSent.getOutputStream().flush();
                for (Socket s : List.of(silent, partial, helloSent, handshaken)) {
                    s.setSoTimeout((int) WAIT.toMillis());
                }
                await().atMost(WAIT).until(() -> px.clientConnections() == 5);
                assertThat(helloSent.getInputStream().read()).as("the server answered the ClientHello").isEqualTo(0x16);

                listenersCloseWhileTheWebSocketDrains(px, ws, Map.of("a TLS connection that sent nothing", silent,
                        "one that sent part of a ClientHello", partial, "one whose ClientHello was answered", helloSent,
                        "one whose handshake is done, without a request", handshaken));
                // wsroute closed them, no client failed its handshake: 'closed' is a client that closed mid-handshake
                assertThat(px.metrics.find("wsroute.tls.handshake.failures").counters()).as("TLS handshake failures counted")
                        .allSatisfy(c -> assertThat(c.count()).as(c.getId().getTag("reason")).isZero());
            }
        }
    }

    /**
     * SIGTERM, then the end of the delay while {@code ws} keeps the drain (and so the data plane's close) going: each of
     * {@code waiting} ends before the drain does, and the WebSocket still relays; then its client leaves.
     */
    private static void listenersCloseWhileTheWebSocketDrains(ProxyHarness px, WsClient ws, Map<String, Socket> waiting) throws Exception {
        px.dataPlane.leave(); // SIGTERM: the delay begins; none of the waiting connections sends anything during it
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(px::close); // the delay's end
        for (Map.Entry<String, Socket> w : waiting.entrySet()) {
            assertThat(endOfStream(w.getValue())).as("%s closes with the listeners", w.getKey()).isTrue();
        }
        assertThat(ws.closeCodeNow()).as("the WebSocket is still draining").isNull();
        assertThat(stopped).isNotDone();
        await().atMost(WAIT).until(() -> px.clientConnections() == 1);

        assertThat(ws.roundTrip("still")).as("the draining WebSocket still relays").isEqualTo("app:still");
        ws.sendClose(); // its client leaves: the drain is over
        stopped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** The bytes of a client's first flight (its ClientHello) for {@code sni}, from a JDK engine, as a client sends it. */
    private static byte[] clientHello(TestCertificates.Authority ca, String sni, int port) throws Exception {
        SSLEngine engine = ca.clientSslContext().createSSLEngine(sni, port);
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(sni)));
        engine.setSSLParameters(params);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.beginHandshake();
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] hello = new byte[out.remaining()];
        out.get(hello);
        return hello;
    }

    /**
     * Whether the server ended the connection (EOF or reset) within the socket's timeout, after what it had sent (the
     * rest of its answer to a ClientHello); false when it timed out.
     */
    private static boolean endOfStream(Socket s) throws IOException {
        try {
            while (s.getInputStream().read() >= 0) {
                // what came before the end
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.startsWith("content-length:")) {
                return Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        throw new AssertionError("no content-length in " + head);
    }
}
