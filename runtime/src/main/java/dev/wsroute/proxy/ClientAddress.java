package dev.wsroute.proxy;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * The one answer to "who is the client of this connection" for everything that names it: the per-client rate limit,
 * {@code hashOn.sourceIP}, the access log's {@code client=}, X-Forwarded-For and Forwarded {@code for=}. It is the TCP
 * peer, unless a PROXY protocol header ({@link ProxyProtocolStage}) named another source: a balancer in front then is
 * the peer, and the header's source address is the client.
 */
final class ClientAddress {
    private static final AttributeKey<InetSocketAddress> FROM_PROXY_HEADER = AttributeKey.valueOf(ClientAddress.class, "fromProxyHeader");

    private ClientAddress() {
    }

    /** The client of {@code ch}: the PROXY header's source, else the TCP peer. */
    static SocketAddress of(Channel ch) {
        // hasAttr first: attr() would make an empty attribute on every connection without a header
        return ch.hasAttr(FROM_PROXY_HEADER) ? ch.attr(FROM_PROXY_HEADER).get() : ch.remoteAddress();
    }

    /** The PROXY header of {@code ch} named this source (set once, before any request is read). */
    static void fromProxyHeader(Channel ch, InetSocketAddress source) {
        ch.attr(FROM_PROXY_HEADER).set(source);
    }
}
