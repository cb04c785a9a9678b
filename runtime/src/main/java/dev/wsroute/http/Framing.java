package dev.wsroute.http;

/**
 * How a request body is delimited (RFC 9112 §6.3), decided once from the head: no body, exactly N bytes, or
 * chunked. Nothing else is accepted, so the proxy and the upstream can never disagree on where a request ends.
 */
public record Framing(Kind kind, long length) {
    public enum Kind { NONE, LENGTH, CHUNKED }

    public static final Framing NONE = new Framing(Kind.NONE, 0);
    public static final Framing CHUNKED = new Framing(Kind.CHUNKED, -1);

    public static Framing length(long n) {
        return new Framing(Kind.LENGTH, n);
    }

    /** Whether body bytes follow the head ({@code Content-Length: 0} is framing without a body). */
    public boolean hasBody() {
        return kind == Kind.CHUNKED || length > 0;
    }
}
