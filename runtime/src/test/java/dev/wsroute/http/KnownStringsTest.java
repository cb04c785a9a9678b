package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** Common methods, names and values come out of the parser as shared strings, with their bytes exactly as sent. */
class KnownStringsTest {

    private static String of(KnownStrings known, String text) {
        byte[] b = ("xx" + text + "yy").getBytes(StandardCharsets.ISO_8859_1);
        return known.of(b, 2, 2 + text.length());
    }

    @Test
    void aKnownNameIsTheSharedStringAndAnyOtherSpellingAFreshOne() {
        assertThat(of(KnownStrings.FIELD_NAMES, "Sec-WebSocket-Key")).isSameAs(of(KnownStrings.FIELD_NAMES, "Sec-WebSocket-Key"));
        assertThat(of(KnownStrings.FIELD_NAMES, "host")).isSameAs(of(KnownStrings.FIELD_NAMES, "host"));
        String shouting = of(KnownStrings.FIELD_NAMES, "HOST");
        assertThat(shouting).isEqualTo("HOST").isNotSameAs(of(KnownStrings.FIELD_NAMES, "HOST"));
        assertThat(of(KnownStrings.FIELD_NAMES, "hosx")).isEqualTo("hosx");
        assertThat(of(KnownStrings.FIELD_NAMES, "")).isEmpty();
        assertThat(of(KnownStrings.FIELD_NAMES, "x-a-name-longer-than-any-known-one-at-all")).isEqualTo("x-a-name-longer-than-any-known-one-at-all");
        assertThat(of(KnownStrings.METHODS, "GET")).isSameAs(of(KnownStrings.METHODS, "GET"));
        assertThat(of(KnownStrings.FIELD_VALUES, "websocket")).isSameAs(of(KnownStrings.FIELD_VALUES, "websocket"));
    }

    @Test
    void theParsedHeadKeepsEveryNameAndValueAsSent() throws Exception {
        String head = "GET /chat HTTP/1.1\r\nHost: a.example\r\nUpgrade: websocket\r\nCONNECTION: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nX-Custom: v\r\n\r\n";
        ByteBuf in = Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1);
        RequestHead parsed = RequestHeadParser.parse(in, 0, head.length());
        in.release();
        assertThat(parsed.method()).isSameAs(of(KnownStrings.METHODS, "GET"));
        HeadFields f = HeadFields.of(parsed);
        ByteBuf written = f.write(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, "GET", "/chat");
        try {
            assertThat(written.toString(StandardCharsets.ISO_8859_1))
                    .isEqualTo("GET /chat HTTP/1.1\r\nHost: a.example\r\nUpgrade: websocket\r\nCONNECTION: Upgrade\r\n"
                            + "Sec-WebSocket-Version: 13\r\nX-Custom: v\r\n\r\n");
        } finally {
            written.release();
        }
    }
}
