package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/** The first stage of the TLS port: plain HTTP gets its 400 once its head ended; TLS bytes pass untouched. */
class PlainHttpOnTlsPortTest {

    static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    static String written(EmbeddedChannel ch) {
        StringBuilder out = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null;) {
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    @Test
    void aPlainHeadIsAnswered400OnceItEndsThenTheConnectionCloses() {
        EmbeddedChannel ch = new EmbeddedChannel(new PlainHttpOnTlsPort(16 * 1024, client -> { }));
        ch.writeInbound(bytes("GET / HTTP/1.1\r\nHost: a.test\r\n"));
        assertThat(written(ch)).as("nothing before the end of the head").isEmpty();
        assertThat(ch.isOpen()).isTrue();
        ch.writeInbound(bytes("\r\n"));
        String answer = written(ch);
        assertThat(answer).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("connection: close\r\n")
                .endsWith("\r\n\r\n400 Bad Request: plain HTTP sent to the HTTPS port; use https://\n");
        int length = Integer.parseInt(answer.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
        assertThat(answer.substring(answer.indexOf("\r\n\r\n") + 4)).hasSize(length);
        assertThat(ch.isOpen()).isFalse();
        assertThat((Object) ch.readInbound()).as("nothing goes on to the TLS stage").isNull();
    }

    @Test
    void aHeadWithBareLfsOrOverTheLimitIsAnsweredToo() {
        EmbeddedChannel lf = new EmbeddedChannel(new PlainHttpOnTlsPort(16 * 1024, client -> { }));
        lf.writeInbound(bytes("GET / HTTP/1.0\n\n"));
        assertThat(written(lf)).startsWith("HTTP/1.1 400 ");
        EmbeddedChannel big = new EmbeddedChannel(new PlainHttpOnTlsPort(64, client -> { }));
        big.writeInbound(bytes("GET /" + "a".repeat(100)));
        assertThat(written(big)).startsWith("HTTP/1.1 400 ");
        assertThat(big.isOpen()).isFalse();
    }

    @Test
    void tlsRecordsGoOnUntouchedAndTheStageLeaves() {
        EmbeddedChannel ch = new EmbeddedChannel(new PlainHttpOnTlsPort(16 * 1024, client -> { }));
        ByteBuf hello = Unpooled.wrappedBuffer(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x05, 'G', 'E', 'T', ' ', '/' });
        ch.writeInbound(hello.retainedDuplicate());
        ByteBuf passed = ch.readInbound();
        assertThat(passed).isEqualTo(hello);
        passed.release();
        hello.release();
        assertThat(ch.pipeline().get(PlainHttpOnTlsPort.class)).isNull();
        ch.writeInbound(bytes("GET / HTTP/1.1\r\n\r\n"));
        ByteBuf later = ch.readInbound();
        assertThat(later.toString(StandardCharsets.ISO_8859_1)).as("later bytes are the TLS stage's").startsWith("GET");
        later.release();
        assertThat(written(ch)).isEmpty();
        assertThat(ch.isOpen()).isTrue();
    }
}
