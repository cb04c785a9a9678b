package dev.wsroute.http;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Fields that must not come in a trailer section (RFC 9110 §6.5.1): those that frame or route a message, scope the
 * connection, authenticate, modify a request, say how to read the content, and the forwarding fields the proxy
 * vouches for in the head. A recipient that merged one of them into the head (some servers and frameworks do) would
 * act on a value no check before it saw: a second Content-Length, another Host, a forged X-Forwarded-For. Such a
 * field is dropped from the trailers ({@link ChunkedFraming}), never passed on; the rest of the message goes on.
 */
public final class TrailerFields {
    /** As they are named in refusals; matched case-insensitively. */
    private static final Map<String, String> FORBIDDEN = Stream.of(
            "Content-Length", "Transfer-Encoding", "Trailer", "Host",
            "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Upgrade",
            "Content-Encoding", "Content-Type", "Content-Range",
            "Authorization", "Proxy-Authorization", "Proxy-Authenticate", "WWW-Authenticate", "Cookie", "Set-Cookie",
            "Expect", "Max-Forwards", "Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range",
            "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto")
            .collect(Collectors.toUnmodifiableMap(n -> n.toLowerCase(Locale.ROOT), Function.identity()));
    /** No forbidden name is longer: a longer trailer name is never looked up. */
    static final int LONGEST = FORBIDDEN.keySet().stream().mapToInt(String::length).max().orElseThrow();

    private TrailerFields() {
    }

    /** The forbidden field {@code name[0, length)} (lower-case ASCII) names, or null when it may be a trailer. */
    static String forbidden(byte[] name, int length) {
        return length > LONGEST ? null : FORBIDDEN.get(new String(name, 0, length, StandardCharsets.ISO_8859_1));
    }
}
