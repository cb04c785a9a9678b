package dev.wsroute.lifecycle;

import static dev.wsroute.lifecycle.LifecycleFixture.counter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ControllableBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * With maxMessageSize, the start of a frame header that ends a read is held back (in an unpooled heap buffer of its
 * own) until the header is whole. That buffer was dropped without release when the rest made the message too big, and
 * when the connection closed before the rest came. Netty's leak detector does not track unpooled heap buffers (the
 * collector frees their memory), but their allocator counts them in use until released: each such tunnel left its
 * bytes counted for good in Netty's memory metrics. Both paths are driven through the real data plane with a raw
 * client; once the proxy is closed, the allocator counts no more heap in use than before.
 */
class HeldHeaderReleaseTest {
    static ControllableBackend backend;

    @BeforeAll
    static void backends() {
        backend = ControllableBackend.start("a");
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @Test
    void aHeldHeaderWhoseRestMakesTheMessageTooBigIsReleased() throws Exception {
        byte[] header = MessageSizeLimitTest.frameHeader(2 << 20);
        long before = unpooledHeapInUse();
        ProxyHarness px = proxy();
        try {
            for (int split : new int[] {1, 6, 11}) {
                try (RawHttp raw = upgraded(px)) {
                    sendPart(px, raw, Arrays.copyOfRange(header, 0, split));
                    raw.send(Arrays.copyOfRange(header, split, header.length));
                    byte[] close = raw.readServerFrame();
                    assertThat(((close[1] & 0xff) << 8) | (close[2] & 0xff)).isEqualTo(1009);
                }
            }
        } finally {
            px.close(); // every channel closed: what they held is unreachable
        }
        assertThat(unpooledHeapInUse()).as("unpooled heap bytes in use after the proxy closed").isEqualTo(before);
    }

    @Test
    void aHeldHeaderIsReleasedWhenTheClientLeavesBeforeItsRest() throws Exception {
        byte[] header = MessageSizeLimitTest.frameHeader(100);
        long before = unpooledHeapInUse();
        ProxyHarness px = proxy();
        try {
            for (int split : new int[] {1, 6, 11}) {
                try (RawHttp raw = upgraded(px)) {
                    sendPart(px, raw, Arrays.copyOfRange(header, 0, split));
                } // the client closes with the header's start held
                await().atMost(Duration.ofSeconds(10)).until(() -> px.clientConnections() == 0); // and the tunnel closed
            }
        } finally {
            px.close();
        }
        assertThat(unpooledHeapInUse()).as("unpooled heap bytes in use after the proxy closed").isEqualTo(before);
    }

    /** What Netty's unpooled allocator counts in use (released buffers no longer count; one dropped counts for good). */
    private static long unpooledHeapInUse() {
        return UnpooledByteBufAllocator.DEFAULT.metric().usedHeapMemory();
    }

    private static ProxyHarness proxy() throws Exception {
        ProxyHarness px = LifecycleFixture.proxy();
        px.routes(LifecycleFixture.route("maxMessageSize: 1Mi", backend.endpoint()));
        return px;
    }

    private static RawHttp upgraded(ProxyHarness px) throws Exception {
        RawHttp raw = new RawHttp(px.port());
        raw.send(RawHttp.upgradeRequest("/ws", "127.0.0.1"));
        assertThat(RawHttp.status(raw.readHead())).isEqualTo(101);
        return raw;
    }

    /** Sends the start of a header and waits until the proxy has read it (and held it back). */
    private static void sendPart(ProxyHarness px, RawHttp raw, byte[] part) throws Exception {
        double relayed = counter(px, "wsroute.websocket.bytes", "route", "default/chat", "direction", "upstream");
        raw.send(part);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> counter(px, "wsroute.websocket.bytes", "route", "default/chat", "direction", "upstream") >= relayed + part.length);
    }
}
