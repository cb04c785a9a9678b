package dev.wsroute.http;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Writes a request head as HTTP/1.1 bytes into one pooled buffer of the exact size, for a connection with no HTTP
 * encoder (the upstream of a WebSocket upgrade, which carries raw bytes once the head is sent). Names and values
 * were checked where they came from (the strict parser, the route's validation); their characters go out as
 * ISO-8859-1, as HTTP/1.1 reads them.
 */
public final class RequestHeadWriter {
    private static final int CRLF = ('\r' << 8) | '\n';
    private static final byte[] VERSION = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);

    private RequestHeadWriter() {
    }

    public static ByteBuf write(ByteBufAllocator alloc, HttpRequest request) {
        String method = request.method().name();
        String target = request.uri();
        int size = method.length() + 1 + target.length() + VERSION.length + 2;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = request.headers().iteratorCharSequence(); it.hasNext();) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            size += h.getKey().length() + 2 + h.getValue().length() + 2;
        }
        ByteBuf b = alloc.buffer(size);
        b.writeCharSequence(method, StandardCharsets.US_ASCII);
        b.writeByte(' ');
        b.writeCharSequence(target, StandardCharsets.ISO_8859_1);
        b.writeBytes(VERSION);
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = request.headers().iteratorCharSequence(); it.hasNext();) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            b.writeCharSequence(h.getKey(), StandardCharsets.ISO_8859_1);
            b.writeByte(':').writeByte(' ');
            b.writeCharSequence(h.getValue(), StandardCharsets.ISO_8859_1);
            b.writeShort(CRLF);
        }
        b.writeShort(CRLF);
        return b;
    }
}
