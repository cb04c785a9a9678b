package dev.wsroute.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;

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
public final class ResponseReader {
    /** Where the parts of an answer go, in order; each buffer handed on is the sink's to release. */
    public interface Sink {
        /** A 1xx head (100 Continue, 103 Early Hints): another head follows. {@code in} holds it at its offsets; the head is the reader's own, for this call only. */
        void informational(ResponseHead head, ByteBuf in);

        /**
         * The final head; {@code in} holds it at its offsets, and the head is the reader's own (refilled for the next
         * answer): both for this call only.
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

        /** Fields that must not be trailers were dropped from the answer's trailers (its rest went on); before {@link #end}. */
        default void trailerFieldsDropped(String fields) {
        }
    }

    private enum State { IDLE, HEAD, LENGTH, UNTIL_CLOSE, CHUNKED, DONE }

    private State state = State.IDLE;
    private boolean headRequest;
    private boolean chunkedToClient;
    /** The chunked body of this answer goes to the client as its data only. */
    private boolean decoding;
    private boolean keepAlive;
    private long remaining;
    private final ChunkedFraming chunks = new ChunkedFraming(ResponseHeadParser.MAX_HEAD, Long.MAX_VALUE);
    /** Every head of this connection's answers, refilled: a sink reads it within its call only. */
    private final ResponseHead heads = new ResponseHead();
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
        int trailersFrom = -1; // where the trailer fields begin in this read: the framing keeps them from there
        while (buf.isReadable() && state != State.DONE) {
            switch (state) {
                case IDLE -> throw new BadResponse("bytes from the upstream before a request");
                case HEAD -> {
                    ResponseHead h = ResponseHeadParser.parse(buf, heads);
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
                    ResponseHead.Body body = h.body(headRequest);
                    // gzip (chunked or until the close) to an HTTP/1.0 client: it can read no transfer coding (RFC 9112 §6.1)
                    if (!chunkedToClient && h.otherCodings() && body != ResponseHead.Body.NONE) {
                        throw new BadResponse("a transfer coding other than chunked, for a client that cannot take one");
                    }
                    switch (body) {
                        case NONE -> state = State.DONE;
                        case LENGTH -> {
                            remaining = h.contentLength();
                            state = State.LENGTH;
                        }
                        case CHUNKED -> {
                            chunks.start();
                            decoding = !chunkedToClient;
                            state = State.CHUNKED;
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
                case CHUNKED -> {
                    int n = chunks.takeData(buf);
                    if (n > 0) {
                        if (decoding) {
                            addData(buf.retainedSlice(buf.readerIndex(), n));
                        }
                        buf.skipBytes(n);
                        continue;
                    }
                    if (trailersFrom < 0 && chunks.inTrailers()) {
                        trailersFrom = buf.readerIndex();
                    }
                    if (!chunks.readFraming(buf)) {
                        throw new BadResponse(chunks.why());
                    } else if (chunks.ended()) {
                        state = State.DONE;
                    }
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
        int bodyEnd = trailersFrom >= 0 ? trailersFrom : buf.readerIndex();
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
            trailers(sink);
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

    /** The trailer section the framing kept, if any, less the fields that must not be trailers (none to a decoded body). */
    private void trailers(Sink sink) {
        ByteBuf section = chunks.takeTrailers();
        if (section == null) {
            return;
        }
        if (decoding) {
            section.release();
        } else {
            sink.relay(section);
        }
        if (chunks.droppedFields() != null) {
            sink.trailerFieldsDropped(chunks.droppedFields());
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
}
