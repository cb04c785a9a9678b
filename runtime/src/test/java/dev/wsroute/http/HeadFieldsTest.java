package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

class HeadFieldsTest {
    static RequestHead parse(String head) throws RefusedRequest {
        byte[] b = head.getBytes(StandardCharsets.ISO_8859_1);
        return RequestHeadParser.parse(Unpooled.wrappedBuffer(b), 0, b.length);
    }

    static String written(HeadFields f, String method, String target) {
        ByteBuf b = f.write(ByteBufAllocator.DEFAULT, method, target);
        try {
            assertThat(b.writableBytes()).as("sized exactly").isZero();
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }

    @Test
    void startsAsTheRequestTheProxyRoutesOn() throws Exception {
        HeadFields f = HeadFields.of(parse("GET http://chat.example.com:8080/a HTTP/1.1\r\nX-A: 1\r\nHost: chat.example.com:8080\r\n\r\n"));
        assertThat(written(f, "GET", "/a")).isEqualTo("GET /a HTTP/1.1\r\nX-A: 1\r\nHost: chat.example.com:8080\r\n\r\n");

        HeadFields http10 = HeadFields.of(parse("GET /a HTTP/1.0\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"));
        assertThat(http10.get("upgrade")).as("ignored in HTTP/1.0 (RFC 9110 §7.8)").isNull();
        assertThat(http10.get("host")).isNull();

        HeadFields chunked = HeadFields.of(parse("POST /up HTTP/1.1\r\nTransfer-Encoding: Chunked\r\nHost: h\r\n\r\n"));
        assertThat(chunked.name(chunked.size() - 1)).isEqualTo("transfer-encoding");
        assertThat(chunked.value(chunked.size() - 1)).isEqualTo("chunked");
    }

    @Test
    void setReplacesEveryFieldOfTheNameAtTheEndAndRemoveDropsThemAll() throws Exception {
        HeadFields f = HeadFields.of(parse("GET / HTTP/1.1\r\nHost: h\r\nX-Tag: a\r\nCookie: c\r\nx-tag: b\r\n\r\n"));
        assertThat(f.get("X-TAG")).as("the first value, any case").isEqualTo("a");
        f.set("X-Tag", "z");
        f.remove("cookie");
        f.remove("x-absent");
        f.remove("COOKIE");
        assertThat(written(f, "GET", "/")).isEqualTo("GET / HTTP/1.1\r\nHost: h\r\nX-Tag: z\r\n\r\n");
        assertThat(f.toHeaders().entries()).extracting(e -> e.getKey() + "=" + e.getValue()).containsExactly("Host=h", "X-Tag=z");
    }

    @Test
    void growsPastItsFirstArrays() throws Exception {
        HeadFields f = HeadFields.of(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
        for (int i = 0; i < 40; i++) {
            f.set("X-" + i, Integer.toString(i));
        }
        assertThat(f.size()).isEqualTo(41);
        assertThat(f.get("x-39")).isEqualTo("39");
        assertThat(written(f, "GET", "/")).startsWith("GET / HTTP/1.1\r\nHost: h\r\nX-0: 0\r\n").endsWith("X-39: 39\r\n\r\n");
    }

    @Test
    void connectionTokensDecideKeepAliveAndUpgradeAsRfc9110Reads() throws Exception {
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n").keepAlive()).isTrue();
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, \tClose \r\n\r\n").keepAlive()).isFalse();
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n").keepAlive()).isTrue();
        assertThat(parse("GET / HTTP/1.0\r\n\r\n").keepAlive()).isFalse();
        assertThat(parse("GET / HTTP/1.0\r\nConnection: ,keep-alive\r\n\r\n").keepAlive()).isTrue();
        String upgrade = "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\nConnection: keep-alive\r\nConnection: Upgrade\r\n\r\n";
        assertThat(parse(upgrade).isWebSocketUpgrade()).as("a token in the second Connection line").isTrue();
        assertThat(parse(upgrade.replace("HTTP/1.1", "HTTP/1.0")).isWebSocketUpgrade()).isFalse();
        assertThat(parse(upgrade.replace("Upgrade: WebSocket", "Upgrade: h2c")).isWebSocketUpgrade()).isFalse();
    }

    /** Bytes 0x80–0xFF (obs-text) go out as they came, and a head larger than any before is written whole. */
    @Test
    void writesObsTextAsItCameAndHeadsOfAnySize() throws Exception {
        String value = "caf\u00e9 \u00ff".repeat(1000);
        HeadFields f = HeadFields.of(parse("GET / HTTP/1.1\r\nHost: h\r\nX-Text: " + value + "\r\n\r\n"));
        String big = written(f, "GET", "/a?q=%C3%A9");
        assertThat(big).isEqualTo("GET /a?q=%C3%A9 HTTP/1.1\r\nHost: h\r\nX-Text: " + value + "\r\n\r\n");
        f.remove("x-text");
        assertThat(written(f, "GET", "/")).as("a small head after a large one").isEqualTo("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    }

    /** The thread's reused fields: the same request as {@link HeadFields#of}, nothing left over from a longer head before. */
    @Test
    void reusedFieldsAreTheSameAsFreshOnesAndKeepNothingOfTheHeadBefore() throws Exception {
        StringBuilder many = new StringBuilder("GET /many HTTP/1.1\r\n");
        for (int i = 0; i < 40; i++) { // past the reused arrays' first size (16), with edits at the end
            many.append("X-F").append(i).append(": v").append(i).append("\r\n");
        }
        many.append("HOST: Many.example\r\nConnection: x-f3, close\r\nTransfer-Encoding: chunked\r\n\r\n");
        RequestHead big = parse(many.toString());
        String fresh = edited(HeadFields.of(big));
        HeadFields f = HeadFields.reused(big);
        assertThat(edited(f)).isEqualTo(fresh).contains("X-F39: v39\r\n").contains("HOST: Many.example\r\n")
                .doesNotContain("X-F3:").endsWith("transfer-encoding: chunked\r\nX-Edit: 1\r\n\r\n");
        f.clear();
        assertThat(f.size()).isZero();

        RequestHead small = parse("GET / HTTP/1.1\r\nhost: h\r\nx-f0: only\r\n\r\n");
        HeadFields again = HeadFields.reused(small);
        assertThat(again).as("the thread's one instance").isSameAs(f);
        assertThat(edited(again)).isEqualTo(edited(HeadFields.of(small))).isEqualTo("GET / HTTP/1.1\r\nhost: h\r\nx-f0: only\r\nX-Edit: 1\r\n\r\n");
        assertThat(again.get("X-F1")).as("no field of the longer head before").isNull();
        assertThat(again.get("HOST")).isEqualTo("h");
    }

    /** A case-insensitive edit of the kind a forwarding pass makes, then the bytes. */
    private static String edited(HeadFields f) {
        f.remove("CONNECTION");
        f.remove("x-F3");
        f.set("x-edit", "0");
        f.set("X-Edit", "1");
        return written(f, "GET", f.size() > 10 ? "/many" : "/");
    }
}
