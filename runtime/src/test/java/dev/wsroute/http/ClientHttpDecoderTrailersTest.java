package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * A request body's trailers, cut into two reads at every place: what goes on is the body as it came but for the
 * fields that must not be trailers, its end names what was dropped, and the request after it is read as one.
 */
class ClientHttpDecoderTrailersTest {
    private static final String HEAD = "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final String BODY = "3\r\nabc\r\n0\r\nX-Sum: 1\r\nHost: evil\r\ncontent-length: 9\r\nX-After: 2\r\n\r\n";
    private static final String NEXT = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";

    @Test
    void forbiddenTrailerFieldsAreDroppedWhereverTheReadsAreCut() {
        byte[] all = (HEAD + BODY + NEXT).getBytes(StandardCharsets.ISO_8859_1);
        for (int cut = HEAD.length(); cut <= HEAD.length() + BODY.length(); cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(new ClientHttpCodec(16 * 1024, 8192, Long.MAX_VALUE, () -> { }));
            ch.writeInbound(Unpooled.wrappedBuffer(all, 0, cut));
            ch.writeInbound(Unpooled.wrappedBuffer(all, cut, all.length - cut));
            List<Object> read = new ArrayList<>();
            for (Object m; (m = ch.readInbound()) != null;) {
                read.add(m);
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            ClientHttpDecoder.Trailers end = null;
            for (Object m : read.subList(1, read.size() - 1)) {
                HttpContent c = (HttpContent) m;
                body.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(c.content()));
                if (m instanceof LastHttpContent) {
                    end = (ClientHttpDecoder.Trailers) m;
                }
            }
            assertThat(read.get(0)).as("cut at %d", cut).isInstanceOf(RequestHead.class);
            assertThat(body.toString(StandardCharsets.ISO_8859_1)).as("cut at %d", cut)
                    .isEqualTo("3\r\nabc\r\n0\r\nX-Sum: 1\r\nX-After: 2\r\n\r\n");
            assertThat(end).as("cut at %d", cut).isNotNull();
            assertThat(end.droppedFields()).isEqualTo("Host, Content-Length");
            assertThat(read.get(read.size() - 1)).as("the next request").isInstanceOfSatisfying(RequestHead.class,
                    h -> assertThat(h.pathAndQuery()).isEqualTo("/next"));
            read.forEach(ReferenceCountUtil::release);
            ch.finishAndReleaseAll();
        }
    }
}
