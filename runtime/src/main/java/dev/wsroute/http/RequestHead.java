package dev.wsroute.http;

import java.util.Locale;

/**
 * A request head as {@link RequestHeadParser} accepted it: one method, a normalised path, the one authority the
 * request is for, the fields in their order, and the body framing. Everything the proxy routes on and forwards
 * comes from here, so routing and forwarding can never see two different requests.
 */
public final class RequestHead {
    final String method;
    final String path;
    final String query;
    final String authority;
    final boolean http10;
    final String[] names;
    final String[] values;
    final int size;
    final Framing framing;
    final boolean expectContinue;

    RequestHead(String method, String path, String query, String authority, boolean http10, String[] names,
            String[] values, int size, Framing framing, boolean expectContinue) {
        this.method = method;
        this.path = path;
        this.query = query;
        this.authority = authority;
        this.http10 = http10;
        this.names = names;
        this.values = values;
        this.size = size;
        this.framing = framing;
        this.expectContinue = expectContinue;
    }

    public String method() {
        return method;
    }

    /** The normalised path (see {@link PathNormalizer}). */
    public String path() {
        return path;
    }

    /** The query without '?', as sent (its escapes checked), or null. */
    public String query() {
        return query;
    }

    public String pathAndQuery() {
        return query == null ? path : path + '?' + query;
    }

    /** The Host the request is for (from the absolute-form target when there is one), port included; null for an HTTP/1.0 request without one. */
    public String authority() {
        return authority;
    }

    public boolean http10() {
        return http10;
    }

    public Framing framing() {
        return framing;
    }

    public boolean expectContinue() {
        return expectContinue;
    }

    public int fieldCount() {
        return size;
    }

    public String name(int i) {
        return names[i];
    }

    public String value(int i) {
        return values[i];
    }

    /** Whether a comma-separated list field (e.g. Connection) holds this token, in any of its lines; case-insensitive. */
    public boolean hasToken(String name, String token) {
        for (int i = 0; i < size; i++) {
            // the length first: most fields are not the one asked for, and then no call
            if (names[i].length() == name.length() && names[i].equalsIgnoreCase(name) && listHas(values[i], token)) {
                return true;
            }
        }
        return false;
    }

    /** {@code #element} list membership without splitting: elements trimmed of OWS, empty ones skipped. */
    private static boolean listHas(String list, String token) {
        int n = list.length();
        int i = 0;
        while (i < n) {
            while (i < n && (list.charAt(i) == ' ' || list.charAt(i) == '\t')) {
                i++;
            }
            int start = i;
            while (i < n && list.charAt(i) != ',') {
                i++;
            }
            int end = i;
            while (end > start && (list.charAt(end - 1) == ' ' || list.charAt(end - 1) == '\t')) {
                end--;
            }
            if (end - start == token.length() && list.regionMatches(true, start, token, 0, end - start)) {
                return true;
            }
            i++; // past the comma
        }
        return false;
    }

    /** Whether the client keeps the connection open after this request (RFC 9112 §9.3). */
    public boolean keepAlive() {
        return !hasToken("connection", "close") && (!http10 || hasToken("connection", "keep-alive"));
    }

    /** A WebSocket upgrade: HTTP/1.1, {@code Connection: upgrade} and {@code Upgrade: websocket}. */
    public boolean isWebSocketUpgrade() {
        return !http10 && hasToken("connection", "upgrade") && "websocket".equalsIgnoreCase(get("upgrade"));
    }

    /** The first value of a field, or null. */
    public String get(String name) {
        for (int i = 0; i < size; i++) {
            if (names[i].length() == name.length() && names[i].equalsIgnoreCase(name)) {
                return values[i];
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return method + " " + pathAndQuery() + (http10 ? " HTTP/1.0" : " HTTP/1.1") + " host=" + authority
                + " framing=" + framing.kind().name().toLowerCase(Locale.ROOT);
    }
}
