package dev.wsroute.tls;

import static java.util.Objects.requireNonNull;

import java.util.function.Supplier;

import javax.net.ssl.SSLHandshakeException;

import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsyncMapping;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/**
 * The mapping for Netty's {@link SniHandler}: each handshake asks the certificates current at that moment (so a
 * table swap is a rotation), and no certificate at all fails the lookup instead of handing Netty a null context.
 * <pre>{@code new SniHandler(new SniMapping(() -> holder.current().certificates()))}</pre>
 * A failed lookup reaches {@code exceptionCaught} as a DecoderException (and a failed SniCompletionEvent): close there.
 */
public final class SniMapping implements AsyncMapping<String, SslContext> {
    private final Supplier<ServerCertificates> certificates;

    public SniMapping(Supplier<ServerCertificates> certificates) {
        this.certificates = requireNonNull(certificates, "certificates");
    }

    @Override
    public Future<SslContext> map(String sni, Promise<SslContext> promise) {
        SslContext ctx = certificates.get().select(sni);
        if (ctx == null) {
            String why = "no certificate for " + (sni == null ? "a client without SNI" : "SNI " + sni) + " and no default certificate";
            MissingCertificateLog.once(sni, why);
            return promise.setFailure(new SSLHandshakeException(why));
        }
        return promise.setSuccess(ctx);
    }
}
