package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;

/**
 * {@code wsroute.upstream.connect-timeout}: an endpoint that never answers the connect is given up after it and the
 * next one is tried; with none left the client gets 502 (not the handshake's 504, which comes only after 10 s).
 */
class ConnectTimeoutTest {
    private final List<Socket> held = new ArrayList<>();
    private ServerSocket silent;
    private EchoBackend good;
    private ProxyHarness px;

    /**
     * A listener whose accept queue is full (backlog 1, two connections never accepted): Linux drops further SYNs,
     * so a connect to it neither succeeds nor is refused until the client gives up.
     */
    private String silentEndpoint() throws Exception {
        silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        for (int i = 0; i < 2; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()));
            held.add(s);
        }
        return "127.0.0.1:" + silent.getLocalPort();
    }

    @BeforeEach
    void start() throws Exception {
        good = EchoBackend.start("good");
        px = new ProxyHarness(TestConfig.wsroute("wsroute.upstream.connect-timeout", "300ms", "wsroute.drain.period", "100ms"));
    }

    @AfterEach
    void stop() throws Exception {
        px.close();
        good.close();
        for (Socket s : held) {
            s.close();
        }
        silent.close();
    }

    private long connectFailures() {
        return (long) px.metrics.find("wsroute.upstream.connect.failures").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void anUpgradeToAnEndpointThatNeverAnswersGets502AfterTheConnectTimeout() throws Exception {
        px.routes(WebSocketProxyTest.simpleRoute(silentEndpoint()));
        ExecutionException failed = assertThrows(ExecutionException.class, () -> WsClient.connect(px.ws("/echo/x"), Map.of()));
        assertThat(failed.getCause()).isInstanceOf(WebSocketHandshakeException.class);
        assertThat(((WebSocketHandshakeException) failed.getCause()).getResponse().statusCode()).isEqualTo(502);
        assertThat(connectFailures()).isEqualTo(1);
    }

    @Test
    void theNextEndpointIsTriedAfterTheConnectTimeout() throws Exception {
        px.routes(WebSocketProxyTest.simpleRoute(silentEndpoint(), good.endpoint()));
        // LeastConnections breaks the tie between two idle endpoints at random: upgrade until one picked the silent
        // endpoint first (at most 32 upgrades: 2^-32 that none does), each one echoing through the good endpoint
        for (int i = 0; i < 32 && connectFailures() == 0; i++) {
            try (WsClient c = WsClient.connect(px.ws("/echo/" + i), Map.of())) {
                assertThat(c.roundTrip("m" + i)).isEqualTo("m" + i);
            }
        }
        assertThat(connectFailures()).isPositive();
    }

    @Test
    void plainHttpToAnEndpointThatNeverAnswersGets502() throws Exception {
        px.routes("""
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: web}
                spec:
                  rules: [{backends: [{endpoints: ["%s"]}]}]
                  http: {backends: [{endpoints: ["%s"]}]}
                """.formatted(good.endpoint(), silentEndpoint()));
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + px.port() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(connectFailures()).isEqualTo(1);
    }
}
