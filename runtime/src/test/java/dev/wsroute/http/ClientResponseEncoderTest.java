package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.InternalThreadLocalMap;

/**
 * The client codec's response encoder is Netty's, made at the first response the proxy writes itself: a WebSocket
 * session (its 101 relayed as bytes) never makes one, nor pays the per-thread look-up of its message type that Netty's
 * encoder constructor makes. A response written after bytes is still whole and well-formed, and one to HEAD has no body.
 */
class ClientResponseEncoderTest {
    private static final String UPGRADE = "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    @Test
    void aWebSocketSessionMakesNoResponseEncoder() throws Exception {
        AtomicReference<Object> found = new AtomicReference<>();
        Thread fresh = new Thread(() -> { // a thread whose look-up cache is empty
            EmbeddedChannel ch = new EmbeddedChannel(new ClientHttpCodec(16 * 1024, 8192, Long.MAX_VALUE, () -> { }));
            ch.writeInbound(Unpooled.copiedBuffer(UPGRADE, StandardCharsets.US_ASCII));
            ReferenceCountUtil.release(ch.readInbound());
            ch.writeOutbound(Unpooled.copiedBuffer("HTTP/1.1 101 Switching Protocols\r\n\r\n", StandardCharsets.US_ASCII));
            ReferenceCountUtil.release(ch.readOutbound());
            ch.finishAndReleaseAll();
            found.set(InternalThreadLocalMap.get().typeParameterMatcherFindCache().size());
        });
        fresh.start();
        fresh.join();
        assertThat(found.get()).as("no encoder's message type was looked up").isEqualTo(0);
    }

    @Test
    void anAnswerAfterRelayedBytesIsWellFormedAndHeadHasNoBody() {
        EmbeddedChannel ch = new EmbeddedChannel(new ClientHttpCodec(16 * 1024, 8192, Long.MAX_VALUE, () -> { }));
        ch.writeInbound(Unpooled.copiedBuffer("GET /a HTTP/1.1\r\nHost: a\r\n\r\nHEAD /b HTTP/1.1\r\nHost: a\r\n\r\n",
                StandardCharsets.US_ASCII));
        for (Object in; (in = ch.readInbound()) != null;) {
            ReferenceCountUtil.release(in);
        }
        // the first answer relayed as bytes (an upstream's), the second the proxy's own
        ch.writeOutbound(Unpooled.copiedBuffer("HTTP/1.1 204 No Content\r\n\r\n", StandardCharsets.US_ASCII));
        ((ClientHttpCodec) ch.pipeline().first()).responseRelayed();
        DefaultFullHttpResponse notFound = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND,
                Unpooled.copiedBuffer("no route", StandardCharsets.US_ASCII));
        notFound.headers().set(HttpHeaderNames.CONTENT_LENGTH, 8);
        ch.writeOutbound(notFound);

        StringBuilder out = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; b.release()) {
            out.append(b.toString(StandardCharsets.US_ASCII));
        }
        assertThat(out.toString()).isEqualTo("HTTP/1.1 204 No Content\r\n\r\n" + "HTTP/1.1 404 Not Found\r\ncontent-length: 8\r\n\r\n");
        ch.finishAndReleaseAll();
    }
}
