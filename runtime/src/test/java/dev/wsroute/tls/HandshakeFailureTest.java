package dev.wsroute.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.netty.buffer.Unpooled;
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
            "error:100000f3:SSL routines:OPENSSL_internal:WRONG_CURVE                             | no_shared_cipher",
            "error:100000e5:SSL routines:OPENSSL_internal:NO_SHARED_GROUP                         | no_shared_cipher",
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

    /**
     * Over TLS 1.3 curl and openssl s_client refuse a certificate with an alert in the clear, which BoringSSL reports as
     * a bad record: the alert read before the engine names the reason (a change_cipher_spec record may come first).
     */
    @Test
    void aFatalAlertInTheClearNamesTheReasonTheEngineCouldNot() {
        byte[] unknownCa = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 48 };
        byte[] ccsThenExpired = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 45 };
        byte[] warning = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0 };
        byte[] handshake = { 0x16, 0x03, 0x01, 0x00, 0x02, 0x02, 48 };
        assertThat(ClientAlert.fatalAlert(Unpooled.wrappedBuffer(unknownCa))).isEqualTo(48);
        assertThat(ClientAlert.fatalAlert(Unpooled.wrappedBuffer(ccsThenExpired))).isEqualTo(45);
        assertThat(ClientAlert.fatalAlert(Unpooled.wrappedBuffer(warning))).isEqualTo(-1);
        assertThat(ClientAlert.fatalAlert(Unpooled.wrappedBuffer(handshake))).isEqualTo(-1);

        DecoderException badRecord = new DecoderException(new SSLHandshakeException("error:10000070:SSL routines:OPENSSL_internal:BAD_PACKET_LENGTH"));
        assertThat(HandshakeFailure.of(badRecord, -1)).isEqualTo(HandshakeFailure.OTHER);
        assertThat(HandshakeFailure.of(badRecord, 48)).isEqualTo(HandshakeFailure.CERTIFICATE_REJECTED);
        assertThat(HandshakeFailure.of(badRecord, 70)).isEqualTo(HandshakeFailure.PROTOCOL_VERSION);
        assertThat(HandshakeFailure.of(badRecord, 50)).isEqualTo(HandshakeFailure.OTHER); // decode_error names nothing
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
