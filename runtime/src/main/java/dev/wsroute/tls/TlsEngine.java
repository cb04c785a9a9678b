package dev.wsroute.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/** Which TLS engine the contexts use: OpenSSL (BoringSSL from netty-tcnative) when it loads, the JDK's otherwise. */
public final class TlsEngine {
    private TlsEngine() {
    }

    /** The engine chosen automatically. */
    public static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** One line for the startup log, e.g. {@code TLS engine: OpenSSL (BoringSSL)}, or the JDK's and why not OpenSSL. */
    public static String describe() {
        if (OpenSsl.isAvailable()) {
            return "TLS engine: OpenSSL (" + OpenSsl.versionString() + ", netty-tcnative)";
        }
        Throwable cause = OpenSsl.unavailabilityCause();
        return "TLS engine: JDK (" + System.getProperty("java.vendor") + " " + System.getProperty("java.version")
                + "); OpenSSL unavailable: " + (cause == null ? "unknown" : cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }
}
