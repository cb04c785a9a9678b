package dev.wsroute.tls;

import io.netty.handler.ssl.SslContext;

/** TLS towards a rule's backends: the client context (trust) and the name sent and verified (null: the endpoint host). */
public record UpstreamTls(SslContext context, String sni) {
}
