package dev.wsroute.proxy;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** The answers the proxy makes itself: a short plain-text body saying why. */
final class HttpResponses {
    /**
     * nginx's 499: the client closed its connection before its answer started. Never sent; counted and logged so that a
     * request the client gave up on still shows (it showed nowhere: no count, no access-log line).
     */
    static final int CLIENT_CLOSED = 499;

    private HttpResponses() {
    }

    static FullHttpResponse of(HttpResponseStatus status, String why, boolean close) {
        byte[] body = (status.code() + " " + status.reasonPhrase() + ": " + why + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }

    /**
     * The head of a body-less answer, as bytes to write on a connection with no HTTP encoder: the upstream's 101
     * goes to the client this way, without adding and removing an encoder for one write. Names and values were
     * validated by the decoder that read them; their bytes go out unchanged (ISO-8859-1, as HTTP/1.1 reads them).
     */
    static ByteBuf headOnly(ByteBufAllocator alloc, HttpResponse r) {
        ByteBuf b = alloc.buffer(256);
        b.writeCharSequence(r.protocolVersion().text(), StandardCharsets.US_ASCII);
        b.writeByte(' ');
        b.writeCharSequence(r.status().codeAsText(), StandardCharsets.US_ASCII);
        b.writeByte(' ');
        b.writeCharSequence(r.status().reasonPhrase(), StandardCharsets.ISO_8859_1);
        b.writeShort(CRLF);
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = r.headers().iteratorCharSequence(); it.hasNext();) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            b.writeCharSequence(h.getKey(), StandardCharsets.ISO_8859_1);
            b.writeByte(':').writeByte(' ');
            b.writeCharSequence(h.getValue(), StandardCharsets.ISO_8859_1);
            b.writeShort(CRLF);
        }
        b.writeShort(CRLF);
        return b;
    }

    private static final int CRLF = ('\r' << 8) | '\n';
}
