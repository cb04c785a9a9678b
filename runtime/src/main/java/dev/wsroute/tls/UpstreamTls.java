package dev.wsroute.tls;

import io.netty.handler.ssl.SslContext;

/**
 * TLS towards a rule's backends: the client context (trust), the name sent and verified (null: the endpoint
 * host), and whether the certificate's name is checked (false only with an explicit insecureSkipVerify).
 */
public record UpstreamTls(SslContext context, String sni, boolean verifyHostname) {
}
