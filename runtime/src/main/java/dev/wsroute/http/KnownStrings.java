package dev.wsroute.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The methods, field names and a few values that nearly every request carries, as shared strings: the parser hands out one
 * of these when the bytes are exactly the same (case included, so the forwarded head is unchanged), instead of a new
 * string per field per request. Comparing with them is also quicker ({@code equalsIgnoreCase} checks identity first).
 */
final class KnownStrings {
    private static final String[] NAMES = {
        "host", "Host", "upgrade", "Upgrade", "connection", "Connection", "origin", "Origin",
        "sec-websocket-key", "Sec-WebSocket-Key", "sec-websocket-version", "Sec-WebSocket-Version",
        "sec-websocket-extensions", "Sec-WebSocket-Extensions", "sec-websocket-protocol", "Sec-WebSocket-Protocol",
        "user-agent", "User-Agent", "accept", "Accept", "accept-encoding", "Accept-Encoding", "accept-language",
        "Accept-Language", "cache-control", "Cache-Control", "pragma", "Pragma", "cookie", "Cookie", "authorization",
        "Authorization", "content-length", "Content-Length", "content-type", "Content-Type", "transfer-encoding",
        "Transfer-Encoding", "x-forwarded-for", "X-Forwarded-For", "x-forwarded-proto", "X-Forwarded-Proto",
        "x-forwarded-host", "X-Forwarded-Host", "x-request-id", "X-Request-Id", "referer", "Referer", "te", "TE",
    };
    private static final String[] METHOD_NAMES = { "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH" };
    private static final String[] VALUES = { "websocket", "Upgrade", "upgrade", "keep-alive", "close", "13", "*/*",
        "permessage-deflate; client_max_window_bits", "no-cache", "gzip, deflate", "gzip, deflate, br" };

    /** Per length, the strings of that length with their bytes. */
    private final byte[][][] bytesByLength;
    private final String[][] stringsByLength;

    static final KnownStrings METHODS = new KnownStrings(METHOD_NAMES);
    static final KnownStrings FIELD_NAMES = new KnownStrings(NAMES);
    static final KnownStrings FIELD_VALUES = new KnownStrings(VALUES);

    private KnownStrings(String[] known) {
        int max = 0;
        for (String s : known) {
            max = Math.max(max, s.length());
        }
        bytesByLength = new byte[max + 1][][];
        stringsByLength = new String[max + 1][];
        for (int len = 0; len <= max; len++) {
            List<String> same = new ArrayList<>();
            for (String s : known) {
                if (s.length() == len) {
                    same.add(s);
                }
            }
            stringsByLength[len] = same.toArray(String[]::new);
            bytesByLength[len] = same.stream().map(s -> s.getBytes(StandardCharsets.ISO_8859_1)).toArray(byte[][]::new);
        }
    }

    /** The ISO-8859-1 string of {@code bytes[from, to)}: a shared one when it is known, else a new one. */
    String of(byte[] bytes, int from, int to) {
        int len = to - from;
        if (len < bytesByLength.length) {
            byte[][] candidates = bytesByLength[len];
            for (int c = 0; c < candidates.length; c++) {
                if (java.util.Arrays.equals(candidates[c], 0, len, bytes, from, to)) {
                    return stringsByLength[len][c];
                }
            }
        }
        return new String(bytes, from, len, StandardCharsets.ISO_8859_1);
    }
}
