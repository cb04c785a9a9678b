package dev.wsroute.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * The {@code Sec-WebSocket-Accept} a 101 must carry for the key the upgrade request sent (RFC 6455 §4.1): exactly one,
 * equal to base64(SHA-1(key + GUID)). A 101 without it is not from a WebSocket server that read this request (a cache
 * replaying an old 101, a server that does not speak WebSocket). Part of {@link WebSocket101}'s check; the digest is
 * the thread's own.
 */
final class WebSocketAccept {
    private static final byte[] GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11".getBytes(StandardCharsets.US_ASCII);
    private static final FastThreadLocal<MessageDigest> SHA1 = new FastThreadLocal<>() {
        @Override
        protected MessageDigest initialValue() throws NoSuchAlgorithmException {
            return MessageDigest.getInstance("SHA-1");
        }
    };

    private WebSocketAccept() {
    }

    /** The accept value a server must send for {@code key}, as ASCII bytes. */
    static byte[] expected(String key) {
        MessageDigest sha1 = SHA1.get();
        for (int i = 0; i < key.length(); i++) {
            sha1.update((byte) key.charAt(i)); // a valid key is base64: ASCII
        }
        return Base64.getEncoder().encode(sha1.digest(GUID));
    }

    /** Whether {@code values}, the Sec-WebSocket-Accept fields of a 101, are exactly one, and the right one for {@code key}. */
    static boolean matches(List<String> values, String key) {
        return values.size() == 1 && values.get(0).strip().equals(new String(expected(key), StandardCharsets.US_ASCII));
    }
}
