package dev.wsroute.http;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * The {@code Sec-WebSocket-Accept} a 101 must carry for the key the upgrade request sent (RFC 6455 §4.1): exactly one,
 * equal to base64(SHA-1(key + GUID)). A 101 without it is not from a WebSocket server that read this request (a cache
 * replaying an old 101, a server that does not speak WebSocket). Part of {@link WebSocket101}'s check, once per
 * upgrade: the digest and its arrays are the thread's own, so a check allocates nothing, and the key goes into the
 * digest in one piece (byte by byte, each update was a call through the provider's checks).
 */
final class WebSocketAccept {
    private static final byte[] GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11".getBytes(StandardCharsets.US_ASCII);
    /** The length of an accept value: base64 of a 20-byte SHA-1. */
    static final int LENGTH = 28;
    private static final FastThreadLocal<WebSocketAccept> PER_THREAD = new FastThreadLocal<>() {
        @Override
        protected WebSocketAccept initialValue() throws NoSuchAlgorithmException {
            return new WebSocketAccept(MessageDigest.getInstance("SHA-1"));
        }
    };

    private final MessageDigest sha1;
    /** The key's bytes; a valid key is 24 (grown for a longer one a route's header edit may have set). */
    private byte[] key = new byte[24];
    private final byte[] digest = new byte[20];
    private final byte[] accept = new byte[LENGTH];

    private WebSocketAccept(MessageDigest sha1) {
        this.sha1 = sha1;
    }

    /**
     * The accept value a server must send for {@code key}, as ASCII bytes in this thread's array: read it before the
     * next call on this thread, keep no reference to it.
     */
    @SuppressWarnings("deprecation") // the one String copy that neither encodes nor allocates: a valid key is base64, ASCII
    static byte[] expected(String key) {
        WebSocketAccept a = PER_THREAD.get();
        int n = key.length();
        if (a.key.length < n) {
            a.key = new byte[n];
        }
        key.getBytes(0, n, a.key, 0);
        a.sha1.update(a.key, 0, n);
        a.sha1.update(GUID);
        try {
            a.sha1.digest(a.digest, 0, a.digest.length);
        } catch (DigestException e) {
            throw new IllegalStateException(e); // 20 bytes is SHA-1's length: never
        }
        Base64.getEncoder().encode(a.digest, a.accept);
        return a.accept;
    }

    /** Whether {@code values}, the Sec-WebSocket-Accept fields of a 101, are exactly one, and the right one for {@code key}. */
    static boolean matches(List<String> values, String key) {
        return values.size() == 1 && values.get(0).strip().equals(new String(expected(key), StandardCharsets.US_ASCII));
    }
}
