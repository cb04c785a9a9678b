package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

class SwitchingProtocolsHeadTest {
    static final String HEAD = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nX-Note:  spaced\tvalue \r\nX-Empty:\r\n\r\n";

    static int length(String s) {
        ByteBuf b = Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.ISO_8859_1));
        int n = SwitchingProtocolsHead.length(b);
        assertThat(b.readerIndex()).as("the buffer is not consumed").isZero();
        return n;
    }

    @Test
    void aCleanHeadIsFoundWhateverFollowsIt() {
        assertThat(length(HEAD)).isEqualTo(HEAD.length());
        assertThat(length(HEAD + "\u0081\u0002hi")).as("frame bytes after the head").isEqualTo(HEAD.length());
        assertThat(length("HTTP/1.1 101 \r\n\r\n")).as("empty reason, no fields").isEqualTo(17);
        assertThat(length("HTTP/1.1 101 Switching Protocols\r\nX-Latin: caf\u00e9\r\n\r\n")).as("obs-text in a value").isPositive();
    }

    @Test
    void everyPrefixOfTheHeadIsIncomplete() {
        for (int i = 0; i < HEAD.length(); i++) {
            assertThat(length(HEAD.substring(0, i))).as("first %d bytes", i).isEqualTo(SwitchingProtocolsHead.INCOMPLETE);
        }
    }

    @Test
    void aReaderIndexPastZeroIsWhereTheHeadStarts() {
        ByteBuf b = Unpooled.wrappedBuffer(("xyz" + HEAD).getBytes(StandardCharsets.ISO_8859_1));
        b.skipBytes(3);
        assertThat(SwitchingProtocolsHead.length(b)).isEqualTo(HEAD.length());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "HTTP/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.0 101 Switching Protocols\r\n\r\n",
        "HTTP/1.1 101\r\n\r\n",
        "http/1.1 101 Switching Protocols\r\n\r\n",
        "HTTP/1.1 1010 Switching Protocols\r\n\r\n",
        "HTTP/1.1 101 Switching\u0000Protocols\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\n\n",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade : websocket\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n folded\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\n: no name\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\nX-Ctl: a\u0001b\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\nX-Del: a\u007fb\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\nNoColon\r\n\r\n",
    })
    void anythingButACleanHeadIsOtherSoAFullDecoderReadsIt(String head) {
        assertThat(length(head)).isEqualTo(SwitchingProtocolsHead.OTHER);
    }

    @Test
    void aHeadWithoutEndWithinTheLimitIsOther() {
        String big = "HTTP/1.1 101 Switching Protocols\r\nX-Big: " + "a".repeat(SwitchingProtocolsHead.MAX_HEAD) + "\r\n\r\n";
        assertThat(length(big)).isEqualTo(SwitchingProtocolsHead.OTHER);
        assertThat(length(big.substring(0, SwitchingProtocolsHead.MAX_HEAD - 1))).isEqualTo(SwitchingProtocolsHead.INCOMPLETE);
    }
}
