package dev.wsroute.proxy;

import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import dev.wsroute.table.Endpoint;
import dev.wsroute.tls.UpstreamTls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;

/** The TLS handler of an upstream connection: SNI sent, and the certificate checked against the same name. */
final class UpstreamTlsHandlers {
    private UpstreamTlsHandlers() {
    }

    static SslHandler create(ByteBufAllocator alloc, UpstreamTls tls, Endpoint endpoint) {
        String name = tls.sni() != null ? tls.sni() : endpoint.address().getHostString();
        SslHandler handler = tls.context().newHandler(alloc, name, endpoint.address().getPort());
        SSLEngine engine = handler.engine();
        SSLParameters params = engine.getSSLParameters();
        if (!NetUtil.isValidIpV4Address(name) && !NetUtil.isValidIpV6Address(name)) {
            params.setServerNames(List.of(new SNIHostName(name)));
        }
        if (tls.verifyHostname()) {
            params.setEndpointIdentificationAlgorithm("HTTPS");
        }
        engine.setSSLParameters(params);
        return handler;
    }
}
