package dev.wsroute.proxy;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import dev.wsroute.http.HeadFields;
import dev.wsroute.http.HttpChars;

/** X-Forwarded-For/-Proto/-Host and RFC 7239 Forwarded on every upstream request; hop-by-hop headers dropped from requests (responses: {@link dev.wsroute.http.ResponseHeadParser}). */
final class ForwardedHeaders {
    private static final String X_FORWARDED_FOR = "X-Forwarded-For";
    private static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
    private static final String X_FORWARDED_HOST = "X-Forwarded-Host";
    private static final String FORWARDED = "Forwarded";
    /** Hop-by-hop whatever Connection says (RFC 9110 §7.6.1, and the Proxy-* ones). */
    private static final String[] HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "proxy-authenticate"};

    private ForwardedHeaders() {
    }

    /** @param originalHost the Host the client sent (before any rewrite) */
    static void add(HeadFields h, InetSocketAddress client, boolean tls, String originalHost) {
        String ip = client.getAddress().getHostAddress();
        String xff = h.get(X_FORWARDED_FOR);
        h.set(X_FORWARDED_FOR, xff == null ? ip : xff + ", " + ip);
        String proto = tls ? "https" : "http";
        h.set(X_FORWARDED_PROTO, proto);
        if (originalHost != null) {
            h.set(X_FORWARDED_HOST, originalHost);
        }
        String node = client.getAddress() instanceof Inet6Address ? "\"[" + ip + "]\"" : ip;
        StringBuilder fwd = new StringBuilder(64).append("for=").append(node);
        if (originalHost != null) {
            fwd.append(";host=").append(quoteIfNeeded(originalHost));
        }
        fwd.append(";proto=").append(proto);
        String prior = h.get(FORWARDED);
        h.set(FORWARDED, prior == null ? fwd.toString() : prior + ", " + fwd);
    }

    /**
     * Removes hop-by-hop fields from a request on its way upstream, including those the Connection header names,
     * but never the framing headers nor Host: {@code Connection: Content-Length} must not turn a framed body into
     * the start of a smuggled request.
     */
    static void removeHopByHop(HeadFields h) {
        List<String> named = null;
        for (int i = 0; i < h.size(); i++) {
            if (h.name(i).equalsIgnoreCase("connection")) {
                named = connectionNamed(h.value(i), named);
            }
        }
        if (named != null) {
            named.forEach(h::remove);
        }
        for (String name : HOP_BY_HOP) {
            h.remove(name);
        }
    }

    private static List<String> connectionNamed(String connection, List<String> named) {
        for (String token : connection.split(",")) {
            String t = token.trim();
            if (!t.isEmpty() && !HttpChars.isEndToEndFraming(t)) {
                if (named == null) {
                    named = new ArrayList<>(2);
                }
                named.add(t);
            }
        }
        return named;
    }

    private static String quoteIfNeeded(String v) {
        return v.indexOf(':') >= 0 || v.indexOf('[') >= 0 ? "\"" + v + "\"" : v;
    }
}
