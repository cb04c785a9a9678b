package dev.wsroute.http;

import java.util.Arrays;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ByteProcessor;

/**
 * The framing of one chunked body (RFC 9112 §7.1), checked strictly as its bytes pass, for a request or an answer:
 * each chunk-size line (1–15 hex digits, extensions free of controls, CRLF), the CRLF after each chunk's data, the
 * trailer fields and the empty line that ends the body. It only reads chunks: the caller hands the body's bytes on as
 * they came, so that nothing is copied or re-framed, and knows from {@link #ended()} where the body ends.
 * <p>
 * Trailer fields (rare) are the exception: from the first one on, the framing keeps the trailer section itself, less
 * the fields {@link TrailerFields} forbids, and the caller passes on {@link #takeTrailers()} instead of those bytes.
 * A forbidden field is dropped, not refused (RFC 9112 §7.1.2 lets a recipient discard trailers): whichever read it
 * comes in, the message goes on whole without it, and an answer the client has begun to get is never cut for it.
 * <p>
 * The caller alternates: {@link #takeData} for the chunk data at the reader index (which it skips or hands on), else
 * {@link #readFraming}, until the buffer is empty or the body ended; what is at the reader index when
 * {@link #inTrailers()} turns true is not the caller's to hand on.
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
    /** The trailer section as it is passed on: the fields read so far but the dropped ones; null before the first field. */
    private byte[] trailers;
    private int trailersLength;
    /** Where the field being read starts in {@link #trailers}, and whether it is dropped at its end. */
    private int fieldStart;
    private boolean dropField;
    /** The forbidden fields dropped from this body's trailers, as {@link TrailerFields} names them; null: none. */
    private String dropped;
    /** The last byte processed is not consumed: it is the first of the trailer fields, which {@link #trailers} keeps. */
    private boolean stopBefore;

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
        trailers = null;
        trailersLength = 0;
        dropped = null;
    }

    /** Whether the empty line after the trailers was read: the body ended there. */
    public boolean ended() {
        return state == State.ENDED;
    }

    /** Whether the trailer fields have begun: from here to the body's end the bytes are kept here, not handed on. */
    public boolean inTrailers() {
        return trailers != null && state != State.ENDED;
    }

    /**
     * Once the body {@link #ended()}: the trailer section to pass on in place of the bytes read since
     * {@link #inTrailers()}, with its empty line, less the forbidden fields; null when the body had no trailer fields.
     */
    public ByteBuf takeTrailers() {
        if (trailers == null) {
            return null;
        }
        ByteBuf section = Unpooled.wrappedBuffer(trailers, 0, trailersLength);
        trailers = null;
        return section;
    }

    /** The forbidden fields dropped from this body's trailers (as RFC 9110 names them, comma-separated), or null. */
    public String droppedFields() {
        return dropped;
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
        in.readerIndex(stop < 0 ? in.writerIndex() : stopBefore ? stop : stop + 1);
        stopBefore = false;
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
        if (trailers != null) {
            keep(b);
        } else if (state == State.TRAILER_START && b != '\r') { // the first trailer field: the caller hands on what came before
            trailers = new byte[Math.min(256, maxTrailerBytes)];
            lineBytes--; // read again, on the next call, which keeps it
            stopBefore = true;
            return false;
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
                    fieldStart = trailersLength - 1;
                    dropField = false;
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
                        dropField = true;
                        dropped = dropped == null ? forbidden : dropped + ", " + forbidden;
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
                if (dropField) {
                    trailersLength = fieldStart; // the field line is not passed on
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

    /** Keeps a byte of the trailer section, within the trailer limit checked above. */
    private void keep(byte b) {
        if (trailersLength == trailers.length) {
            trailers = Arrays.copyOf(trailers, Math.min(trailers.length * 2, maxTrailerBytes));
        }
        trailers[trailersLength++] = b;
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
