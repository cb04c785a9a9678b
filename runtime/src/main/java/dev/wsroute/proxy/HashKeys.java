package dev.wsroute.proxy;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

import dev.wsroute.model.LoadBalancing.HashOn;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;

/** The value a ConsistentHash rule hashes on, taken from the request (or the client's address, {@link ClientAddress}). */
final class HashKeys {
    private HashKeys() {
    }

    /** Null when the rule does not hash, or the request lacks the value (the balancer then picks at random). */
    static String of(HashOn on, ClientRequest request, SocketAddress client) {
        if (on == null) {
            return null;
        }
        return switch (on.source()) {
            case header -> request.header(on.name());
            case queryParam -> request.queryParam(on.name());
            case sourceIP -> client instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "";
            case cookie -> cookie(request.header("cookie"), on.name());
        };
    }

    private static String cookie(String header, String name) {
        if (header == null) {
            return null;
        }
        for (Cookie c : ServerCookieDecoder.LAX.decode(header)) {
            if (c.name().equals(name)) {
                return c.value();
            }
        }
        return null;
    }
}
