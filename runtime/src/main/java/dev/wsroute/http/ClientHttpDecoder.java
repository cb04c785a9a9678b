package dev.wsroute.http;

import java.util.ArrayDeque;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Reads requests from a client connection: finds the end of each head, has {@link RequestHeadParser} accept or
 * refuse it, and frames the body itself (exactly Content-Length bytes, or chunks checked by {@link ChunkedFraming}).
 * It emits the {@link RequestHead} as parsed, then, for a request with a body (its {@link RequestHead#framing()}
 * says so), {@link io.netty.handler.codec.http.HttpContent}s ending with a {@link LastHttpContent}: slices of the bytes
 * as they came, a chunked body with its chunk lines, extensions and trailers (never re-framed). A request without a
 * body is its head alone. {@link #toNetty} makes a Netty request of a head where an HTTP encoder needs one.
 * <p>
 * A refused head is emitted as a request whose {@link DecoderResult} is a {@link RefusedRequest}; a body that breaks
 * its framing or declares more than the body limit, as a last content whose result is one (400, 413). Either way
 * the decoder then discards everything the connection sends: it never parses past an error, so nothing the client
 * sent can become a second request.
 * <p>
 * After a WebSocket upgrade head the decoder reads nothing more until the upgrade is answered: what follows is
 * WebSocket frames if it succeeds, and HTTP only if the proxy answers it itself. The bytes stay here, in order, and
 * either go on as plain buffers when the codec is removed (the upgrade goes upstream) or are read as requests after
 * {@link #resume()} (answered locally, connection kept). An upgrade pipelined behind another request waits the same
 * way, so its frames are never parsed as requests.
 */
public final class ClientHttpDecoder extends ByteToMessageDecoder {
    /** Empty lines tolerated before a request line (RFC 9112 §2.2 asks for at least one). */
    static final int MAX_LEADING_EMPTY_LINES = 4;
    private static final int MAX_BODY_SLICE = 16 * 1024;
    /** What the decoder holds after an upgrade head before it stops reading (as the handshake does with early bytes). */
    static final int MAX_HELD_AFTER_UPGRADE = 64 * 1024;

    private enum State { HEAD, LENGTH, CHUNKED, UPGRADE, BROKEN }

    private final int maxHeaderSize;
    private final int maxRequestLine;
    private final long maxBody;
    /** Made with the connection's first chunked body: most connections never send one (a WebSocket upgrade never). */
    private ChunkedFraming chunks;
    private final ArrayDeque<HttpMethod> methods;
    private final Runnable headStarted;
    private State state = State.HEAD;
    private long remaining;
    private int scanned;
    private int lineStart;
    private int leadingEmptyLines;
    /** The framing of the upgrade whose answer the decoder waits for (state UPGRADE). */
    private Framing heldUpgrade;
    /** Inside {@link #channelRead}: a {@link #resume()} from a handler it fires to needs no read of its own. */
    private boolean reading;

    /**
     * @param maxBody the largest request body, in data bytes (413 above it)
     * @param methods receives the method of each request, in order, for the response encoder (HEAD has no body)
     * @param headStarted told when the first bytes of a head arrive (a head timer may then change phase)
     */
    public ClientHttpDecoder(int maxHeaderSize, int maxRequestLine, long maxBody, ArrayDeque<HttpMethod> methods, Runnable headStarted) {
        this.maxHeaderSize = maxHeaderSize;
        this.maxRequestLine = maxRequestLine;
        this.maxBody = maxBody;
        this.methods = methods;
        this.headStarted = headStarted;
    }

    /**
     * Not {@code @Sharable}, said as a constant: Netty's own answer is a per-thread map look-up by class, which its
     * decoder base makes at each construction.
     */
    @Override
    public boolean isSharable() {
        return false;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        switch (state) {
            case HEAD -> head(in, out);
            case LENGTH -> {
                int n = (int) Math.min(Math.min(remaining, in.readableBytes()), MAX_BODY_SLICE);
                if (n > 0) {
                    out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
                    remaining -= n;
                }
                if (remaining == 0) {
                    out.add(LastHttpContent.EMPTY_LAST_CONTENT);
                    state = State.HEAD;
                }
            }
            case CHUNKED -> chunked(in, out);
            case UPGRADE -> { // held until the upgrade is answered: a client that streams on meanwhile is read no further
                if (in.readableBytes() > MAX_HELD_AFTER_UPGRADE) {
                    ctx.channel().config().setAutoRead(false); // the tunnel, or the local answer's exchangeDone, reads on
                }
            }
            case BROKEN -> in.skipBytes(in.readableBytes());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        reading = true;
        try {
            super.channelRead(ctx, msg);
        } finally {
            reading = false;
        }
    }

    /**
     * The upgrade the decoder held for was answered by the proxy and the connection stays HTTP: what the client sent
     * after it is read as its body, then requests.
     *
     * @return whether held bytes wait to be read now (not from within this decoder's own read, which goes on by itself)
     */
    boolean resume() {
        if (state != State.UPGRADE) {
            return false;
        }
        state = State.HEAD;
        expectBody(heldUpgrade);
        heldUpgrade = null;
        ByteBuf held = internalBuffer();
        return !reading && held.isReadable();
    }

    private void head(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        if (scanned == 0 && lineStart == 0) {
            headStarted.run();
        }
        // skip the few empty lines some clients send after a body
        while (lineStart == 0 && in.readableBytes() >= 2 && in.getByte(start) == '\r' && in.getByte(start + 1) == '\n') {
            if (++leadingEmptyLines > MAX_LEADING_EMPTY_LINES) {
                refuse(in, out, new RefusedRequest(400, "too many empty lines before the request line"));
                return;
            }
            in.skipBytes(2);
            start += 2;
            scanned = 0;
        }
        int limit = Math.min(in.readableBytes(), maxHeaderSize + 1);
        int headEnd = -1;
        while (scanned < limit) {
            int lf = in.indexOf(start + scanned, start + limit, (byte) '\n'); // eight bytes at a time
            if (lf < 0) {
                scanned = limit;
                break;
            }
            int rel = lf - start;
            if (rel == 0 || in.getByte(lf - 1) != '\r') {
                refuse(in, out, new RefusedRequest(400, "bare LF in request head"));
                return;
            }
            if (lineStart == 0 && rel + 1 > maxRequestLine) {
                refuse(in, out, new RefusedRequest(414, "request line too long"));
                return;
            }
            boolean emptyLine = rel - 1 == lineStart;
            lineStart = rel + 1;
            scanned = rel + 1;
            if (emptyLine && rel > 1) {
                headEnd = lf + 1;
                break;
            }
            if (emptyLine) { // an empty line before the request line: one past the tolerated ones
                refuse(in, out, new RefusedRequest(400, "empty request line"));
                return;
            }
        }
        if (headEnd < 0) {
            if (in.readableBytes() > maxHeaderSize) {
                refuse(in, out, lineStart == 0 && in.readableBytes() > maxRequestLine
                        ? new RefusedRequest(414, "request line too long")
                        : new RefusedRequest(431, "request head larger than " + maxHeaderSize + " bytes"));
            }
            return;
        }
        scanned = 0;
        lineStart = 0;
        leadingEmptyLines = 0;
        RequestHead head;
        try {
            head = RequestHeadParser.parse(in, start, headEnd);
        } catch (RefusedRequest e) {
            refuse(in, out, e);
            return;
        }
        if (head.framing().length() > maxBody) {
            refuse(in, out, new RefusedRequest(413, "request body larger than " + maxBody + " bytes"));
            return;
        }
        in.readerIndex(headEnd);
        methods.add(HttpMethod.valueOf(head.method()));
        out.add(head);
        if (head.isWebSocketUpgrade()) {
            heldUpgrade = head.framing();
            state = State.UPGRADE;
        } else {
            expectBody(head.framing());
        }
    }

    private void expectBody(Framing f) {
        if (f.kind() == Framing.Kind.CHUNKED) {
            if (chunks == null) {
                chunks = new ChunkedFraming(maxHeaderSize, maxBody);
            }
            chunks.start();
            state = State.CHUNKED;
        } else if (f.hasBody()) {
            remaining = f.length();
            state = State.LENGTH;
        } // else the request ended with its head: no separate end (one message, one pass down the pipeline)
    }

    /** A Netty request of a parsed head: origin-form target, the one Host, the fields as sent (see {@link HeadFields#of}). */
    public static HttpRequest toNetty(RequestHead head) {
        return toNetty(head, HeadFields.of(head));
    }

    /** A Netty request of a parsed head whose fields were edited on their way upstream. */
    public static HttpRequest toNetty(RequestHead head, HeadFields fields) {
        return new DefaultHttpRequest(head.http10() ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1, HttpMethod.valueOf(head.method()),
                head.pathAndQuery(), fields.toHeaders());
    }

    private void refuse(ByteBuf in, List<Object> out, RefusedRequest why) {
        state = State.BROKEN;
        in.skipBytes(in.readableBytes());
        HttpRequest failed = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        failed.setDecoderResult(DecoderResult.failure(why));
        methods.add(HttpMethod.GET);
        out.add(failed);
    }

    /** The client closed its side: a body it did not finish can never end, so the request is refused (and not sent on). */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (in.isReadable()) {
            decode(ctx, in, out);
        }
        if (state == State.LENGTH || state == State.CHUNKED) {
            out.add(refusedBody(new RefusedRequest(400, "the client closed the connection in the middle of the body")));
        }
    }

    /** A body that broke off: the last content of its request, failed, and nothing more is read. */
    private LastHttpContent refusedBody(RefusedRequest why) {
        state = State.BROKEN;
        LastHttpContent refused = new DefaultLastHttpContent();
        refused.setDecoderResult(DecoderResult.failure(why));
        return refused;
    }

    /**
     * The chunked body's bytes as they came, each read's in one part, once {@link #chunks} checked them; its trailer
     * fields, if any, as the framing kept them (without those that must not be trailers), in a {@link Trailers}.
     */
    private void chunked(ByteBuf in, List<Object> out) {
        int from = in.readerIndex();
        int trailersFrom = -1;
        while (in.isReadable() && !chunks.ended()) {
            int n = chunks.takeData(in);
            if (n > 0) {
                in.skipBytes(n);
                continue;
            }
            if (trailersFrom < 0 && chunks.inTrailers()) {
                trailersFrom = in.readerIndex();
            }
            if (!chunks.readFraming(in)) {
                in.skipBytes(in.readableBytes());
                out.add(refusedBody(new RefusedRequest(chunks.tooLarge() ? 413 : 400, "bad chunked body: " + chunks.why())));
                return;
            }
        }
        int n = (trailersFrom >= 0 ? trailersFrom : in.readerIndex()) - from;
        ByteBuf trailers = chunks.ended() ? chunks.takeTrailers() : null;
        if (trailers != null) {
            if (n > 0) {
                out.add(new DefaultHttpContent(in.retainedSlice(from, n)));
            }
            out.add(new Trailers(trailers, chunks.droppedFields()));
            state = State.HEAD;
        } else if (chunks.ended()) {
            out.add(n == 0 ? LastHttpContent.EMPTY_LAST_CONTENT : new DefaultLastHttpContent(in.retainedSlice(from, n)));
            state = State.HEAD;
        } else if (n > 0) {
            out.add(new DefaultHttpContent(in.retainedSlice(from, n)));
        }
    }

    /** The end of a chunked request body with trailer fields: the section to pass on, and the fields dropped from it. */
    public static final class Trailers extends DefaultLastHttpContent {
        private final String dropped;

        Trailers(ByteBuf section, String dropped) {
            super(section);
            this.dropped = dropped;
        }

        /** The fields that must not be trailers (RFC 9110 §6.5.1), dropped; null: none. */
        public String droppedFields() {
            return dropped;
        }
    }
}
