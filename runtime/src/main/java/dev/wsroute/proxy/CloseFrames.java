package dev.wsroute.proxy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Close frames the proxy writes itself: unmasked towards clients, masked towards upstreams (RFC 6455 5.1). */
final class CloseFrames {
    static final int GOING_AWAY = 1001;
    static final int MESSAGE_TOO_BIG = 1009;
    static final int INTERNAL_ERROR = 1011;
    static final int SERVICE_RESTART = 1012;

    private CloseFrames() {
    }

    static ByteBuf frame(ByteBufAllocator alloc, int code, String reason, boolean masked) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int cut = Math.min(text.length, 123); // a control frame's payload is at most 125 bytes
        while (cut > 0 && cut < text.length && (text[cut] & 0xc0) == 0x80) {
            cut--; // never split a UTF-8 sequence: a peer must fail on an invalid reason (RFC 6455 8.1)
        }
        int len = 2 + cut;
        ByteBuf buf = alloc.buffer(2 + (masked ? 4 : 0) + len);
        buf.writeByte(0x88); // FIN + Close
        buf.writeByte((masked ? 0x80 : 0) | len);
        byte[] payload = new byte[len];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, len - 2);
        if (masked) {
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            buf.writeBytes(mask);
            for (int i = 0; i < len; i++) {
                payload[i] ^= mask[i & 3];
            }
        }
        buf.writeBytes(payload);
        return buf;
    }
}
