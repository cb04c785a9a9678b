package dev.wsroute.proxy;

import java.net.InetSocketAddress;
import java.util.List;

import dev.wsroute.http.HeadFields;
import dev.wsroute.model.Match;
import dev.wsroute.model.Rewrite;
import dev.wsroute.table.CompiledRule;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** The edits a rule makes to an upgrade request before it goes upstream: path, Host, headers, forwarding headers. */
final class HandshakeRewriter {
    private HandshakeRewriter() {
    }

    /** The upgrade request as it goes upstream: always {@code GET target HTTP/1.1}, then the edited fields. */
    record UpstreamHead(String target, HeadFields fields) {
        ByteBuf write(ByteBufAllocator alloc) {
            return fields.write(alloc, "GET", target);
        }
    }

    static UpstreamHead rewrite(ClientRequest view, CompiledRule rule, InetSocketAddress client, boolean tls,
            ForwardedHeaders.Upstream to) {
        Rewrite rw = rule.rule().rewrite();
        String path = rewritePath(view.path(), rule.rule().match().path(), rw);
        HeadFields h = HeadFields.of(view.head());
        String originalHost = view.rawHost();
        // keep the upgrade itself, drop every other hop-by-hop header
        ForwardedHeaders.removeHopByHop(h);
        if (rule.rule().lifecycle().maxMessageSize().isPresent()) {
            // no permessage-deflate: the limit is read from frame headers, and compressed they say nothing of a
            // message's size once inflated (2 KiB of deflated zeros are 2 MiB)
            h.remove("sec-websocket-extensions");
        }
        h.set("connection", "upgrade");
        h.set("upgrade", "websocket");
        if (rw.hostname() != null) {
            h.set("host", rw.hostname());
        } else if (originalHost != null) {
            h.set("host", originalHost);
        }
        ForwardedHeaders.add(h, client, tls, originalHost, to);
        // indexed: most rules edit no header, and an iterator over an empty list is still an object per upgrade
        List<String> remove = rw.removeHeaders();
        for (int i = 0; i < remove.size(); i++) {
            h.remove(remove.get(i));
        }
        List<Rewrite.Header> set = rw.setHeaders();
        for (int i = 0; i < set.size(); i++) {
            h.set(set.get(i).name(), set.get(i).value());
        }
        return new UpstreamHead(view.query() == null ? path : path + "?" + view.query(), h);
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
