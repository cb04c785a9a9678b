package dev.wsroute.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Checks an upstream's 101 to a WebSocket upgrade as every client does (RFC 6455 §4.1): {@code Upgrade: websocket}
 * (one field, that one protocol), {@code Connection} naming {@code upgrade}, and exactly one
 * {@code Sec-WebSocket-Accept} right for the request's key ({@link WebSocketAccept}). Any other 101 (a switch to
 * {@code h2c} or TLS, a cache replaying an old 101, a server that does not speak WebSocket) is one no client accepts:
 * the proxy answers 502 instead of opening a tunnel to a protocol the client did not ask for.
 * Once per upgrade, on its 101.
 */
public final class WebSocket101 {
    private static final byte[] UPGRADE = "upgrade".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION = "connection".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ACCEPT = "sec-websocket-accept".getBytes(StandardCharsets.US_ASCII);

    private WebSocket101() {
    }

    /**
     * Why the clean 101 head in {@code head} (from its reader index; CRLF lines, as {@link SwitchingProtocolsHead}
     * vouched) is not a WebSocket client's answer, or null when it is.
     *
     * @param key the request's Sec-WebSocket-Key; null: the accept value is not checked
     */
    public static String refusal(ByteBuf head, String key) {
        List<String> upgrade = new ArrayList<>(1);
        List<String> connection = new ArrayList<>(1);
        List<String> accept = new ArrayList<>(1);
        int end = head.writerIndex();
        int line = head.indexOf(head.readerIndex(), end, (byte) '\n') + 1; // past the status line
        while (line > 0 && line < end) {
            int lf = head.indexOf(line, end, (byte) '\n');
            if (lf < 0 || lf - 1 == line) {
                break; // the empty line
            }
            int colon = head.indexOf(line, lf, (byte) ':');
            List<String> values = nameIs(head, line, colon, UPGRADE) ? upgrade
                    : nameIs(head, line, colon, CONNECTION) ? connection
                    : nameIs(head, line, colon, ACCEPT) ? accept : null;
            if (values != null) {
                values.add(head.toString(colon + 1, lf - 1 - (colon + 1), StandardCharsets.ISO_8859_1));
            }
            line = lf + 1;
        }
        return refusal(upgrade, connection, accept, key);
    }

    /** The same check for the fields of a 101 read by an HTTP decoder (an odd head: folded lines, bare LFs). */
    public static String refusal(HttpHeaders headers, String key) {
        return refusal(headers.getAll("upgrade"), headers.getAll("connection"), headers.getAll("sec-websocket-accept"), key);
    }

    private static String refusal(List<String> upgrade, List<String> connection, List<String> accept, String key) {
        if (upgrade.size() != 1 || !upgrade.get(0).strip().equalsIgnoreCase("websocket")) {
            return "101 without Upgrade: websocket";
        }
        if (connection.stream().noneMatch(WebSocket101::namesUpgrade)) {
            return "101 without Connection: upgrade";
        }
        if (key != null && !WebSocketAccept.matches(accept, key)) {
            return "101 without the right Sec-WebSocket-Accept";
        }
        return null;
    }

    private static boolean namesUpgrade(String connection) {
        for (String token : connection.split(",")) {
            if (token.strip().equalsIgnoreCase("upgrade")) {
                return true;
            }
        }
        return false;
    }

    private static boolean nameIs(ByteBuf head, int from, int colon, byte[] lowerCase) {
        if (colon - from != lowerCase.length) {
            return false;
        }
        for (int i = 0; i < lowerCase.length; i++) {
            int c = head.getByte(from + i);
            if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != lowerCase[i]) {
                return false;
            }
        }
        return true;
    }
}
