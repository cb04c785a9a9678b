package dev.wsroute.proxy;

import io.netty.buffer.ByteBuf;

/**
 * Follows WebSocket frame boundaries in one direction of a tunnel without copying or decoding payloads: it reads
 * only frame headers (and the two code bytes of a Close frame). This is what lets the proxy inject its own Close
 * frame at a boundary (drain, idle, dead upstream), count messages, and log the close code.
 */
final class FrameTracker {
    private static final int OP_CLOSE = 0x8;
    /** {@link #tooBigAt()}: no frame in the last buffer made a message too big. */
    static final int NOT_TOO_BIG = -1;
    /** {@link #tooBigAt()}: the frame that made a message too big began in an earlier buffer (its header was split). */
    static final int TOO_BIG_BEFORE_THIS_BUFFER = -2;

    private final long maxMessageSize;
    private long messageBytes; // payload of the current data message so far, from the frame headers
    private boolean tooBigReported;
    private int tooBigAt = NOT_TOO_BIG;

    /** The longest frame header: 2 bytes, an 8-byte length, a 4-byte mask key. */
    static final int MAX_HEADER_BYTES = 14;

    // The header being read, in fields rather than a byte array: one object less per direction of every tunnel.
    private byte b0; // FIN, opcode
    private byte b1; // MASK, 7-bit length
    private int maskKey;
    private int headerLen; // bytes of the current header collected so far
    private long payloadLeft; // in a header: its extended length so far; then: payload bytes of the frame still to come
    private boolean inHeader = true;
    private boolean closeFrame;
    private int closeMaskOffset; // payload bytes of a Close frame seen so far (for unmasking the code)
    private int closeCode = -1;
    private boolean closeSeen;
    private long messages; // final frames of data messages (text/binary/continuation)
    private long bytes;
    private long reportedMessages;
    private long reportedBytes;

    FrameTracker() {
        this(Long.MAX_VALUE);
    }

    /** @param maxMessageSize largest message (the payloads of all its frames) before {@link #tooBigAt()} says so */
    FrameTracker(long maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    /** Observes a buffer about to be relayed; returns the index just past the first frame that ends in it, or -1. */
    int observe(ByteBuf buf) {
        int firstBoundary = -1;
        tooBigAt = NOT_TOO_BIG;
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        bytes += end - i;
        while (i < end) {
            if (inHeader) {
                headerByte(buf.getByte(i++));
                if (headerLen < headerLength()) {
                    continue;
                }
                startPayload();
                if (!tooBigReported && messageBytes > maxMessageSize) {
                    tooBigReported = true;
                    int start = i - headerLen;
                    tooBigAt = start >= buf.readerIndex() ? start : TOO_BIG_BEFORE_THIS_BUFFER;
                }
                if (payloadLeft == 0) {
                    endFrame();
                    if (firstBoundary < 0) {
                        firstBoundary = i;
                    }
                }
            } else {
                int take = (int) Math.min(payloadLeft, end - i);
                if (closeFrame) {
                    readCloseCode(buf, i, take);
                }
                i += take;
                payloadLeft -= take;
                if (payloadLeft == 0) {
                    endFrame();
                    if (firstBoundary < 0) {
                        firstBoundary = i;
                    }
                }
            }
        }
        return firstBoundary;
    }

    /** Whether a message limit applies (and the frames of this direction may be cut for it). */
    boolean limited() {
        return maxMessageSize != Long.MAX_VALUE;
    }

    /** Bytes of a frame header still incomplete at the end of what was observed (0 when none). */
    int partialHeaderBytes() {
        return inHeader ? headerLen : 0;
    }

    /** Whether the last byte seen ended a frame, so a new frame may be written now. */
    boolean atBoundary() {
        return inHeader && headerLen == 0;
    }

    /**
     * Where, in the buffer last observed, the first frame starts whose payload took a message past the limit (the
     * proxy relays up to there and closes with 1009): an index, {@link #NOT_TOO_BIG}, or
     * {@link #TOO_BIG_BEFORE_THIS_BUFFER}. Reported once per tracker.
     */
    int tooBigAt() {
        return tooBigAt;
    }

    boolean closeSeen() {
        return closeSeen;
    }

    /** Code of the Close frame seen, 1005 when it carried none, -1 when none was seen. */
    int closeCode() {
        return closeCode;
    }

    long messages() {
        return messages;
    }

    long bytes() {
        return bytes;
    }

    /** Messages seen since the last call, for counters updated a few times a second. */
    long unreportedMessages() {
        long n = messages - reportedMessages;
        reportedMessages = messages;
        return n;
    }

    /** Bytes seen since the last call. */
    long unreportedBytes() {
        long n = bytes - reportedBytes;
        reportedBytes = bytes;
        return n;
    }

    private void headerByte(byte b) {
        int k = headerLen++;
        if (k == 0) {
            b0 = b;
        } else if (k == 1) {
            b1 = b;
            payloadLeft = 0;
            maskKey = 0;
        } else if (k < 2 + extendedLengthBytes()) {
            payloadLeft = (payloadLeft << 8) | (b & 0xffL);
        } else {
            maskKey = (maskKey << 8) | (b & 0xff);
        }
    }

    private int extendedLengthBytes() {
        int len7 = b1 & 0x7f;
        return len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    }

    private boolean masked() {
        return (b1 & 0x80) != 0;
    }

    private int headerLength() {
        return headerLen < 2 ? 2 : 2 + (masked() ? 4 : 0) + extendedLengthBytes();
    }

    private void startPayload() {
        int len7 = b1 & 0x7f;
        if (len7 == 127) {
            payloadLeft &= Long.MAX_VALUE;
        } else if (len7 < 126) {
            payloadLeft = len7;
        } // 126: the 16-bit length read into payloadLeft
        int opcode = b0 & 0x0f;
        if (opcode < OP_CLOSE) { // data frames: text and binary start a message, continuations add to it
            boolean continues = opcode == 0 && messageBytes <= Long.MAX_VALUE - payloadLeft;
            messageBytes = continues ? messageBytes + payloadLeft : opcode == 0 ? Long.MAX_VALUE : payloadLeft;
        }
        closeFrame = opcode == OP_CLOSE;
        closeMaskOffset = 0;
        if (closeFrame) {
            closeSeen = true;
            closeCode = 1005;
        }
        inHeader = false;
    }

    private void readCloseCode(ByteBuf buf, int from, int take) {
        for (int k = 0; k < take && closeMaskOffset < 2; k++, closeMaskOffset++) {
            int b = buf.getByte(from + k) & 0xff;
            if (masked()) {
                b ^= (maskKey >>> (24 - 8 * (closeMaskOffset & 3))) & 0xff;
            }
            closeCode = closeMaskOffset == 0 ? b << 8 : (closeCode & 0xff00) | b;
        }
    }

    private void endFrame() {
        int opcode = b0 & 0x0f;
        boolean fin = (b0 & 0x80) != 0;
        if (fin && opcode < 0x8) {
            messages++;
        }
        inHeader = true;
        headerLen = 0;
        closeFrame = false;
    }
}
