package dev.wsroute.http;

import io.netty.buffer.ByteBuf;

/**
 * Finds a plain {@code HTTP/1.1 101} answer head in the bytes an upstream sent, so that the proxy can relay those
 * bytes to the client as they are, with no response object and no HTTP codec on the upstream connection. It vouches
 * only for a clean head: a status line {@code HTTP/1.1 101 reason}, then {@code token ":" value} fields, each line
 * ended by CRLF, values free of control characters but HTAB, the whole at most {@value #MAX_HEAD} bytes. Anything
 * else (another status, an odd or oversized head) is {@link #OTHER}: the caller hands it to a full HTTP decoder.
 */
public final class SwitchingProtocolsHead {
    /** Not enough bytes yet to tell. */
    public static final int INCOMPLETE = 0;
    /** Not a clean 101 head. */
    public static final int OTHER = -1;
    public static final int MAX_HEAD = 16 * 1024;
    private static final byte[] STATUS = {'H', 'T', 'T', 'P', '/', '1', '.', '1', ' ', '1', '0', '1', ' '};

    private SwitchingProtocolsHead() {
    }

    /**
     * @return the length of a clean 101 head starting at the reader index (the bytes after it are the upstream's
     *         first WebSocket bytes), {@link #INCOMPLETE} or {@link #OTHER}; the buffer is not changed. Read in a copy
     *         in the thread's scratch array (plain array reads beat a ByteBuf's checked ones)
     */
    public static int length(ByteBuf in) {
        int available = Math.min(in.readableBytes(), MAX_HEAD);
        byte[] b = ScratchBytes.atLeast(available);
        in.getBytes(in.readerIndex(), b, 0, available);
        for (int i = 0; i < STATUS.length; i++) {
            if (i == available) {
                return incompleteOrTooLarge(in);
            }
            if (b[i] != STATUS[i]) {
                return OTHER;
            }
        }
        int p = STATUS.length;
        // reason-phrase: HTAB, SP, VCHAR, obs-text
        while (p < available && HttpChars.fieldValueByte(b[p] & 0xff)) {
            p++;
        }
        while (true) { // at the end of a line: CRLF, then the empty line or a field
            if (p + 1 >= available) {
                return incompleteOrTooLarge(in);
            }
            if (b[p] != '\r' || b[p + 1] != '\n') {
                return OTHER; // a bare CR or LF, or a control character
            }
            p += 2;
            if (p + 1 >= available) {
                return incompleteOrTooLarge(in);
            }
            if (b[p] == '\r' && b[p + 1] == '\n') {
                return p + 2;
            }
            int name = p;
            while (p < available && HttpChars.tchar(b[p] & 0xff)) {
                p++;
            }
            if (p == available) {
                return incompleteOrTooLarge(in);
            }
            if (p == name || b[p] != ':') {
                return OTHER; // obs-fold, whitespace before the colon, a malformed name
            }
            p++;
            while (p < available && HttpChars.fieldValueByte(b[p] & 0xff)) {
                p++;
            }
        }
    }

    private static int incompleteOrTooLarge(ByteBuf in) {
        return in.readableBytes() >= MAX_HEAD ? OTHER : INCOMPLETE;
    }
}
