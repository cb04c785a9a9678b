package dev.wsroute.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * Checks an upstream's 101 against the key the upgrade request carried (RFC 6455 §4.1): exactly one
 * {@code Sec-WebSocket-Accept}, equal to base64(SHA-1(key + GUID)). A 101 without it is not from a WebSocket server
 * that read this request (a cache replaying an old 101, a server that does not speak WebSocket), and every client
 * must fail such a handshake anyway: the proxy answers 502 instead of opening a tunnel no client will use.
 * Once per upgrade, on its 101; the digest is the thread's own.
 */
public final class WebSocketAccept {
    private static final byte[] GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NAME = "sec-websocket-accept".getBytes(StandardCharsets.US_ASCII);
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

    /**
     * Whether the clean 101 head in {@code head} (from its reader index; CRLF lines, as {@link SwitchingProtocolsHead}
     * vouched) carries exactly one Sec-WebSocket-Accept, and the right one for {@code key}.
     */
    public static boolean matches(ByteBuf head, String key) {
        byte[] want = expected(key);
        int end = head.writerIndex();
        int line = head.indexOf(head.readerIndex(), end, (byte) '\n') + 1; // past the status line
        int found = 0;
        boolean right = false;
        while (line > 0 && line < end) {
            int lf = head.indexOf(line, end, (byte) '\n');
            if (lf < 0 || lf - 1 == line) {
                break; // the empty line
            }
            int colon = head.indexOf(line, lf, (byte) ':');
            if (colon - line == NAME.length && nameIs(head, line)) {
                found++;
                right = valueIs(head, colon + 1, lf - 1, want);
            }
            line = lf + 1;
        }
        return found == 1 && right;
    }

    /** The same check for the fields of a 101 read by an HTTP decoder (an odd head: folded lines, bare LFs). */
    public static boolean matches(List<String> values, String key) {
        return values.size() == 1 && values.get(0).strip().equals(new String(expected(key), StandardCharsets.US_ASCII));
    }

    private static boolean nameIs(ByteBuf head, int at) {
        for (int i = 0; i < NAME.length; i++) {
            int c = head.getByte(at + i);
            if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != NAME[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether the value in {@code [from, to)}, without its surrounding whitespace, is {@code want}. */
    private static boolean valueIs(ByteBuf head, int from, int to, byte[] want) {
        while (from < to && (head.getByte(from) == ' ' || head.getByte(from) == '\t')) {
            from++;
        }
        while (to > from && (head.getByte(to - 1) == ' ' || head.getByte(to - 1) == '\t')) {
            to--;
        }
        if (to - from != want.length) {
            return false;
        }
        for (int i = 0; i < want.length; i++) {
            if (head.getByte(from + i) != want[i]) {
                return false;
            }
        }
        return true;
    }
}
