package dev.wsroute.proxy;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import dev.wsroute.http.RefusedRequest;
import dev.wsroute.http.RequestHead;
import dev.wsroute.http.RequestHeadParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpRequest;

/** Request heads for unit tests, built as Netty requests and read back by the strict parser, as the proxy reads them. */
final class TestHeads {
    private TestHeads() {
    }

    static RequestHead parse(HttpRequest r) {
        StringBuilder text = new StringBuilder(r.method().name()).append(' ').append(r.uri()).append(' ').append(r.protocolVersion().text()).append("\r\n");
        for (Map.Entry<String, String> h : r.headers()) {
            text.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        byte[] bytes = text.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            return RequestHeadParser.parse(buf, 0, bytes.length);
        } catch (RefusedRequest e) {
            throw new AssertionError("test head refused: " + text, e);
        }
    }
}
