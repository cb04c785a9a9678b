package dev.wsroute.proxy;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

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

    private static final Predicate<String> HOP = ForwardedHeaders::hopByHop;
    private static final Predicate<String> FORWARDING = name -> name.equalsIgnoreCase(X_FORWARDED_FOR)
            || name.equalsIgnoreCase(X_FORWARDED_PROTO) || name.equalsIgnoreCase(X_FORWARDED_HOST) || name.equalsIgnoreCase(FORWARDED);
    /** Without a Host to forward, the client's X-Forwarded-Host stays. */
    private static final Predicate<String> FORWARDING_BUT_HOST = FORWARDING.and(name -> !name.equalsIgnoreCase(X_FORWARDED_HOST));

    private ForwardedHeaders() {
    }

    /** @param originalHost the Host the client sent (before any rewrite) */
    static void add(HeadFields h, InetSocketAddress client, boolean tls, String originalHost) {
        add(h, new Peer(client, tls), originalHost);
    }

    /** As {@link #add(HeadFields, InetSocketAddress, boolean, String)}, with the strings of a connection's client made once. */
    static void add(HeadFields h, Peer client, String originalHost) {
        String xff = null;
        String prior = null;
        for (int i = 0; i < h.size(); i++) { // the first of each, then all of them go in one pass
            if (xff == null && h.name(i).equalsIgnoreCase(X_FORWARDED_FOR)) {
                xff = h.value(i);
            } else if (prior == null && h.name(i).equalsIgnoreCase(FORWARDED)) {
                prior = h.value(i);
            }
        }
        h.removeIf(originalHost != null ? FORWARDING : FORWARDING_BUT_HOST);
        h.add(X_FORWARDED_FOR, xff == null ? client.ip : xff + ", " + client.ip);
        h.add(X_FORWARDED_PROTO, client.proto);
        if (originalHost != null) {
            h.add(X_FORWARDED_HOST, originalHost);
        }
        String fwd = client.forwarded(originalHost);
        h.add(FORWARDED, prior == null ? fwd : prior + ", " + fwd);
    }

    /**
     * The client of one connection as the forwarding fields name it: its address as a string and its Forwarded
     * element, made once per connection and per Host rather than on every keep-alive request.
     */
    static final class Peer {
        private final String ip;
        private final String proto;
        /** The Forwarded element's {@code for=} node: an IPv6 address bracketed and quoted (RFC 7239 §6). */
        private final String node;
        private String forwardedHost;
        private String forwarded;

        Peer(InetSocketAddress client, boolean tls) {
            this.ip = client.getAddress().getHostAddress();
            this.proto = tls ? "https" : "http";
            this.node = client.getAddress() instanceof Inet6Address ? "\"[" + ip + "]\"" : ip;
        }

        /** {@code for=…;host=…;proto=…}, for the Host the client sent (none when null). */
        String forwarded(String originalHost) {
            if (forwarded == null || !Objects.equals(originalHost, forwardedHost)) {
                StringBuilder fwd = new StringBuilder(64).append("for=").append(node);
                if (originalHost != null) {
                    fwd.append(";host=").append(quoteIfNeeded(originalHost));
                }
                forwarded = fwd.append(";proto=").append(proto).toString();
                forwardedHost = originalHost;
            }
            return forwarded;
        }
    }

    /**
     * Removes hop-by-hop fields from a request on its way upstream, including those the Connection header names,
     * but never the framing headers nor Host: {@code Connection: Content-Length} must not turn a framed body into
     * the start of a smuggled request. Every upgrade names {@code Upgrade}, already hop-by-hop: only a name beyond
     * the fixed list is copied out of the header (on every upgrade, no token list, no stream).
     */
    static void removeHopByHop(HeadFields h) {
        List<String> named = null;
        for (int i = 0; i < h.size(); i++) {
            if (h.name(i).equalsIgnoreCase("connection")) {
                named = connectionNamed(h.value(i), named);
            }
        }
        if (named == null) {
            h.removeIf(HOP);
        } else {
            List<String> alsoNamed = named;
            h.removeIf(name -> hopByHop(name) || containsIgnoreCase(alsoNamed, name));
        }
    }

    private static boolean hopByHop(String name) {
        return hopByHop(name, 0, name.length());
    }

    /** Whether {@code s[start, end)} is one of the fixed hop-by-hop names. */
    private static boolean hopByHop(String s, int start, int end) {
        for (String hop : HOP_BY_HOP) {
            if (end - start == hop.length() && s.regionMatches(true, start, hop, 0, hop.length())) {
                return true;
            }
        }
        return false;
    }

    /** Adds to {@code named} the tokens of a Connection value that are neither hop-by-hop already nor framing. */
    private static List<String> connectionNamed(String connection, List<String> named) {
        int n = connection.length();
        for (int i = 0; i <= n; i++) {
            int start = i;
            while (i < n && connection.charAt(i) != ',') {
                i++;
            }
            int end = i;
            while (start < end && isOws(connection.charAt(start))) {
                start++;
            }
            while (end > start && isOws(connection.charAt(end - 1))) {
                end--;
            }
            if (end > start && !hopByHop(connection, start, end)) {
                String t = connection.substring(start, end);
                if (!HttpChars.isEndToEndFraming(t)) {
                    if (named == null) {
                        named = new ArrayList<>(2);
                    }
                    named.add(t);
                }
            }
        }
        return named;
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean containsIgnoreCase(List<String> names, String name) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static String quoteIfNeeded(String v) {
        return v.indexOf(':') >= 0 || v.indexOf('[') >= 0 ? "\"" + v + "\"" : v;
    }
}
