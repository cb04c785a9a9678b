package dev.wsroute.lifecycle;

import static dev.wsroute.lifecycle.LifecycleFixture.counter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.WsClient;

/**
 * maxMessageSize: 1Mi through the real data plane. A message of exactly 1 MiB passes; a larger one gets Close 1009
 * to its sender and 1001 to the other side, decided from its frame header alone: the client below sends only
 * the 14-byte header of a 2 MiB frame and gets its 1009 back, so the proxy cannot have held the message; the
 * same holds when that header arrives in two reads.
 */
class MessageSizeLimitTest {
    static ControllableBackend backend;
    ProxyHarness px;

    @BeforeAll
    static void backends() {
        backend = ControllableBackend.start("a");
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @BeforeEach
    void proxy() throws Exception {
        px = LifecycleFixture.proxy();
        px.routes(LifecycleFixture.route("maxMessageSize: 1Mi", backend.endpoint()));
        backend.closeCodesReceived.clear();
    }

    @AfterEach
    void stopProxy() {
        px.close();
    }

    @Test
    void aMessageOfExactlyTheLimitPasses() throws Exception {
        try (WsClient c = WsClient.connect(px.ws("/ws"), Map.of())) {
            String oneMiB = "x".repeat(1 << 20);
            assertThat(c.roundTrip(oneMiB)).hasSize(1 << 20);
            assertThat(c.roundTrip("still open")).isEqualTo("still open");
        }
    }

    @Test
    void aLargerMessageFromTheClientGets1009ToTheClientAnd1001ToTheBackendBeforeItsPayloadIsSent() throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1"));
            assertThat(RawHttp.status(raw.readHead())).isEqualTo(101);
            raw.send(frameHeader(2 << 20));
            byte[] close = raw.readServerFrame();
            assertThat(close[0]).as("opcode").isEqualTo((byte) 0x8);
            assertThat(((close[1] & 0xff) << 8) | (close[2] & 0xff)).isEqualTo(1009);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.closeCodesReceived.contains(1001));
        await().atMost(Duration.ofSeconds(10)).until(() -> counter(px, "wsroute.websocket.closes", "by", "proxy", "code", "1009",
                "reason", "message-too-big") == 1);
    }

    /**
     * The limit is read from frame headers, which for a compressed message (permessage-deflate) tell its size on the
     * wire only: 2 KiB of deflated zeros inflate to 2 MiB, and such a message went through a 1 MiB limit to the backend.
     * With a limit the client's offer of the extension is not forwarded, so nothing is compressed and every message is
     * counted at the size the applications see. Before, the backend (Vert.x) took the offer and the 101 said so.
     */
    @Test
    void aClientsOfferOfCompressionIsNotForwardedSoNoCompressedMessageSlipsPastTheLimit() throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"));
            String head = raw.readHead();
            assertThat(RawHttp.status(head)).isEqualTo(101);
            assertThat(RawHttp.header(head, "Sec-WebSocket-Extensions")).as(head).isNull();
            raw.send(frameHeader(2 << 20)); // uncompressed, its header tells its size: 1009
            byte[] close = raw.readServerFrame();
            assertThat(close[0]).as("opcode").isEqualTo((byte) 0x8);
            assertThat(((close[1] & 0xff) << 8) | (close[2] & 0xff)).isEqualTo(1009);
        }
    }

    @Test
    void aLargerMessageWhoseHeaderArrivesSplitAcrossReadsGetsTheSameCloses() throws Exception {
        byte[] header = frameHeader(2 << 20);
        for (int split : new int[] {1, 2, 6, 11}) { // after the opcode, the length byte, inside the length, inside the mask key
            int before = backend.closeCodesReceived.size();
            try (RawHttp raw = new RawHttp(px.port())) {
                raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1"));
                assertThat(RawHttp.status(raw.readHead())).isEqualTo(101);
                double relayed = bytesUp();
                raw.send(Arrays.copyOfRange(header, 0, split));
                await().atMost(Duration.ofSeconds(10)).until(() -> bytesUp() >= relayed + split); // the proxy read the first part
                raw.send(Arrays.copyOfRange(header, split, header.length));
                byte[] close = raw.readServerFrame();
                assertThat(close[0]).as("opcode, split after %d bytes", split).isEqualTo((byte) 0x8);
                assertThat(((close[1] & 0xff) << 8) | (close[2] & 0xff)).isEqualTo(1009);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.closeCodesReceived.size() > before);
            assertThat(backend.closeCodesReceived.get(before)).as("the backend's Close, split after %d bytes", split).isEqualTo(1001);
        }
    }

    private double bytesUp() {
        return counter(px, "wsroute.websocket.bytes", "route", "default/chat", "direction", "upstream");
    }

    @Test
    void aLargerMessageFromTheBackendGets1009ToTheBackendAnd1001ToTheClient() throws Exception {
        try (WsClient c = WsClient.connect(px.ws("/ws"), Map.of())) {
            c.ws.sendText("send-big:" + (2 << 20), true);
            assertThat(c.awaitClose()).isEqualTo(1001);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.closeCodesReceived.contains(1009));
    }

    @Test
    void fragmentsAddUp() throws Exception {
        try (WsClient c = WsClient.connect(px.ws("/ws"), Map.of())) {
            String half = "y".repeat(600 * 1024);
            c.ws.sendText(half, false).get();
            c.ws.sendText(half, true).get();
            assertThat(c.awaitClose()).isEqualTo(1009);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.closeCodesReceived.contains(1001));
    }

    /** The header of a masked binary frame of {@code length} bytes, without its payload. */
    static byte[] frameHeader(long length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x82);
        out.write(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (length >> shift));
        }
        out.writeBytes(new byte[] {1, 2, 3, 4});
        return out.toByteArray();
    }
}
