package dev.wsroute.log;

import java.util.Locale;
import java.util.Optional;

/**
 * How a log line shows a request's query ({@code wsroute.access-log.query}). Browsers cannot set headers on a
 * WebSocket, so apps authenticate with the query ({@code ?token=}, {@code ?access_token=}, {@code ?X-Amz-Signature=}):
 * by default a line shows each parameter's name and writes {@link #MARK} for its value, so no credential reaches the
 * log pipeline. Applied while a line is formatted (the access log's writer thread), never when a request is parsed.
 */
public enum QueryInLog {
    /** Names kept, values replaced: {@code ?token=<redacted>&room=<redacted>}. */
    REDACTED,
    /** The query as the client sent it. */
    FULL,
    /** No query: the path only. */
    NONE;

    /** Stands for a value (or a name too long to be one); ASCII, so a line still goes out verbatim. */
    public static final String MARK = "<redacted>";
    /** A longer "name" is more likely a bare credential ({@code ?eyJhbGci...}) than a name: it is replaced too. */
    public static final int MAX_NAME = 32;

    /** {@code redacted}, {@code full} or {@code none}, in any case and with spaces around; empty for anything else. */
    public static Optional<QueryInLog> parse(String value) {
        try {
            return Optional.of(valueOf(value.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Appends {@code ?} and the query as this setting shows it; nothing when there is no query (null). Parameters are
     * split where the router splits them ({@code &} and {@code ;}) and their separators kept, so any query, malformed
     * or not, comes out with its shape and none of its values.
     */
    public void appendTo(StringBuilder sb, String query) {
        if (query == null || this == NONE) {
            return;
        }
        sb.append('?');
        if (this == FULL) {
            sb.append(query);
            return;
        }
        int n = query.length();
        for (int start = 0; start <= n;) {
            int end = start;
            int eq = -1;
            for (char c; end < n && (c = query.charAt(end)) != '&' && c != ';'; end++) {
                if (c == '=' && eq < 0) {
                    eq = end;
                }
            }
            int nameEnd = eq < 0 ? end : eq;
            if (nameEnd - start > MAX_NAME) {
                sb.append(MARK);
            } else {
                sb.append(query, start, nameEnd);
            }
            if (eq >= 0) {
                sb.append('=').append(MARK);
            }
            if (end < n) {
                sb.append(query.charAt(end));
            }
            start = end + 1;
        }
    }
}
