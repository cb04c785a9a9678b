package dev.wsroute.proxy;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/** X-Forwarded-For/-Proto/-Host and RFC 7239 Forwarded on every upstream request. */
final class ForwardedHeaders {
    private static final String X_FORWARDED_FOR = "X-Forwarded-For";
    private static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
    private static final String X_FORWARDED_HOST = "X-Forwarded-Host";
    private static final String FORWARDED = "Forwarded";

    private ForwardedHeaders() {
    }

    /** @param originalHost the Host the client sent (before any rewrite) */
    static void add(HttpHeaders h, InetSocketAddress client, boolean tls, String originalHost) {
        String ip = client.getAddress().getHostAddress();
        String xff = h.get(X_FORWARDED_FOR);
        h.set(X_FORWARDED_FOR, xff == null ? ip : xff + ", " + ip);
        String proto = tls ? "https" : "http";
        h.set(X_FORWARDED_PROTO, proto);
        if (originalHost != null) {
            h.set(X_FORWARDED_HOST, originalHost);
        }
        String node = client.getAddress() instanceof Inet6Address ? "\"[" + ip + "]\"" : ip;
        StringBuilder fwd = new StringBuilder("for=").append(node);
        if (originalHost != null) {
            fwd.append(";host=").append(quoteIfNeeded(originalHost));
        }
        fwd.append(";proto=").append(proto);
        String prior = h.get(FORWARDED);
        h.set(FORWARDED, prior == null ? fwd.toString() : prior + ", " + fwd);
    }

    /**
     * Removes hop-by-hop headers, including those the Connection header names, but never the framing headers nor
     * Host: {@code Connection: Content-Length} must not turn a framed body into the start of a smuggled request.
     */
    static void removeHopByHop(HttpHeaders h) {
        for (String c : h.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : c.split(",")) {
                String t = token.trim();
                if (!t.isEmpty() && !dev.wsroute.http.HttpChars.isEndToEndFraming(t)) {
                    h.remove(t);
                }
            }
        }
        h.remove(HttpHeaderNames.CONNECTION);
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove("Proxy-Connection");
        h.remove(HttpHeaderNames.TE);
        h.remove(HttpHeaderNames.TRAILER);
        h.remove(HttpHeaderNames.UPGRADE);
        h.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
    }

    private static String quoteIfNeeded(String v) {
        return v.indexOf(':') >= 0 || v.indexOf('[') >= 0 ? "\"" + v + "\"" : v;
    }
}
