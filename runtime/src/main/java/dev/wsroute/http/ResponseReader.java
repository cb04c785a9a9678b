package dev.wsroute.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.util.ByteProcessor;

/**
 * Reads one upstream answer at a time from the bytes of an upstream connection: its 1xx heads, its final head and
 * its body, framed as the head says, with the body's bytes handed on as they came (a chunked body with its chunk
 * lines and trailers, never re-framed; for a client that cannot take chunked coding, its data only). It checks the
 * chunked framing byte by byte on the way, so that a broken one stops the relay, and it knows where the answer ends,
 * so that the connection can carry the next request.
 * <p>
 * One read at a time: the final head is handed on only after the rest of that read was checked, so an answer
 * whose framing breaks within its first read still gets a clean 502.
 */
public final class ResponseReader implements ByteProcessor {
    /** Where the parts of an answer go, in order; each buffer handed on is the sink's to release. */
    public interface Sink {
        /** A 1xx head (100 Continue, 103 Early Hints): another head follows. {@code in} holds it at its offsets. */
        void informational(ResponseHead head, ByteBuf in);

        /**
         * The final head; {@code in} holds it at its offsets, for this call only.
         *
         * @param decoded the body is chunked and goes to the client decoded, its data only (no chunk lines, no
         *        trailers): the client's head must drop Transfer-Encoding, and the client connection end with the body
         * @return the head as the client gets it, or null to relay the upstream's bytes as they are (in one buffer
         *         with the body bytes that came in the same read)
         */
        ByteBuf head(ResponseHead head, ByteBuf in, boolean decoded);

        /** Bytes for the client: a rewritten head, or the upstream's bytes as they came. */
        void relay(ByteBuf bytes);

        /** The answer ended; {@code reusable}: nothing followed it and the upstream keeps the connection. */
        void end(boolean reusable);
    }

    private static final int MAX_CHUNK_LINE = 1024;

    private enum State {
        IDLE, HEAD, LENGTH, UNTIL_CLOSE, SIZE_FIRST, SIZE, EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF,
        TRAILER_START, TRAILER_NAME, TRAILER_VALUE, TRAILER_LF, END_LF, DONE
    }

    private State state = State.IDLE;
    private boolean headRequest;
    private boolean chunkedToClient;
    /** The chunked body of this answer goes to the client as its data only. */
    private boolean decoding;
    private boolean keepAlive;
    private long remaining;
    private int lineBytes;
    private String broken;
    /** Chunk data of the current read, when decoding. */
    private ByteBuf data;
    /** A head split over reads, gathered until its end arrives. */
    private ByteBuf partial;

    /**
     * The next answer is for this request: a response to HEAD has no body; a client that cannot take chunked coding
     * (HTTP/1.0, RFC 9112 §7.1) gets a chunked body decoded.
     */
    public void expect(boolean headRequest, boolean chunkedToClient) {
        this.headRequest = headRequest;
        this.chunkedToClient = chunkedToClient;
        decoding = false;
        state = State.HEAD;
        broken = null;
    }

    /** Whether an answer is being read and nothing of its final head was handed on yet. */
    public boolean beforeHead() {
        return state == State.HEAD;
    }

    /** Whether the body runs until the upstream closes the connection. */
    public boolean untilClose() {
        return state == State.UNTIL_CLOSE;
    }

    /** Reads what {@code in} holds (the caller keeps and releases it). */
    public void read(ByteBuf in, Sink sink) throws BadResponse {
        ByteBuf buf = in;
        if (partial != null) {
            partial.writeBytes(in);
            buf = partial;
        }
        try {
            readAll(buf, sink);
        } catch (BadResponse e) {
            releaseData();
            throw e;
        } finally {
            if (buf == partial && state != State.HEAD) { // the head it gathered was read (or refused)
                partial.release();
                partial = null;
            }
        }
    }

