package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * What follows an upgrade head is held (never parsed as HTTP) until the upgrade is answered; a client that streams on
 * meanwhile (its upgrade queued behind a slow request) is read no further than a bound, so it cannot fill the proxy's
 * memory.
 */
class ClientHttpDecoderUpgradeTest {
    private static final String UPGRADE = "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    @Test
    void bytesAfterAnUpgradeHeadAreHeldAndReadingStopsAboveTheBound() {
        EmbeddedChannel ch = new EmbeddedChannel(new ClientHttpCodec(16 * 1024, 8192, Long.MAX_VALUE, () -> { }));
        ch.writeInbound(Unpooled.copiedBuffer(UPGRADE + "GET /x HTTP/1.1\r\nHost: a\r\n\r\n", StandardCharsets.US_ASCII));
        Object head = ch.readInbound();
        assertThat(head).isInstanceOf(RequestHead.class);
        ReferenceCountUtil.release(head);
        assertThat((Object) ch.readInbound()).as("what follows the upgrade is not parsed as a request").isNull();
        assertThat(ch.config().isAutoRead()).isTrue();

        ch.writeInbound(Unpooled.wrappedBuffer(new byte[ClientHttpDecoder.MAX_HELD_AFTER_UPGRADE]));
        assertThat(ch.config().isAutoRead()).as("above the bound, reading stops").isFalse();
        assertThat((Object) ch.readInbound()).isNull();

        ch.pipeline().removeFirst(); // as when the upgrade goes upstream: what the decoder held goes on as raw bytes
        int forwarded = 0;
        for (ByteBuf b; (b = ch.readInbound()) != null; b.release()) {
            forwarded += b.readableBytes();
        }
        assertThat(forwarded).as("nothing held was lost or parsed")
                .isEqualTo("GET /x HTTP/1.1\r\nHost: a\r\n\r\n".length() + ClientHttpDecoder.MAX_HELD_AFTER_UPGRADE);
        ch.finishAndReleaseAll();
    }
}
