package dev.wsroute.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

/** A failed handshake's reason: a few fixed words, from the JDK's and BoringSSL's messages alike. */
class HandshakeFailureTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Client requested protocol TLSv1.1 is not enabled or supported in server context     | protocol_version",
            "error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL                     | protocol_version",
            "No appropriate protocol (protocol is disabled or cipher suites are inappropriate)    | protocol_version",
            "no cipher suites in common                                                           | no_shared_cipher",
            "error:100000b8:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER                        | no_shared_cipher",
            "Received fatal alert: certificate_unknown                                            | certificate_rejected",
            "error:10000416:SSL routines:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_UNKNOWN          | certificate_rejected",
            "Received fatal alert: unknown_ca                                                     | certificate_rejected",
            "error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA                  | certificate_rejected",
            "Received fatal alert: bad_certificate                                                | certificate_rejected",
            "Received fatal alert: decode_error                                                   | other",
    })
    void theEnginesWordsForAnAlertAreOneReason(String message, String reason) {
        assertThat(HandshakeFailure.of(new DecoderException(new SSLHandshakeException(message))).label()).isEqualTo(reason);
    }

    @Test
    void typedFailuresAreKnownByTheirType() {
        assertThat(HandshakeFailure.of(new NotSslRecordException("not an SSL/TLS record: 1503"))).isEqualTo(HandshakeFailure.NOT_TLS);
        assertThat(HandshakeFailure.of(new SslHandshakeTimeoutException("handshake timed out after 1000ms")))
                .isEqualTo(HandshakeFailure.TIMEOUT);
        assertThat(HandshakeFailure.of(new DecoderException(new SniMapping.NoCertificate("no certificate for SNI x.test"))))
                .isEqualTo(HandshakeFailure.NO_CERTIFICATE);
        assertThat(HandshakeFailure.of(new ClosedChannelException())).isEqualTo(HandshakeFailure.CLOSED);
        assertThat(HandshakeFailure.of(new IOException("Connection reset by peer"))).isEqualTo(HandshakeFailure.CLOSED);
        assertThat(HandshakeFailure.of(new IllegalStateException((String) null))).isEqualTo(HandshakeFailure.OTHER);
    }

    @Test
    void aReasonNeverComesFromTheClient() {
        // an SNI the client wrote that looks like an alert's words is still not read: SniMapping's failure is its type
        assertThat(HandshakeFailure.of(new SniMapping.NoCertificate("no certificate for SNI unsupported-protocol.test")))
                .isEqualTo(HandshakeFailure.NO_CERTIFICATE);
        assertThat(java.util.Arrays.stream(HandshakeFailure.values()).map(HandshakeFailure::label)).containsExactly(
                "not_tls", "timeout", "protocol_version", "no_shared_cipher", "certificate_rejected", "no_certificate", "closed", "other");
    }
}
