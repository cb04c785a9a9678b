package dev.wsroute.proxy;

import java.net.InetSocketAddress;

import dev.wsroute.model.Match;
import dev.wsroute.model.Rewrite;
import dev.wsroute.table.CompiledRule;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

/** The edits a rule makes to an upgrade request before it goes upstream: path, Host, headers, forwarding headers. */
final class HandshakeRewriter {
    private HandshakeRewriter() {
    }

    static HttpRequest rewrite(ClientRequest view, CompiledRule rule, InetSocketAddress client, boolean tls) {
        HttpRequest req = view.request();
        Rewrite rw = rule.rule().rewrite();
        String path = rewritePath(view.path(), rule.rule().match().path(), rw);
        req.setUri(view.query() == null ? path : path + "?" + view.query());
        req.setProtocolVersion(HttpVersion.HTTP_1_1);
        HttpHeaders h = req.headers();
        String originalHost = view.rawHost();
        // keep the upgrade itself, drop every other hop-by-hop header
        ForwardedHeaders.removeHopByHop(h);
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        if (rw.hostname() != null) {
            h.set(HttpHeaderNames.HOST, rw.hostname());
        } else if (originalHost != null) {
            h.set(HttpHeaderNames.HOST, originalHost);
        }
        ForwardedHeaders.add(h, client, tls, originalHost);
        for (String name : rw.removeHeaders()) {
            h.remove(name);
        }
        for (Rewrite.Header set : rw.setHeaders()) {
            h.set(set.name(), set.value());
        }
        return req;
    }

    static String rewritePath(String path, Match.PathMatch match, Rewrite rw) {
        if (rw.replaceFullPath() != null) {
            return rw.replaceFullPath();
        }
        if (rw.replacePrefixMatch() == null || match == null) {
            return path;
        }
        String prefix = match.value().endsWith("/") ? match.value().substring(0, match.value().length() - 1) : match.value();
        String rest = path.substring(Math.min(prefix.length(), path.length()));
        String replacement = rw.replacePrefixMatch();
        String out;
        if (replacement.endsWith("/") && rest.startsWith("/")) {
            out = replacement + rest.substring(1);
        } else {
            out = replacement + rest;
        }
        return out.isEmpty() ? "/" : out;
    }
}
