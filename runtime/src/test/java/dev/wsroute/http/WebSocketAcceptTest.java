package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

import org.junit.jupiter.api.Test;

/** The accept value, made in the thread's own digest and arrays: each call right for its own key, whatever came before. */
class WebSocketAcceptTest {
    @Test
    void eachKeyGetsItsOwnValueOneAfterAnotherOnOneThread() throws Exception {
        // a key of another length (a route's header edit may set one) between two valid ones: its array is grown
        for (String key : new String[] {WebSocket101Test.KEY, "a".repeat(100), "x3JJHMbDL1EzLkh9GBhXDw==", WebSocket101Test.KEY}) {
            assertThat(new String(WebSocketAccept.expected(key), StandardCharsets.US_ASCII)).as(key).isEqualTo(reference(key));
        }
        assertThat(new String(WebSocketAccept.expected(WebSocket101Test.KEY), StandardCharsets.US_ASCII)).isEqualTo(WebSocket101Test.ACCEPT);
    }

    private static String reference(String key) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-1")
                .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.ISO_8859_1));
        return Base64.getEncoder().encodeToString(digest);
    }
}
