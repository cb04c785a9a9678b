package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

/** The 101 check read in place from the head's bytes, and the same check over decoded fields: one verdict for both. */
class WebSocket101Test {
    /** RFC 6455 §1.3's example: this key's accept value. */
    static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    static final String ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "Upgrade: websocket/Connection: Upgrade/Sec-WebSocket-Accept: " + ACCEPT + "            | -",
            "upgrade:  WebSocket /connection: keep-alive, upgrade/sec-websocket-accept:" + ACCEPT + " | -",
            "Upgrade: h2c/Connection: Upgrade/Sec-WebSocket-Accept: " + ACCEPT + "                  | 101 without Upgrade: websocket",
            "Upgrade: websocket/Upgrade: websocket/Connection: Upgrade/Sec-WebSocket-Accept: " + ACCEPT + " | 101 without Upgrade: websocket",
            "Connection: Upgrade/Sec-WebSocket-Accept: " + ACCEPT + "                               | 101 without Upgrade: websocket",
            "Upgrade: websocket/Connection: keep-alive/Sec-WebSocket-Accept: " + ACCEPT + "         | 101 without Connection: upgrade",
            "Upgrade: websocket/Connection: upgraded/Sec-WebSocket-Accept: " + ACCEPT + "           | 101 without Connection: upgrade",
            "Upgrade: websocket/Connection: Upgrade/Sec-WebSocket-Accept: S3PPLMBITXAQ9KYGZZHZRBK+XOO= | 101 without the right Sec-WebSocket-Accept",
            "Upgrade: websocket/Connection: Upgrade                                                 | 101 without the right Sec-WebSocket-Accept",
            "Upgrade: websocket/Connection: Upgrade/Sec-WebSocket-Accept: " + ACCEPT + "/Sec-WebSocket-Accept: " + ACCEPT + " | 101 without the right Sec-WebSocket-Accept",
    })
    void theBytesAndTheDecodedFieldsGetTheSameVerdict(String fields, String refusal) {
        String head = "HTTP/1.1 101 Switching Protocols\r\n" + String.join("\r\n", fields.split("/")) + "\r\n\r\n";
        assertThat(WebSocket101.refusal(Unpooled.copiedBuffer(head, StandardCharsets.US_ASCII), KEY)).isEqualTo(refusal);
        HttpHeaders decoded = new DefaultHttpHeaders();
        for (String field : fields.split("/")) {
            decoded.add(field.substring(0, field.indexOf(':')), field.substring(field.indexOf(':') + 1).strip());
        }
        assertThat(WebSocket101.refusal(decoded, KEY)).isEqualTo(refusal);
    }
}