    private void readAll(ByteBuf buf, Sink sink) throws BadResponse {
        ResponseHead head = null;
        int bodyFrom = buf.readerIndex();
        while (buf.isReadable() && state != State.DONE) {
            switch (state) {
                case IDLE -> throw new BadResponse("bytes from the upstream before a request");
                case HEAD -> {
                    ResponseHead h = ResponseHeadParser.parse(buf);
                    if (h == null) {
                        if (buf != partial) {
                            partial = buf.alloc().buffer(Math.max(buf.readableBytes() * 2, 1024));
                            partial.writeBytes(buf);
                        }
                        return;
                    }
                    if (h.status() == 101) {
                        throw new BadResponse("101 to a request that asked for no upgrade");
                    }
                    if (h.informational()) {
                        sink.informational(h, buf);
                        buf.skipBytes(h.length());
                        bodyFrom = buf.readerIndex();
                        continue;
                    }
                    head = h;
                    buf.skipBytes(h.length());
                    bodyFrom = buf.readerIndex();
                    keepAlive = h.keepAlive();
                    switch (h.body(headRequest)) {
                        case NONE -> state = State.DONE;
                        case LENGTH -> {
                            remaining = h.contentLength();
                            state = State.LENGTH;
                        }
                        case CHUNKED -> {
                            if (!chunkedToClient && h.otherCodings()) {
                                throw new BadResponse("a transfer coding other than chunked, for a client that cannot take one");
                            }
                            lineBytes = 0;
                            decoding = !chunkedToClient;
                            state = State.SIZE_FIRST;
                        }
                        case UNTIL_CLOSE -> {
                            keepAlive = false;
                            state = State.UNTIL_CLOSE;
                        }
                    }
                }
                case LENGTH -> {
                    int n = (int) Math.min(remaining, buf.readableBytes());
                    buf.skipBytes(n);
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.DONE;
                    }
                }
                case UNTIL_CLOSE -> buf.skipBytes(buf.readableBytes());
                case DATA -> {
                    int n = (int) Math.min(remaining, buf.readableBytes());
                    if (decoding) {
                        addData(buf.retainedSlice(buf.readerIndex(), n));
                    }
                    buf.skipBytes(n);
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.DATA_CR;
                    }
                }
                default -> { // the chunk lines and trailers, byte by byte, up to the next data or the end
                    int stop = buf.forEachByte(this);
                    if (broken != null) {
                        throw new BadResponse(broken);
                    }
                    buf.readerIndex(stop < 0 ? buf.writerIndex() : stop + 1);
                }
            }
        }
        if (head != null) {
            ByteBuf rewritten = sink.head(head, buf, decoding);
            if (rewritten == null) {
                bodyFrom = head.start; // the head as it came, and the body behind it: one buffer, one write
            } else {
                sink.relay(rewritten);
            }
        }
        int bodyEnd = buf.readerIndex();
        if (decoding) {
            if (data != null) {
                ByteBuf d = data;
                data = null;
                sink.relay(d);
            }
        } else if (bodyEnd > bodyFrom) {
            sink.relay(buf.retainedSlice(bodyFrom, bodyEnd - bodyFrom));
        }
        if (state == State.DONE) {
            boolean nothingFollows = !buf.isReadable();
            buf.skipBytes(buf.readableBytes());
            state = State.IDLE;
            if (buf == partial) {
                partial.release();
                partial = null;
            }
            sink.end(keepAlive && nothingFollows); // the sink may start the next exchange on this connection
        }
    }

    /** Gathers the data of the chunks of one read (slices of it, no copy), to be relayed after the read was checked. */
    private void addData(ByteBuf slice) {
        if (data == null) {
            data = slice;
            return;
        }
        if (!(data instanceof CompositeByteBuf)) {
            data = slice.alloc().compositeBuffer(Integer.MAX_VALUE).addComponent(true, data); // never consolidated: no copy
        }
        ((CompositeByteBuf) data).addComponent(true, slice);
    }

    private void releaseData() {
        if (data != null) {
            data.release();
            data = null;
        }
    }

    /** The upstream closed the connection: the end of a body that runs until then, else a cut answer. */
    public void closed(Sink sink) throws BadResponse {
        if (partial != null) {
            partial.release();
            partial = null;
        }
        if (state == State.UNTIL_CLOSE) {
            state = State.IDLE;
            sink.end(false);
        } else if (state != State.IDLE) {
            state = State.IDLE;
            throw new BadResponse("upstream closed the connection in the middle of an answer");
        }
    }

    /** Drops a head still being gathered (the exchange ended without its answer). */
    public void reset() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
        state = State.IDLE;
    }

    /** One byte of a chunk line or trailer; false stops at data or at the end (or when broken). */
    @Override
    public boolean process(byte b) {
        if (++lineBytes > MAX_CHUNK_LINE && state.compareTo(State.TRAILER_START) < 0 || lineBytes > ResponseHeadParser.MAX_HEAD) {
            return fail("chunk line or trailers too long");
        }
        switch (state) {
            case SIZE_FIRST, SIZE -> {
                int h = HttpChars.hex(b);
                if (h >= 0) {
                    if (state == State.SIZE && remaining >= 1L << 56) {
                        return fail("chunk size too large");
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
                    state = State.TRAILER_NAME;
                } else {
                    return fail("malformed trailer field");
                }
            }
            case TRAILER_NAME -> {
                if (b == ':') {
                    state = State.TRAILER_VALUE;
                } else if (!HttpChars.tchar(b & 0xff)) {
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
                state = State.DONE;
                return false;
            }
            default -> throw new IllegalStateException(state.name());
        }
        return true;
    }

    private boolean fail(String why) {
        broken = why;
        return false;
    }
}
