package dev.wsroute.http;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * The framing of one chunked body (RFC 9112 §7.1), checked strictly as its bytes pass, for a request or an answer:
 * each chunk-size line (1–15 hex digits, extensions free of controls, CRLF), the CRLF after each chunk's data, the
 * trailer fields (none that {@link TrailerFields} forbids) and the empty line that ends the body. It only reads: the
 * caller hands the body's bytes on as they came, so that nothing is copied or re-framed, and knows from
 * {@link #ended()} where the body ends.
 * <p>
 * The caller alternates: {@link #takeData} for the chunk data at the reader index (which it skips or hands on), else
 * {@link #readFraming}, until the buffer is empty or the body ended.
 */
public final class ChunkedFraming implements ByteProcessor {
    private static final int MAX_CHUNK_LINE = 1024;

    private enum State {
        SIZE_FIRST, SIZE, EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF,
        TRAILER_START, TRAILER_NAME, TRAILER_VALUE, TRAILER_LF, END_LF, ENDED
    }

    private final int maxTrailerBytes;
    private final long maxDataBytes;
    private State state = State.ENDED;
    private long remaining;
    private long dataBytes;
    private int lineBytes;
    private String broken;
    private boolean tooLarge;
    /** The name of the trailer field being read, lower-cased, as far as a forbidden one could go; made at the first trailer. */
    private byte[] trailerName;
    private int trailerNameLength;

    /**
     * @param maxTrailerBytes the most bytes the trailer section may take
     * @param maxDataBytes the most data bytes the chunks may declare in all
     */
    public ChunkedFraming(int maxTrailerBytes, long maxDataBytes) {
        this.maxTrailerBytes = maxTrailerBytes;
        this.maxDataBytes = maxDataBytes;
    }

    /** A new body begins with its first chunk-size line. */
    public void start() {
        state = State.SIZE_FIRST;
        remaining = 0;
        dataBytes = 0;
        lineBytes = 0;
        broken = null;
        tooLarge = false;
    }

    /** Whether the empty line after the trailers was read: the body ended there. */
    public boolean ended() {
        return state == State.ENDED;
    }

    /**
     * The chunk data at {@code in}'s reader index, counted as read: the caller skips (or hands on) that many bytes.
     *
     * @return 0 when the next bytes are framing, not data
     */
    public int takeData(ByteBuf in) {
        if (state != State.DATA) {
            return 0;
        }
        int n = (int) Math.min(remaining, in.readableBytes());
        remaining -= n;
        if (remaining == 0) {
            state = State.DATA_CR;
        }
        return n;
    }

    /**
     * Reads framing bytes from {@code in}'s reader index up to the next chunk data, the end of the body or the end of
     * {@code in}, and moves the reader index past them.
     *
     * @return false when the framing is broken ({@link #why()}); the reader index is then left where it was
     */
    public boolean readFraming(ByteBuf in) {
        int stop = in.forEachByte(this);
        if (broken != null) {
            return false;
        }
        in.readerIndex(stop < 0 ? in.writerIndex() : stop + 1);
        return true;
    }

    /** Why the framing is broken, or null. */
    public String why() {
        return broken;
    }

    /** Whether it broke because the chunks declared more data than allowed. */
    public boolean tooLarge() {
        return tooLarge;
    }

    /** One byte of a chunk line or trailer; false stops at data or at the end (or when broken). */
    @Override
    public boolean process(byte b) {
        if (++lineBytes > MAX_CHUNK_LINE && state.compareTo(State.TRAILER_START) < 0 || lineBytes > maxTrailerBytes) {
            return fail("chunk line or trailers too long");
        }
        switch (state) {
            case SIZE_FIRST, SIZE -> {
                int h = HttpChars.hex(b);
                if (h >= 0) {
                    if (lineBytes > 15) { // no leading zeros to overflow a parser that stops at 16 digits
                        return fail("chunk size longer than 15 hex digits");
                    }
                    remaining = state == State.SIZE_FIRST ? h : remaining << 4 | h;
                    state = State.SIZE;
                } else if (state == State.SIZE_FIRST) {
                    return fail("chunk size is not hex");
                } else if (b == ';') {
                    state = State.EXTENSION;
                } else if (b == '\r') {
                    state = State.SIZE_LF;
                } else {
                    return fail("junk after chunk size");
                }
            }
            case EXTENSION -> {
                if (b == '\r') {
                    state = State.SIZE_LF;
                } else if (!HttpChars.fieldValueByte(b & 0xff)) {
                    return fail("control character in a chunk extension");
                }
            }
            case SIZE_LF -> {
                if (b != '\n') {
                    return fail("chunk size line not ended by CRLF");
                }
                dataBytes += remaining;
                if (dataBytes > maxDataBytes) {
                    tooLarge = true;
                    return fail("body larger than " + maxDataBytes + " bytes");
                }
                lineBytes = 0;
                state = remaining == 0 ? State.TRAILER_START : State.DATA;
                return remaining == 0; // stop for the data
            }
            case DATA_CR -> {
                if (b != '\r') {
                    return fail("chunk data not followed by CRLF");
                }
                state = State.DATA_LF;
            }
            case DATA_LF -> {
                if (b != '\n') {
                    return fail("chunk data not followed by CRLF");
                }
                lineBytes = 0;
                state = State.SIZE_FIRST;
            }
            case TRAILER_START -> {
                if (b == '\r') {
                    state = State.END_LF;
                } else if (HttpChars.tchar(b & 0xff)) {
                    trailerNameLength = 0;
                    nameByte(b);
                    state = State.TRAILER_NAME;
                } else {
                    return fail("malformed trailer field");
                }
            }
            case TRAILER_NAME -> {
                if (b == ':') {
                    String forbidden = TrailerFields.forbidden(trailerName, trailerNameLength);
                    if (forbidden != null) {
                        return fail(forbidden + " is not allowed in trailers (RFC 9110 6.5.1)");
                    }
                    state = State.TRAILER_VALUE;
                } else if (HttpChars.tchar(b & 0xff)) {
                    nameByte(b);
                } else {
                    return fail("malformed trailer field");
                }
            }
            case TRAILER_VALUE -> {
                if (b == '\r') {
                    state = State.TRAILER_LF;
                } else if (!HttpChars.fieldValueByte(b & 0xff)) {
                    return fail("control character in a trailer field");
                }
            }
            case TRAILER_LF -> {
                if (b != '\n') {
                    return fail("trailer field not ended by CRLF");
                }
                state = State.TRAILER_START;
            }
            case END_LF -> {
                if (b != '\n') {
                    return fail("trailers not ended by CRLF");
                }
                state = State.ENDED;
                return false;
            }
            default -> throw new IllegalStateException(state.name());
        }
        return true;
    }

    /** Keeps a byte of a trailer name, lower-cased, while the name is short enough to be a forbidden one. */
    private void nameByte(byte b) {
        if (trailerNameLength < TrailerFields.LONGEST) {
            if (trailerName == null) {
                trailerName = new byte[TrailerFields.LONGEST];
            }
            trailerName[trailerNameLength] = b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
        }
        trailerNameLength++;
    }

    private boolean fail(String why) {
        broken = why;
        return false;
    }
}
