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
    /** Longer than any DNS name (253): a name is shown up to this many characters. */
    static final int MAX_SHOWN = 255;

    private final Supplier<ServerCertificates> certificates;
    private final MissingCertificateLog missing;

    public SniMapping(Supplier<ServerCertificates> certificates) {
        this(certificates, MissingCertificateLog.SHARED);
    }

    SniMapping(Supplier<ServerCertificates> certificates, MissingCertificateLog missing) {
        this.certificates = requireNonNull(certificates, "certificates");
        this.missing = missing;
    }

    @Override
    public Future<SslContext> map(String sni, Promise<SslContext> promise) {
        SslContext ctx = certificates.get().select(sni);
        if (ctx == null) {
            String shown = sni == null ? null : shown(sni);
            String why = "no certificate for " + (shown == null ? "a client without SNI" : "SNI " + shown) + " and no default certificate";
            missing.refused(why);
            return promise.setFailure(new NoCertificate(why));
        }
        return promise.setSuccess(ctx);
    }

    /**
     * The name as a log line may carry it: the client wrote every byte of it, so a control or non-ASCII character is
     * shown as {@code \xNN} (no forged line, no terminal escape) and the name is cut after {@value #MAX_SHOWN}.
     */
    static String shown(String sni) {
        int n = Math.min(sni.length(), MAX_SHOWN);
        StringBuilder out = new StringBuilder(n + 8);
        for (int i = 0; i < n; i++) {
            char c = sni.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                out.append(c);
            } else {
                out.append(String.format(c <= 0xff ? "\\x%02x" : "\\u%04x", (int) c));
            }
        }
        return sni.length() > MAX_SHOWN ? out.append("... (").append(sni.length()).append(" characters)").toString() : out.toString();
    }

    /** The lookup found no certificate: a handshake failure of its own kind ({@link HandshakeFailure#NO_CERTIFICATE}). */
    static final class NoCertificate extends SSLHandshakeException {
        NoCertificate(String why) {
            super(why);
        }
    }
}
