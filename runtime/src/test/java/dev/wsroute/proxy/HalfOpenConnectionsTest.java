package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.PerClass;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;
import dev.wsroute.testing.WsClient;

/**
 * Half-open floods: a client's FIN with no request in flight closes the connection at once, so it neither lingers
 * in CLOSE-WAIT nor holds a slot of the connection limit. Timeouts are set far out here so that only the FIN can
 * free anything.
 */
class HalfOpenConnectionsTest {
    @RegisterExtension
    static final PerClass<EchoBackend> echo = new PerClass<>(() -> EchoBackend.start("echo"));
    ProxyHarness px;

    @BeforeEach
    void proxy() throws Exception {
        px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.request-header-timeout", "10m", "wsroute.limits.http-idle-timeout", "10m",
                "wsroute.access-log.enabled", "false"));
        px.routes(TestRoutes.wsAndHttp("chat", "/echo", echo.get().endpoint()));
    }

    @AfterEach
    void stopProxy() {
        px.close();
    }

    @Test
    void aFinBeforeAnyRequestClosesTheConnection() throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> px.clientConnections() == 1);
            raw.socket.shutdownOutput();

            assertThat(raw.closedByServer()).isTrue();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> px.clientConnections() == 0);
    }

    @Test
    void aFinBetweenKeepAliveRequestsClosesTheConnection() throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            String response = raw.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n").readResponse();
            assertThat(RawHttp.status(response)).isEqualTo(200);
            raw.socket.shutdownOutput();

            assertThat(raw.closedByServer()).isTrue();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> px.clientConnections() == 0);
    }

    @Test
    void aFinAfterARequestStillGetsTheAnswer() throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            raw.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
            raw.socket.shutdownOutput();

            assertThat(RawHttp.status(raw.readResponse())).isEqualTo(200);
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    /**
     * A client that sends its upgrade request, a frame and FIN at once: the FIN comes while the upgrade is under way
     * (all of it was sent before the upstream even accepted), and the tunnel must still pass it on when it starts,
     * after the frame, which waits for the 101 (UpstreamAnswerTest.bytesAfterAnUpgradeRequestNeverReachAnUpstreamThatRefusesIt),
     * as it does with a FIN mid-tunnel; otherwise the upstream waits for more and both sockets stay open for good.
     */
    @Test
    void aFinSentWithTheUpgradeRequestReachesTheUpstreamOnceTheTunnelStarts() throws Exception {
        byte[] frame = RawHttp.maskedText("last words");
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress()); RawHttp raw = new RawHttp(px.port())) {
            px.routes(TestRoutes.wsAndHttp("chat", "/echo", "127.0.0.1:" + server.getLocalPort()));
            raw.send(RawHttp.upgradeRequest("/echo", "x"));
            raw.send(frame);
            raw.socket.shutdownOutput();
            try (Socket upstream = server.accept()) {
                upstream.setSoTimeout(30_000);
                InputStream in = upstream.getInputStream();
                assertThat(UpstreamAnswerTest.ScriptedUpstream.readHead(in)).startsWith("GET /echo ");
                upstream.getOutputStream().write(UpstreamAnswerTest.CLEAN_101.getBytes(StandardCharsets.ISO_8859_1));
                assertThat(in.readNBytes(frame.length)).as("the frame, once the 101 went").isEqualTo(frame);

                assertThat(in.read()).as("the client's FIN, passed on").isEqualTo(-1);
            }
            assertThat(RawHttp.status(raw.readHead())).isEqualTo(101);
            await().atMost(Duration.ofSeconds(30)).until(raw::closedByServer);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> px.clientConnections() == 0);
    }

    @Test
    void nineThousandClosedConnectionsFreeTheirSlotsForANewWebSocket() throws Exception {
        int n = TestConfig.wsroute().limits().maxConnections(); // 9,000 by default; test and proxy share the 20,000 open files
        List<Socket> sockets = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", px.port()), 10_000);
                sockets.add(s);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> px.clientConnections() == n);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            try (WsClient c = WsClient.connect(px.ws("/echo"), Map.of())) {
                return "hi".equals(c.roundTrip("hi"));
            }
        });
        // the 9,000 are gone (a WebSocket attempt that timed out on the client side may still be open)
        await().atMost(Duration.ofSeconds(60)).until(() -> px.clientConnections() < 10);
    }
}
