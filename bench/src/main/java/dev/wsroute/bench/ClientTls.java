package dev.wsroute.bench;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import javax.net.ssl.SSLException;

/** The load generator's TLS client context: TLS 1.3 or 1.2, trusting only the given certificates. */
final class ClientTls {
    private ClientTls() {
    }

    static SslContext context(String trustedPemFile) {
        try {
            return SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .trustManager(new File(trustedPemFile))
                    .build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot build a TLS client context from " + trustedPemFile, e);
        }
    }
}
