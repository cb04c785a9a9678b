package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.wsroute.testing.RawHttp;
import dev.wsroute.lifecycle.LifecycleFixture;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;

/**
 * Shutdown with an upgrade in progress: the upstream answers 101 after the drain has begun. That socket drains like
 * the others and gets Close 1001 when the drain period ends (at once when it has ended already); before, it was
 * never told and was cut without a Close frame when the data plane stopped, drain period + 3 s later.
 */
class ShutdownDrainTest {
    private static final byte[] UPGRADE = ("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SWITCHING = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    /** The code of the first Close frame the client gets before the connection ends, or -1 if none comes. */
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
    void anUpgradeAnsweredDuringTheDrainGetsClose1001() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "1s"))) {
            px.routes(LifecycleFixture.route("", "127.0.0.1:" + upstream.getLocalPort()));
            try (Socket first = new Socket("127.0.0.1", px.port()); Socket late = new Socket("127.0.0.1", px.port())) {
                first.setSoTimeout(20_000);
                late.setSoTimeout(20_000);
                // an open tunnel
                first.getOutputStream().write(UPGRADE);
                Socket firstUp = upstream.accept();
                RawHttp.head(firstUp.getInputStream());
                firstUp.getOutputStream().write(SWITCHING);
                assertThat(RawHttp.head(first.getInputStream())).startsWith("HTTP/1.1 101");
                // an upgrade in progress: the upstream has it and has not answered yet
                late.getOutputStream().write(UPGRADE);
                Socket lateUp = upstream.accept();
                RawHttp.head(lateUp.getInputStream());

                CompletableFuture<Void> stopped = CompletableFuture.runAsync(px::close);
                // the drain period ends for the open tunnel: the drain began well before
                assertThat(closeCode(first.getInputStream())).isEqualTo(1001);
                lateUp.getOutputStream().write(SWITCHING);
                assertThat(RawHttp.head(late.getInputStream())).startsWith("HTTP/1.1 101");
                assertThat(closeCode(late.getInputStream())).as("Close frame to the socket upgraded during the drain")
                        .isEqualTo(1001);
                stopped.get(20, TimeUnit.SECONDS);
                firstUp.close();
                lateUp.close();
            }
        }
    }
}
