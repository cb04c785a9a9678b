package dev.wsroute.tls;

import static java.util.Objects.requireNonNull;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;

/** The TLS handler at the head of an upstream channel's pipeline. */
public final class UpstreamHandlers {
    private UpstreamHandlers() {
    }

    /**
     * A client {@link SslHandler} for one upstream connection: it sends {@code tls.sni()} (else the endpoint host,
     * when that is a name rather than an IP) as SNI, and verifies the upstream certificate against that same name
     * (HTTPS endpoint identification; IP SANs for an IP), unless the rule said insecureSkipVerify ({@code verifyHostname} false).
     */
    public static SslHandler newUpstreamHandler(ByteBufAllocator alloc, UpstreamTls tls, String endpointHost, int port) {
        requireNonNull(tls, "tls");
        String peer = tls.sni() != null ? tls.sni() : requireNonNull(endpointHost, "endpointHost");
        SslHandler handler = tls.context().newHandler(alloc, peer, port); // peer: the SNI (unless an IP) and the verified name
        SSLEngine engine = handler.engine();
        SSLParameters params = engine.getSSLParameters();
        // the resolver's contexts already say so; repeated here for contexts built elsewhere
        params.setEndpointIdentificationAlgorithm(tls.verifyHostname() ? "HTTPS" : null);
        engine.setSSLParameters(params);
        return handler;
    }

    /**
     * Why an upstream handshake failed, for the 502's log line: the innermost cause with a message (engines wrap the
     * trust manager's precise reason, e.g. "No subject alternative DNS name matching x found", in generic ones).
     */
    public static String failureReason(Throwable failure) {
        Throwable best = failure;
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (t.getMessage() != null) {
                best = t;
            }
        }
        return best == null ? "unknown" : best.getClass().getSimpleName() + ": " + best.getMessage();
    }
}
