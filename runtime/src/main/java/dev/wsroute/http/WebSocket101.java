package dev.wsroute.http;

import java.nio.charset.StandardCharsets;
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
    private static final byte[] WEBSOCKET = "websocket".getBytes(StandardCharsets.US_ASCII);

    private WebSocket101() {
    }

    /**
     * Why the clean 101 head in {@code head} (from its reader index; CRLF lines, as {@link SwitchingProtocolsHead}
     * vouched) is not a WebSocket client's answer, or null when it is. Read in a copy in the thread's scratch array
     * (plain array reads beat a ByteBuf's checked ones), once per session; nothing is allocated.
     *
     * @param key the request's Sec-WebSocket-Key; null: the accept value is not checked
     */
    public static String refusal(ByteBuf head, String key) {
        int end = head.readableBytes();
        byte[] b = ScratchBytes.atLeast(end);
        head.getBytes(head.readerIndex(), b, 0, end);
        byte[] want = key == null ? null : WebSocketAccept.expected(key); // its own array, not the scratch one
        int upgrades = 0;
        int accepts = 0;
        boolean websocket = false;
        boolean connectionUpgrade = false;
        boolean acceptRight = false;
        int line = indexOf(b, 0, end, (byte) '\n') + 1; // past the status line
        while (line > 0 && line < end) {
            int lf = indexOf(b, line, end, (byte) '\n');
            if (lf < 0 || lf - 1 == line) {
                break; // the empty line
            }
            int colon = indexOf(b, line, lf, (byte) ':');
            int valueEnd = lf - 1; // before the CR
            if (nameIs(b, line, colon, UPGRADE)) {
                upgrades++;
                websocket = valueIs(b, colon + 1, valueEnd, WEBSOCKET);
            } else if (nameIs(b, line, colon, CONNECTION)) {
                connectionUpgrade |= namesUpgrade(b, colon + 1, valueEnd);
            } else if (nameIs(b, line, colon, ACCEPT)) {
                accepts++;
                acceptRight = want != null && valueIs(b, colon + 1, valueEnd, want, false);
            }
            line = lf + 1;
        }
        return refusal(upgrades == 1 && websocket, connectionUpgrade, key == null || accepts == 1 && acceptRight);
    }

    /** The same check for the fields of a 101 read by an HTTP decoder (an odd head: folded lines, bare LFs). */
    public static String refusal(HttpHeaders headers, String key) {
        List<String> upgrade = headers.getAll("upgrade");
        return refusal(upgrade.size() == 1 && upgrade.get(0).strip().equalsIgnoreCase("websocket"),
                headers.getAll("connection").stream().anyMatch(WebSocket101::namesUpgrade),
                key == null || WebSocketAccept.matches(headers.getAll("sec-websocket-accept"), key));
    }

    private static String refusal(boolean upgradeWebsocket, boolean connectionUpgrade, boolean acceptRight) {
        if (!upgradeWebsocket) {
            return "101 without Upgrade: websocket";
        }
        if (!connectionUpgrade) {
            return "101 without Connection: upgrade";
        }
        if (!acceptRight) {
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

    /** The first {@code c} in {@code b[from, to)}, or -1. */
    private static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the comma-separated list in {@code [from, to)} has the token {@code upgrade}, in any case. */
    private static boolean namesUpgrade(byte[] head, int from, int to) {
        for (int token = from; token <= to;) {
            int comma = indexOf(head, token, to, (byte) ',');
            int tokenEnd = comma < 0 ? to : comma;
            if (valueIs(head, token, tokenEnd, UPGRADE)) {
                return true;
            }
            token = tokenEnd + 1;
        }
        return false;
    }

    private static boolean nameIs(byte[] head, int from, int colon, byte[] lowerCase) {
        return colon - from == lowerCase.length && same(head, from, lowerCase, true);
    }

    /** Whether the value in {@code [from, to)}, without its surrounding whitespace, is the token {@code lowerCase}, in any case. */
    private static boolean valueIs(byte[] head, int from, int to, byte[] lowerCase) {
        return valueIs(head, from, to, lowerCase, true);
    }

    /** @param foldCase whether letters match in either case (names, tokens; not the accept value's base64) */
    private static boolean valueIs(byte[] head, int from, int to, byte[] want, boolean foldCase) {
        while (from < to && (head[from] == ' ' || head[from] == '\t')) {
            from++;
        }
        while (to > from && (head[to - 1] == ' ' || head[to - 1] == '\t')) {
            to--;
        }
        return to - from == want.length && same(head, from, want, foldCase);
    }

    private static boolean same(byte[] head, int from, byte[] want, boolean foldCase) {
        for (int i = 0; i < want.length; i++) {
            int c = head[from + i];
            if ((foldCase && c >= 'A' && c <= 'Z' ? c + 32 : c) != want[i]) {
                return false;
            }
        }
        return true;
    }
}
