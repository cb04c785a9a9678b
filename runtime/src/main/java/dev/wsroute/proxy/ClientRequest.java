package dev.wsroute.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.wsroute.http.RequestHead;
import dev.wsroute.table.RequestView;
import io.netty.handler.codec.http.QueryStringDecoder;

/** A parsed request head as route matching sees it. The query string is decoded only if a rule asks for it. */
final class ClientRequest implements RequestView {
    private final RequestHead head;
    private final String host;
    private Map<String, List<String>> params;

    ClientRequest(RequestHead head) {
        this(head, hostOf(head.authority()));
    }

    /** @param host {@link #hostOf} the head's authority, found once for a connection's requests to the same Host */
    ClientRequest(RequestHead head, String host) {
        this.head = head;
        this.host = host;
    }

    /**
     * The name routes match for an authority (null: none): without its port, lowercased, without a final dot. The
     * strict parser hands on a normalised path and one authority (the absolute-form one when there was one), so
     * routing and forwarding read the same request.
     */
    static String hostOf(String authority) {
        String h = authority == null ? "" : stripPort(authority).toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h; // "chat.example.com." is the same host
    }

    RequestHead head() {
        return head;
    }

    /** The Host as the client sent it, port included; null when absent. */
    String rawHost() {
        return head.authority();
    }

    /** Path and query as they go upstream, without the absolute-form authority. */
    String pathAndQuery() {
        return head.pathAndQuery();
    }

    String query() {
        return head.query();
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public String path() {
        return head.path();
    }

    /** The first value of a field; Host is the authority, and an HTTP/1.0 request has no Upgrade (RFC 9110 §7.8). */
    @Override
    public String header(String lowerCaseName) {
        if (lowerCaseName.equals("host")) {
            return head.authority();
        }
        return head.http10() && lowerCaseName.equals("upgrade") ? null : head.get(lowerCaseName);
    }

    @Override
    public String queryParam(String name) {
        if (head.query() == null) {
            return null;
        }
        if (params == null) {
            params = new QueryStringDecoder(head.query(), false).parameters();
        }
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    @Override
    public List<String> subprotocols() {
        List<String> out = new ArrayList<>(2);
        for (int i = 0; i < head.fieldCount(); i++) {
            if (!head.name(i).equalsIgnoreCase("sec-websocket-protocol")) {
                continue;
            }
            for (String p : head.value(i).split(",")) {
                String t = p.trim();
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    static String stripPort(String hostHeader) {
        if (hostHeader.startsWith("[")) {
            int end = hostHeader.indexOf(']');
            return end > 0 ? hostHeader.substring(1, end) : hostHeader;
        }
        int colon = hostHeader.indexOf(':');
        return colon < 0 ? hostHeader : hostHeader.substring(0, colon);
    }
}
