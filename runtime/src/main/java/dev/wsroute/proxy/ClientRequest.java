package dev.wsroute.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.wsroute.table.RequestView;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;

/** A decoded request head as route matching sees it. The query string is decoded only if a rule asks for it. */
final class ClientRequest implements RequestView {
    private final HttpRequest request;
    private final String host;
    private final String rawHost;
    private final String path;
    private final String query; // without '?', or null
    private Map<String, List<String>> params;

    ClientRequest(HttpRequest request) {
        this.request = request;
        // the strict decoder hands on an origin-form target with a normalised path, and one Host (the absolute-form
        // authority when there was one), so routing and forwarding read the same request
        String uri = request.uri();
        int q = uri.indexOf('?');
        this.path = q < 0 ? uri : uri.substring(0, q);
        this.query = q < 0 ? null : uri.substring(q + 1);
        this.rawHost = request.headers().get(HttpHeaderNames.HOST);
        String h = rawHost == null ? "" : stripPort(rawHost).toLowerCase(Locale.ROOT);
        this.host = h.endsWith(".") ? h.substring(0, h.length() - 1) : h; // "chat.example.com." is the same host
    }

    HttpRequest request() {
        return request;
    }

    /** The Host as the client sent it, port included; null when absent. */
    String rawHost() {
        return rawHost;
    }

    /** Path and query as they go upstream, without the absolute-form authority. */
    String pathAndQuery() {
        return query == null ? path : path + "?" + query;
    }

    String query() {
        return query;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String header(String lowerCaseName) {
        return request.headers().get(lowerCaseName);
    }

    @Override
    public String queryParam(String name) {
        if (query == null) {
            return null;
        }
        if (params == null) {
            params = new QueryStringDecoder(query, false).parameters();
        }
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    @Override
    public List<String> subprotocols() {
        List<String> out = new ArrayList<>(2);
        for (String h : request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
            for (String p : h.split(",")) {
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
