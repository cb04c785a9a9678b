package dev.wsroute.proxy;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.wsroute.http.HeadFields;
import dev.wsroute.http.HttpChars;
import dev.wsroute.table.PoolId;

/**
 * X-Forwarded-For/-Proto/-Host and RFC 7239 Forwarded on every upstream request; hop-by-hop headers dropped from
 * requests (responses: {@link dev.wsroute.http.ResponseHeadParser}).
 * <p>
 * A route's backend gets the client's X-Forwarded-For and Forwarded values in front of ours (a chain it can read from
 * the right). The default backend (the embedding app, the sidecar's app container) gets ours alone, and none of the
 * client's other forwarding fields: the listener is its public port, and Quarkus and Spring believe the
 * <em>first</em> X-Forwarded-For element, and X-Forwarded-Ssl/-Port/-Prefix, so a client's own would be taken as
 * the listener's word; unless {@code wsroute.default-backend.trust-forwarded} says an L7 proxy in front sets them.
 */
final class ForwardedHeaders {
    private static final String X_FORWARDED_FOR = "X-Forwarded-For";
    private static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
    private static final String X_FORWARDED_HOST = "X-Forwarded-Host";
    private static final String FORWARDED = "Forwarded";
    /** Forwarding fields wsroute never writes but apps believe: only ever the client's own. */
    private static final String[] CLIENT_ONLY = {"x-forwarded-ssl", "x-forwarded-port", "x-forwarded-prefix", "x-forwarded-server"};
    /** Hop-by-hop whatever Connection says (RFC 9110 §7.6.1, and the Proxy-* ones). */
    private static final String[] HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "proxy-authenticate"};

    /** What a field is to these edits. */
    private enum Kind { OTHER, HOP_BY_HOP, CONNECTION, X_FORWARDED_FOR, X_FORWARDED_PROTO, X_FORWARDED_HOST, FORWARDED, CLIENT_ONLY }

    /** Whom a request goes to, for what the client's own forwarding fields become. */
    enum Upstream {
        /** A route's backend: the client's X-Forwarded-For and Forwarded values are kept in front of ours. */
        ROUTE,
        /** The default backend, whose public port the listener is: ours alone, the client's dropped. */
        DEFAULT_BACKEND;

        /** @param trustForwarded wsroute.default-backend.trust-forwarded: the default backend gets the chain too */
        static Upstream of(PoolId pool, boolean trustForwarded) {
            return pool instanceof PoolId.DefaultBackend && !trustForwarded ? DEFAULT_BACKEND : ROUTE;
        }
    }

    private ForwardedHeaders() {
    }

    /**
     * A plain request's fields on their way upstream: {@link #removeHopByHop} and then {@link #add}, in one pass over
     * the fields (a second only when Connection names fields beyond the fixed hop-by-hop ones).
     *
     * @param originalHost the Host the client sent (before any rewrite)
     */
    static void forward(HeadFields h, Peer client, String originalHost, Upstream to) {
        edit(h, true, client, originalHost, to);
    }

    /** @param originalHost the Host the client sent (before any rewrite) */
    static void add(HeadFields h, InetSocketAddress client, boolean tls, String originalHost, Upstream to) {
        add(h, new Peer(client, tls), originalHost, to);
    }

    /** As {@link #add(HeadFields, InetSocketAddress, boolean, String, Upstream)}, with the strings of a connection's client made once. */
    static void add(HeadFields h, Peer client, String originalHost, Upstream to) {
        edit(h, false, client, originalHost, to);
    }

    /**
     * Removes hop-by-hop fields from a request on its way upstream, including those the Connection header names,
     * but never the framing headers nor Host: {@code Connection: Content-Length} must not turn a framed body into
     * the start of a smuggled request. Every upgrade names {@code Upgrade}, already hop-by-hop: only a name beyond
     * the fixed list is copied out of the header (on every upgrade, no token list, no stream).
     */
    static void removeHopByHop(HeadFields h) {
        edit(h, true, null, null, Upstream.ROUTE);
    }

    /**
     * One pass over the fields, each classified once by its name: hop-by-hop ones dropped ({@code hopByHop}); with a
     * {@code client}, the client's forwarding fields dropped too (for a route's backend, its X-Forwarded-For and
     * Forwarded lines, joined, go in front of ours) and the proxy's added at the end.
     */
    private static void edit(HeadFields h, boolean hopByHop, Peer client, String originalHost, Upstream to) {
        boolean forwarding = client != null;
        boolean chain = to == Upstream.ROUTE;
        String xff = null;
        String prior = null;
        List<String> named = null;
        int kept = 0;
        for (int i = 0; i < h.size(); i++) {
            boolean drop = switch (kind(h.name(i))) {
                case OTHER -> false;
                case HOP_BY_HOP -> hopByHop;
                case CONNECTION -> {
                    if (hopByHop) {
                        named = connectionNamed(h.value(i), named);
                    }
                    yield hopByHop;
                }
                case X_FORWARDED_FOR -> { // every line, in order: a proxy before us may have added its own line
                    xff = forwarding && chain ? joined(xff, h.value(i)) : xff;
                    yield forwarding;
                }
                case FORWARDED -> {
                    prior = forwarding && chain ? joined(prior, h.value(i)) : prior;
                    yield forwarding;
                }
                case X_FORWARDED_PROTO -> forwarding;
                case X_FORWARDED_HOST -> forwarding && (originalHost != null || !chain); // without a Host to forward, a route's backend gets the client's
                case CLIENT_ONLY -> forwarding && !chain;
            };
            if (!drop) {
                h.moveTo(i, kept++);
            }
        }
        h.truncate(kept);
        if (named != null) {
            List<String> alsoNamed = named;
            h.removeIf(name -> containsIgnoreCase(alsoNamed, name));
            // a forwarding field the client named hop-by-hop is not the client's to pass on
            xff = containsIgnoreCase(named, X_FORWARDED_FOR) ? null : xff;
            prior = containsIgnoreCase(named, FORWARDED) ? null : prior;
        }
        if (forwarding) {
            h.add(X_FORWARDED_FOR, xff == null ? client.ip : xff + ", " + client.ip);
            h.add(X_FORWARDED_PROTO, client.proto);
            if (originalHost != null) {
                h.add(X_FORWARDED_HOST, originalHost);
            }
            String fwd = client.forwarded(originalHost);
            h.add(FORWARDED, prior == null ? fwd : prior + ", " + fwd);
        }
    }

    /** The field's kind, found with one switch on the name's length and at most two comparisons. */
    private static Kind kind(String name) {
        return switch (name.length()) {
            case 2 -> name.equalsIgnoreCase("te") ? Kind.HOP_BY_HOP : Kind.OTHER;
            case 7 -> name.equalsIgnoreCase("upgrade") || name.equalsIgnoreCase("trailer") ? Kind.HOP_BY_HOP : Kind.OTHER;
            case 9 -> name.equalsIgnoreCase(FORWARDED) ? Kind.FORWARDED : Kind.OTHER;
            case 10 -> name.equalsIgnoreCase("connection") ? Kind.CONNECTION
                    : name.equalsIgnoreCase("keep-alive") ? Kind.HOP_BY_HOP : Kind.OTHER;
            case 15 -> name.equalsIgnoreCase(X_FORWARDED_FOR) ? Kind.X_FORWARDED_FOR : clientOnly(name);
            case 16 -> name.equalsIgnoreCase(X_FORWARDED_HOST) ? Kind.X_FORWARDED_HOST
                    : name.equalsIgnoreCase("proxy-connection") ? Kind.HOP_BY_HOP : clientOnly(name);
            case 17 -> name.equalsIgnoreCase(X_FORWARDED_PROTO) ? Kind.X_FORWARDED_PROTO : Kind.OTHER;
            case 18 -> name.equalsIgnoreCase("proxy-authenticate") ? Kind.HOP_BY_HOP : clientOnly(name);
            default -> Kind.OTHER;
        };
    }

    /** Field lines of one name are one comma-separated list (RFC 9110 §5.3). */
    private static String joined(String before, String line) {
        return before == null ? line : before + ", " + line;
    }

    /** A forwarding field of the {@link #CLIENT_ONLY} kind, or any other field. */
    private static Kind clientOnly(String name) {
        for (String c : CLIENT_ONLY) {
            if (name.equalsIgnoreCase(c)) {
                return Kind.CLIENT_ONLY;
            }
        }
        return Kind.OTHER;
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
                    fwd.append(";host=");
                    appendQuotedIfNeeded(fwd, originalHost);
                }
                forwarded = fwd.append(";proto=").append(proto).toString();
                forwardedHost = originalHost;
            }
            return forwarded;
        }
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

    /** A host with a port (or an IPv6 literal) quoted, into the value being built rather than as a string of its own. */
    private static void appendQuotedIfNeeded(StringBuilder to, String v) {
        if (v.indexOf(':') >= 0 || v.indexOf('[') >= 0) {
            to.append('"').append(v).append('"');
        } else {
            to.append(v);
        }
    }
}
