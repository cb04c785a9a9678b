package dev.wsroute.tls;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

/**
 * Why a client's TLS handshake failed, in a few fixed words: the {@code reason} of
 * {@code wsroute_tls_handshake_failures_total}. Read from the exception's type, else from the engine's message (the
 * JDK and BoringSSL word the same alert differently); never from anything the client chose (its SNI, its bytes), so
 * the label has these values and no others.
 */
public enum HandshakeFailure {
    /** Bytes that are no TLS record (a scanner, a protocol other than TLS and HTTP). */
    NOT_TLS("not_tls"),
    /** The ClientHello or the rest of the handshake not complete within the request-header timeout. */
    TIMEOUT("timeout"),
    /** A TLS version the server does not take (SSLv3, TLS 1.0, 1.1). */
    PROTOCOL_VERSION("protocol_version"),
    /**
     * Nothing to agree on: no cipher suite both sides take, or no key-exchange group (BoringSSL says WRONG_CURVE when a
     * client sends no group its ECDSA certificate can be used with, as an RSA-key-exchange-only client sends none).
     */
    NO_SHARED_CIPHER("no_shared_cipher"),
    /** The client refused the server's certificate (an unknown CA, a name it did not ask for, expired). */
    CERTIFICATE_REJECTED("certificate_rejected"),
    /** No certificate for the client's SNI (or for a client without one) and no default certificate. */
    NO_CERTIFICATE("no_certificate"),
    /** The client closed or reset the connection during the handshake. */
    CLOSED("closed"),
    OTHER("other");

    private final String label;

    HandshakeFailure(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /**
     * @param clientAlert the fatal alert the client sent in the clear ({@link ClientAlert#fatalAlert}), or -1: it names
     *        the reason where the engine only saw a record it could not read
     */
    public static HandshakeFailure of(Throwable cause, int clientAlert) {
        HandshakeFailure said = ClientAlert.reason(clientAlert);
        return said != null ? said : of(cause);
    }

    public static HandshakeFailure of(Throwable cause) {
        StringBuilder words = new StringBuilder();
        boolean io = false;
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NotSslRecordException) {
                return NOT_TLS;
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof SniMapping.NoCertificate) {
                return NO_CERTIFICATE;
            }
            if (t instanceof ClosedChannelException) {
                return CLOSED;
            }
            io |= t instanceof IOException && !(t instanceof SSLException);
            words.append(' ').append(t.getMessage());
        }
        // the JDK's "certificate_unknown" is BoringSSL's "CERTIFICATE_UNKNOWN": one spelling to look for
        String m = words.toString().toLowerCase(Locale.ROOT).replace('_', ' ');
        if (m.contains("no cipher suites in common") || m.contains("no shared cipher") || m.contains("wrong curve")
                || m.contains("no shared group")) {
            return NO_SHARED_CIPHER;
        }
        if (m.contains("unsupported protocol") || m.contains("wrong version number") || m.contains("protocol version")
                || m.contains("no appropriate protocol") || m.contains("is not enabled or supported")) {
            return PROTOCOL_VERSION;
        }
        if (m.contains("certificate unknown") || m.contains("unknown ca") || m.contains("bad certificate")
                || m.contains("certificate expired") || m.contains("unsupported certificate") || m.contains("certificate revoked")) {
            return CERTIFICATE_REJECTED;
        }
        return io ? CLOSED : OTHER; // a reset ("Connection reset by peer") is an I/O error, not a TLS one
    }
}
