package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** Each class of head the parser must refuse, with the status it answers, and what it accepts and how it reads it. */
class RequestHeadParserTest {

    static RequestHead parse(String head) throws RefusedRequest {
        ByteBuf buf = Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1);
        return RequestHeadParser.parse(buf, 0, buf.writerIndex());
    }

    static int refusal(String head) {
        try {
            parse(head);
            return 0;
        } catch (RefusedRequest e) {
            return e.status();
        }
    }

    @Test
    void aPlainRequestIsReadAsSent() throws RefusedRequest {
        RequestHead h = parse("GET /chat?room=1 HTTP/1.1\r\nHost: Chat.Example.com:8080\r\nX-A:  v  w \r\n\r\n");

        assertThat(h.method()).isEqualTo("GET");
        assertThat(h.path()).isEqualTo("/chat");
        assertThat(h.query()).isEqualTo("room=1");
        assertThat(h.authority()).isEqualTo("Chat.Example.com:8080");
        assertThat(h.get("x-a")).as("OWS trimmed, inner space kept").isEqualTo("v  w");
        assertThat(h.framing()).isEqualTo(Framing.NONE);
        assertThat(h.http10()).isFalse();
    }

    /** The fields are gathered in arrays each thread reuses: no head sees another's fields, however many it had. */
    @Test
    void eachHeadHasOnlyItsOwnFields() throws RefusedRequest {
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: many\r\n");
        for (int i = 0; i < 40; i++) {
            many.append("X-F").append(i).append(": ").append(i).append("\r\n");
        }
        RequestHead big = parse(many.append("\r\n").toString());
        assertThat(big.fieldCount()).isEqualTo(41);
        assertThat(big.value(40)).isEqualTo("39");

        assertThat(refusal("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-B: \u0001\r\n\r\n")).as("refused half-way through a field").isEqualTo(400);

        RequestHead small = parse("GET / HTTP/1.1\r\nHost: small\r\nX-C: 2\r\n\r\n");
        assertThat(small.fieldCount()).isEqualTo(2);
        assertThat(small.name(0)).isEqualTo("Host");
        assertThat(small.get("x-c")).isEqualTo("2");
        assertThat(small.get("x-a")).isNull();
        assertThat(small.get("x-f0")).isNull();
        assertThat(big.fieldCount()).as("the first head is unchanged by the later ones").isEqualTo(41);
        assertThat(big.get("host")).isEqualTo("many");
        assertThat(big.get("x-f7")).isEqualTo("7");
    }

    /** A Host the thread read last is handed on as the same string; any other byte makes a new one, in any name case. */
    @Test
    void aRepeatedHostIsTheSameStringAndAnotherHostItsOwn() throws RefusedRequest {
        RequestHead first = parse("GET / HTTP/1.1\r\nHost: app.example:8080\r\n\r\n");
        RequestHead same = parse("GET /b HTTP/1.1\r\nX-A: 1\r\nhost: app.example:8080\r\n\r\n");
        assertThat(same.authority()).isEqualTo("app.example:8080").isSameAs(first.authority());
        assertThat(same.get("Host")).isSameAs(first.authority());
        RequestHead other = parse("GET / HTTP/1.1\r\nHOST: app.example:8081\r\n\r\n"); // same length, last byte differs
        assertThat(other.authority()).isEqualTo("app.example:8081");
        assertThat(other.get("host")).isEqualTo("app.example:8081");
        assertThat(parse("GET / HTTP/1.1\r\nhOsT: App.example:8080\r\n\r\n").authority()).as("case kept").isEqualTo("App.example:8080");
        assertThat(parse("GET / HTTP/1.1\r\nHost: a\r\nX-Host: app.example:8080\r\n\r\n").get("x-host")).isEqualTo("app.example:8080");
        assertThat(first.authority()).as("an earlier head is unchanged").isEqualTo("app.example:8080");
    }

    @Test
    void framingIsLengthOrChunked() throws RefusedRequest {
        assertThat(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 42\r\n\r\n").framing()).isEqualTo(Framing.length(42));
        assertThat(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n").framing()).isEqualTo(Framing.CHUNKED);
        assertThat(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n").framing().hasBody()).isFalse();
    }

    @Test
    void anAbsoluteFormTargetNamesTheAuthority() throws RefusedRequest {
        RequestHead h = parse("GET http://fz.test/x/../y?q HTTP/1.1\r\nHost: FZ.test\r\n\r\n");
        assertThat(h.authority()).isEqualTo("fz.test");
        assertThat(h.pathAndQuery()).isEqualTo("/y?q");

        assertThat(refusal("GET http://evil.test/fz/x HTTP/1.1\r\nHost: fz.test\r\n\r\n")).as("routing and Host would disagree").isEqualTo(400);
        assertThat(refusal("GET http://u@fz.test/ HTTP/1.1\r\nHost: u@fz.test\r\n\r\n")).isEqualTo(400);
        assertThat(refusal("GET ftp://fz.test/ HTTP/1.1\r\nHost: fz.test\r\n\r\n")).isEqualTo(400);
    }

    @Test
    void http10WithoutHostIsAllowedAndHttp11IsNot() throws RefusedRequest {
        assertThat(parse("GET / HTTP/1.0\r\n\r\n").authority()).isNull();
        assertThat(refusal("GET / HTTP/1.1\r\n\r\n")).isEqualTo(400);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
            // request line
            "control character in the method | G\u0001ET / HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "leading space                   | ' GET / HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n' | 400",
            "two spaces                      | GET  / HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "tab as separator                | GET\\t/ HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "lower-case version              | GET / http/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "HTTP/0.9                        | GET / HTTP/0.9\\r\\nHost: h\\r\\n\\r\\n | 505",
            "HTTP/2.0                        | GET / HTTP/2.0\\r\\nHost: h\\r\\n\\r\\n | 505",
            "HTTP/3.0                        | GET / HTTP/3.0\\r\\nHost: h\\r\\n\\r\\n | 505",
            "HTTP/9.9                        | GET / HTTP/9.9\\r\\nHost: h\\r\\n\\r\\n | 505",
            "HTTP/1.10                       | GET / HTTP/1.10\\r\\nHost: h\\r\\n\\r\\n | 400",
            "no version                      | GET /\\r\\nHost: h\\r\\n\\r\\n | 400",
            "trailing space                  | GET / HTTP/1.1 \\r\\nHost: h\\r\\n\\r\\n | 400",
            "asterisk-form                   | OPTIONS * HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "authority-form                  | CONNECT h:443 HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "non-ASCII target                | GET /\u00e9 HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "fragment                        | GET /a#b HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "fragment in query               | GET /a?x#b HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "bad escape in query             | GET /a?x=%zz HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            // fields
            "obs-fold                        | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A: a\\r\\n b\\r\\n\\r\\n | 400",
            "obs-fold with tab               | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A: a\\r\\n\\tb\\r\\n\\r\\n | 400",
            "space before colon              | GET / HTTP/1.1\\r\\nHost : h\\r\\n\\r\\n | 400",
            "tab before colon                | GET / HTTP/1.1\\r\\nHost\\t: h\\r\\n\\r\\n | 400",
            "no colon                        | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A\\r\\n\\r\\n | 400",
            "empty name                      | GET / HTTP/1.1\\r\\nHost: h\\r\\n: v\\r\\n\\r\\n | 400",
            "NUL in value                    | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A: a\u0000b\\r\\n\\r\\n | 400",
            "bare CR in value                | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A: a\\rb\\r\\n\\r\\n | 400",
            "DEL in value                    | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A: a\u007fb\\r\\n\\r\\n | 400",
            "vertical tab in value           | GET / HTTP/1.1\\r\\nHost: h\\r\\nX-A: a\u000bb\\r\\n\\r\\n | 400",
            // Host
            "missing Host                    | GET / HTTP/1.1\\r\\nX-A: b\\r\\n\\r\\n | 400",
            "empty Host                      | GET / HTTP/1.1\\r\\nHost: \\r\\n\\r\\n | 400",
            "duplicate Host, same            | GET / HTTP/1.1\\r\\nHost: h\\r\\nHost: h\\r\\n\\r\\n | 400",
            "duplicate Host, different       | GET / HTTP/1.1\\r\\nHost: a\\r\\nhost: b\\r\\n\\r\\n | 400",
            "Host with a space               | GET / HTTP/1.1\\r\\nHost: a b\\r\\n\\r\\n | 400",
            "Host with userinfo              | GET / HTTP/1.1\\r\\nHost: u@h\\r\\n\\r\\n | 400",
            "Host list                       | GET / HTTP/1.1\\r\\nHost: a,b\\r\\n\\r\\n | 400",
            "Host non-ASCII                  | GET / HTTP/1.1\\r\\nHost: \u00e9.test\\r\\n\\r\\n | 400",
            "Host port too large             | GET / HTTP/1.1\\r\\nHost: x:99999\\r\\n\\r\\n | 400",
            "Host port zero                  | GET / HTTP/1.1\\r\\nHost: x:0\\r\\n\\r\\n | 400",
            "Host port not a number          | GET / HTTP/1.1\\r\\nHost: x:8o\\r\\n\\r\\n | 400",
            "Host empty port                 | GET / HTTP/1.1\\r\\nHost: x:\\r\\n\\r\\n | 400",
            "Host bad IPv6                   | GET / HTTP/1.1\\r\\nHost: [::1\\r\\n\\r\\n | 400",
            "Host slash                      | GET / HTTP/1.1\\r\\nHost: a/b\\r\\n\\r\\n | 400",
            // targets of a forward proxy or of the server itself: wsroute is neither
            "CONNECT authority-form          | CONNECT h:443 HTTP/1.1\\r\\nHost: h:443\\r\\n\\r\\n | 400",
            "OPTIONS asterisk-form           | OPTIONS * HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            // framing
            "CL and TE                       | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | 400",
            "TE and CL                       | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\nContent-Length: 5\\r\\n\\r\\n | 400",
            "xchunked                        | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: xchunked\\r\\n\\r\\n | 400",
            "quoted chunked                  | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: \"chunked\"\\r\\n\\r\\n | 400",
            "chunked twice in a list         | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked, chunked\\r\\n\\r\\n | 400",
            "gzip, chunked                   | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n | 400",
            "two TE headers                  | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: identity\\r\\n\\r\\n | 400",
            "empty TE                        | POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: \\r\\n\\r\\n | 400",
            "TE in HTTP/1.0                  | POST / HTTP/1.0\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n | 400",
            "TE with underscore              | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 3\\r\\nTransfer_Encoding: chunked\\r\\n\\r\\n | 400",
            "CL with underscore              | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent_Length: 3\\r\\n\\r\\n | 400",
            "two CL, same                    | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 5\\r\\nContent-Length: 5\\r\\n\\r\\n | 400",
            "two CL, different               | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 5\\r\\nContent-Length: 6\\r\\n\\r\\n | 400",
            "CL list                         | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 5, 5\\r\\n\\r\\n | 400",
            "CL sign                         | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: +5\\r\\n\\r\\n | 400",
            "CL negative                     | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: -1\\r\\n\\r\\n | 400",
            "CL hex                          | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 0x5\\r\\n\\r\\n | 400",
            "CL empty                        | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: \\r\\n\\r\\n | 400",
            "CL overflow                     | POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 99999999999999999999\\r\\n\\r\\n | 400",
            "Expect other                    | POST / HTTP/1.1\\r\\nHost: h\\r\\nExpect: 200-ok\\r\\n\\r\\n | 417",
            // WebSocket singletons
            "two keys                        | GET / HTTP/1.1\\r\\nHost: h\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n\\r\\n | 400",
            "two versions                    | GET / HTTP/1.1\\r\\nHost: h\\r\\nSec-WebSocket-Version: 13\\r\\nSec-WebSocket-Version: 8\\r\\n\\r\\n | 400",
            // paths
            "%00                             | GET /a%00 HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "%zz                             | GET /a%zz HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "truncated escape                | GET /a%4 HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "overlong dot                    | GET /%c0%ae%c0%ae/x HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "encoded slash                   | GET /a%2Fb HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "encoded backslash               | GET /a%5cb HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "backslash                       | GET /a\\\\b HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "surrogate                       | GET /%ed%a0%80 HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
            "truncated UTF-8                 | GET /%e2%82 HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n | 400",
    })
    void refused(String what, String head, int status) {
        assertThat(refusal(unescape(head))).as(what).isEqualTo(status);
    }

    @Test
    void moreThanAHundredFieldsAre431() {
        String head = "GET / HTTP/1.1\r\nHost: h\r\n" + "X-A: b\r\n".repeat(RequestHeadParser.MAX_FIELDS) + "\r\n";
        assertThat(refusal(head)).isEqualTo(431);
    }

    @Test
    void aHostHeaderMayBeAnIpv6LiteralWithPort() throws RefusedRequest {
        assertThat(parse("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").authority()).isEqualTo("[::1]:8080");
    }

    @Test
    void onlyDecodedForms() {
        assertThatThrownBy(() -> parse("GET a HTTP/1.1\r\nHost: h\r\n\r\n")).isInstanceOf(RefusedRequest.class);
    }

    /** CSV cannot hold CR/LF: the cases spell them \r \n \t, and \\ for a backslash. */
    static String unescape(String s) {
        return s.replace("\\\\", "\u0001BS").replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("\u0001BS", "\\");
    }
}
