package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.util.ReferenceCountUtil;

/**
 * Jazzer fuzz target for the request decoder. In the normal build it runs as a regression test over the committed
 * seed corpus ({@code RequestHeadFuzzTestInputs/decoderNeverCrashes}: hostile upgrade heads); with
 * {@code JAZZER_FUZZ=1} it fuzzes, coverage-guided, for {@code maxDuration} (see the README).
 * <p>
 * Properties: any bytes, fed in any split, end in requests, a refusal, or a body framing error — never another
 * exception; an accepted head has one Host, an origin-form target whose path is already normal, and re-serialises
 * into a head the parser reads back as the same request.
 */
class RequestHeadFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void decoderNeverCrashes(byte[] input) {
        for (int split : new int[] {input.length, 1, 7}) {
            for (Object msg : decode(input, split)) {
                try {
                    if (msg instanceof RequestHead head) {
                        checkAccepted(ClientHttpDecoder.toNetty(head));
                    } else if (msg instanceof HttpRequest r) {
                        assertThat(r.decoderResult().isFailure()).as("a request the decoder emits is a refusal").isTrue();
                        assertThat(r.decoderResult().cause()).isInstanceOf(RefusedRequest.class);
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
        }
    }

    /** Everything the decoder emits for {@code input} written in pieces of {@code split} bytes. */
    static List<Object> decode(byte[] input, int split) {
        EmbeddedChannel ch = new EmbeddedChannel(new ClientHttpCodec(16 * 1024, 8192, Long.MAX_VALUE, () -> { }));
        List<Object> out = new ArrayList<>();
        try {
            for (int i = 0; i < input.length; i += split) {
                ch.writeInbound(Unpooled.wrappedBuffer(input, i, Math.min(split, input.length - i)));
                for (Object m; (m = ch.readInbound()) != null;) {
                    out.add(m);
                }
            }
        } catch (DecoderException e) {
            assertThat(e.getCause()).as("only body framing errors are raised").isInstanceOf(CorruptedFrameException.class);
            for (Object m; (m = ch.readInbound()) != null;) {
                out.add(m);
            }
        } finally {
            ch.finishAndReleaseAll();
        }
        return out;
    }

    static void checkAccepted(HttpRequest r) {
        assertThat(r.uri()).startsWith("/");
        String path = r.uri().indexOf('?') < 0 ? r.uri() : r.uri().substring(0, r.uri().indexOf('?'));
        try {
            assertThat(PathNormalizer.normalize(path)).as("normalising is idempotent").isEqualTo(path);
        } catch (RefusedRequest e) {
            throw new AssertionError("an accepted path is refused on a second look: " + path, e);
        }
        assertThat(r.headers().getAll(HttpHeaderNames.HOST)).hasSizeLessThanOrEqualTo(1);
        assertThat(r.headers().contains(HttpHeaderNames.CONTENT_LENGTH) && r.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)).isFalse();
        // what goes upstream is read back as the same request
        EmbeddedChannel enc = new EmbeddedChannel(new HttpRequestEncoder());
        enc.writeOutbound(r);
        ByteBuf wire = Unpooled.buffer();
        for (ByteBuf b; (b = enc.readOutbound()) != null;) {
            wire.writeBytes(b);
            b.release();
        }
        enc.finishAndReleaseAll();
        byte[] bytes = new byte[wire.readableBytes()];
        wire.readBytes(bytes).release();
        List<Object> again = decode(bytes, bytes.length);
        try {
            assertThat(again).isNotEmpty();
            assertThat(again.get(0)).as("re-serialised head accepted").isInstanceOf(RequestHead.class);
            HttpRequest r2 = ClientHttpDecoder.toNetty((RequestHead) again.get(0));
            assertThat(r2.method()).isEqualTo(r.method());
            assertThat(r2.uri()).isEqualTo(r.uri());
            assertThat(r2.headers().entries().toString()).isEqualTo(r.headers().entries().toString());
        } finally {
            again.forEach(m -> {
                if (m instanceof HttpContent || m instanceof HttpRequest) {
                    ReferenceCountUtil.release(m);
                }
            });
        }
    }
}
