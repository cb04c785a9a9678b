package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;

/**
 * A socket the proxy is closing already (here at its idle timeout, its Close frames not answered yet) when its
 * endpoint leaves and the drain period ends: it is one close, counted once, as idle. Before, the end of the drain
 * counted it in {@code wsroute_websocket_drained_total} as well, though no drain closed it.
 */
class DrainOfAClosingSocketTest {
    private static final byte[] UPGRADE = ("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SWITCHING = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    /** The code of the first Close frame that comes, or -1 if the connection ends first. */
    private static int closeCode(InputStream in) throws IOException {
        while (true) {
            int b0 = in.read();
            int b1 = in.read();
            if (b0 < 0 || b1 < 0) {
                return -1;
            }
            byte[] payload = in.readNBytes(b1 & 0x7f); // server frames here: unmasked, short
            if ((b0 & 0x0f) == 0x8) {
                return payload.length >= 2 ? (payload[0] & 0xff) << 8 | payload[1] & 0xff : 1005;
            }
        }
    }

    @Test
    void aSocketClosingAtItsIdleTimeoutWhenItsDrainEndsIsCountedOnceAsIdle() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                ProxyHarness px = LifecycleFixture.proxy()) { // drain period 300ms, well within the 2 s the Closes get
            px.routes(LifecycleFixture.route("timeouts: {idle: 1s}", "127.0.0.1:" + upstream.getLocalPort()));
            try (Socket client = new Socket("127.0.0.1", px.port())) {
                client.setSoTimeout(20_000);
                client.getOutputStream().write(UPGRADE);
                try (Socket up = upstream.accept()) {
                    RawHttp.head(up.getInputStream());
                    up.getOutputStream().write(SWITCHING);
                    assertThat(RawHttp.head(client.getInputStream())).startsWith("HTTP/1.1 101");

                    // neither side says anything: the idle timeout closes the socket; neither answers its Close
                    assertThat(closeCode(client.getInputStream())).isEqualTo(1001);
                    // meanwhile the endpoint leaves the rule: the socket drains, and its drain ends while it is closing
                    px.routes(LifecycleFixture.route("timeouts: {idle: 1s}", "127.0.0.1:1"));
                    assertThat(client.getInputStream().read()).as("closed once the Closes' grace is over").isEqualTo(-1);
                }
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> LifecycleFixture.counter(px, "wsroute.websocket.closes", "by", "proxy", "reason", "idle") == 1);
            assertThat(LifecycleFixture.counter(px, "wsroute.websocket.closes", "reason", "drain")).isZero();
            assertThat(LifecycleFixture.counter(px, "wsroute.websocket.drained")).as("drains counted").isZero();
        }
    }
}
