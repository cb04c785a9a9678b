package dev.wsroute.tls;

import io.netty.buffer.ByteBuf;

/**
 * A fatal alert a client sent in the clear during the handshake. Over TLS 1.3 an OpenSSL client (curl, {@code openssl
 * s_client}) that refuses the server's certificate says so before it has keys to write with, so its alert reaches the
 * server's engine as a plaintext record where an encrypted one was due; BoringSSL then reports a bad record
 * ({@code BAD_PACKET_LENGTH}), not the alert. Read from the raw bytes before the engine, the alert still names the reason.
 */
public final class ClientAlert {
    static final int NONE = -1;
    private static final int ALERT_RECORD = 21;
    private static final int FATAL = 2;
    /** Records looked at per read: a client's handshake flight is a few records, an alert comes last. */
    private static final int MAX_RECORDS = 8;

    private ClientAlert() {
    }

    /**
     * The description of the first fatal alert in the clear among the TLS records that {@code in} starts with
     * (read without moving its indexes), or {@link #NONE}.
     */
    public static int fatalAlert(ByteBuf in) {
        int at = in.readerIndex();
        int end = in.writerIndex();
        for (int records = 0; records < MAX_RECORDS && end - at >= 5 && in.getUnsignedByte(at + 1) == 3; records++) {
            int length = in.getUnsignedShort(at + 3);
            if (in.getUnsignedByte(at) == ALERT_RECORD && length == 2 && end - at >= 7) {
                return in.getUnsignedByte(at + 5) == FATAL ? in.getUnsignedByte(at + 6) : NONE;
            }
            at += 5 + length;
        }
        return NONE;
    }

    /** What an alert says of the handshake, or null when it says nothing the reasons name. */
    static HandshakeFailure reason(int description) {
        return switch (description) {
            // bad_certificate, unsupported_certificate, certificate_revoked, certificate_expired, certificate_unknown, unknown_ca
            case 42, 43, 44, 45, 46, 48 -> HandshakeFailure.CERTIFICATE_REJECTED;
            case 70 -> HandshakeFailure.PROTOCOL_VERSION;
            default -> null;
        };
    }
}
