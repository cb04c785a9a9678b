package dev.wsroute.http;

import java.util.ArrayDeque;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ByteProcessor;

/**
 * Reads requests from a client connection: finds the end of each head, has {@link RequestHeadParser} accept or
 * refuse it, and frames the body itself (exactly Content-Length bytes, or strictly parsed chunks). It emits a
 * Netty {@link HttpRequest} rebuilt from the parsed head, then {@link io.netty.handler.codec.http.HttpContent}s
 * ending with a {@link LastHttpContent}.
 * <p>
 * A refused head is emitted as a request whose {@link DecoderResult} is a {@link BadRequestHead}; a framing error
 * in a body is raised as an exception. Either way the decoder then discards everything the connection sends: it
 * never parses past an error, so nothing the client sent can become a second request.
 */
public final class ClientHttpDecoder extends ByteToMessageDecoder {
    /** Empty lines tolerated before a request line (RFC 9112 §2.2 asks for at least one). */
    static final int MAX_LEADING_EMPTY_LINES = 4;
    private static final int MAX_BODY_SLICE = 16 * 1024;
    private static final int MAX_CHUNK_LINE = 1024;
    /** Names and values were checked by the parser; checking them again costs time on every request. */
    private static final DefaultHttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private enum State { HEAD, LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, BROKEN }

    private final int maxHeaderSize;
    private final int maxRequestLine;
    private final ArrayDeque<HttpMethod> methods;
    private final Runnable headStarted;
    private State state = State.HEAD;
    private long remaining;
    private int scanned;
    private int lineStart;
    private int trailerBytes;
    private int leadingEmptyLines;

    /**
     * @param methods receives the method of each request, in order, for the response encoder (HEAD has no body)
     * @param headStarted told when the first bytes of a head arrive (a head timer may then change phase)
     */
    public ClientHttpDecoder(int maxHeaderSize, int maxRequestLine, ArrayDeque<HttpMethod> methods, Runnable headStarted) {
        this.maxHeaderSize = maxHeaderSize;
        this.maxRequestLine = maxRequestLine;
        this.methods = methods;
        this.headStarted = headStarted;
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
            case CHUNK_SIZE -> chunkSize(in);
            case CHUNK_DATA -> {
                int n = (int) Math.min(Math.min(remaining, in.readableBytes()), MAX_BODY_SLICE);
                if (n > 0) {
                    out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
                    remaining -= n;
                }
                if (remaining == 0) {
                    state = State.CHUNK_END;
                }
            }
            case CHUNK_END -> {
                if (in.readableBytes() >= 2) {
                    if (in.readByte() != '\r' || in.readByte() != '\n') {
                        throw broken("chunk data not followed by CRLF");
                    }
                    state = State.CHUNK_SIZE;
                }
            }
            case TRAILERS -> trailers(in, out);
            case BROKEN -> in.skipBytes(in.readableBytes());
        }
    }

    private void head(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        if (scanned == 0 && lineStart == 0) {
            headStarted.run();
        }
        // skip the few empty lines some clients send after a body
        while (lineStart == 0 && in.readableBytes() >= 2 && in.getByte(start) == '\r' && in.getByte(start + 1) == '\n') {
            if (++leadingEmptyLines > MAX_LEADING_EMPTY_LINES) {
                refuse(in, out, new BadRequestHead(400, "too many empty lines before the request line"));
                return;
            }
            in.skipBytes(2);
            start += 2;
            scanned = 0;
        }
        int limit = Math.min(in.readableBytes(), maxHeaderSize + 1);
        int headEnd = -1;
        while (scanned < limit) {
            int lf = in.forEachByte(start + scanned, limit - scanned, ByteProcessor.FIND_LF);
            if (lf < 0) {
                scanned = limit;
                break;
            }
            int rel = lf - start;
            if (rel == 0 || in.getByte(lf - 1) != '\r') {
                refuse(in, out, new BadRequestHead(400, "bare LF in request head"));
                return;
            }
            if (lineStart == 0 && rel + 1 > maxRequestLine) {
                refuse(in, out, new BadRequestHead(414, "request line too long"));
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
                refuse(in, out, new BadRequestHead(400, "empty request line"));
                return;
            }
        }
        if (headEnd < 0) {
            if (in.readableBytes() > maxHeaderSize) {
                refuse(in, out, lineStart == 0 && in.readableBytes() > maxRequestLine
                        ? new BadRequestHead(414, "request line too long")
                        : new BadRequestHead(431, "request head larger than " + maxHeaderSize + " bytes"));
            }
            return;
        }
        scanned = 0;
        lineStart = 0;
        leadingEmptyLines = 0;
        RequestHead head;
        try {
            head = RequestHeadParser.parse(in, start, headEnd);
        } catch (BadRequestHead e) {
            refuse(in, out, e);
            return;
        }
        in.readerIndex(headEnd);
        HttpRequest request = toNetty(head);
        methods.add(request.method());
        out.add(request);
        Framing f = head.framing();
        if (f.kind() == Framing.Kind.CHUNKED) {
            state = State.CHUNK_SIZE;
        } else if (f.hasBody()) {
            remaining = f.length();
            state = State.LENGTH;
        } else {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
        }
    }

    /** The request the rest of the pipeline sees: origin-form target, the one Host, the fields as sent. */
    static HttpRequest toNetty(RequestHead head) {
        HttpHeaders headers = HEADERS.newHeaders();
        boolean hostSeen = false;
        for (int i = 0; i < head.fieldCount(); i++) {
            String name = head.name(i);
            if (name.equalsIgnoreCase("host")) {
                hostSeen = true;
                headers.add(name, head.authority()); // equal to the absolute-form authority, or the value itself
            } else if (head.http10() && name.equalsIgnoreCase("upgrade")) {
                continue; // RFC 9110 §7.8: ignored in HTTP/1.0, so an HTTP/1.0 request is never an upgrade
            } else {
                headers.add(name, head.value(i));
            }
        }
        if (!hostSeen && head.authority() != null) {
            headers.add(HttpHeaderNames.HOST, head.authority());
        }
        if (head.framing().kind() == Framing.Kind.CHUNKED) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED); // exactly as the upstream will read it
        }
        return new DefaultHttpRequest(head.http10() ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1, HttpMethod.valueOf(head.method()),
                head.pathAndQuery(), headers);
    }

    private void refuse(ByteBuf in, List<Object> out, BadRequestHead why) {
        state = State.BROKEN;
        in.skipBytes(in.readableBytes());
        HttpRequest failed = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        failed.setDecoderResult(DecoderResult.failure(why));
        methods.add(HttpMethod.GET);
        out.add(failed);
    }

    /** chunk-size [ chunk-ext ] CRLF, with chunk-size 1–15 hex digits and extensions free of controls. */
    private void chunkSize(ByteBuf in) {
        int start = in.readerIndex();
        int lf = in.forEachByte(start, Math.min(in.readableBytes(), MAX_CHUNK_LINE), ByteProcessor.FIND_LF);
        if (lf < 0) {
            if (in.readableBytes() >= MAX_CHUNK_LINE) {
                throw broken("chunk-size line too long");
            }
            return;
        }
        if (lf == start || in.getByte(lf - 1) != '\r') {
            throw broken("bare LF in chunk-size line");
        }
        long size = 0;
        int i = start;
        for (; i < lf - 1; i++) {
            int h = HttpChars.hex(in.getByte(i));
            if (h < 0) {
                break;
            }
            if (i - start == 15) {
                throw broken("chunk size too large");
            }
            size = size << 4 | h;
        }
        if (i == start) {
            throw broken("chunk size is not hex");
        }
        if (i < lf - 1) {
            if (in.getByte(i) != ';') {
                throw broken("junk after chunk size");
            }
            for (int j = i + 1; j < lf - 1; j++) {
                if (!HttpChars.fieldValueByte(in.getByte(j) & 0xff)) {
                    throw broken("control character in chunk extension");
                }
            }
        }
        in.readerIndex(lf + 1);
        if (size == 0) {
            state = State.TRAILERS;
            trailerBytes = 0;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
    }

    /** Trailer fields are read strictly and dropped (they are not forwarded); the empty line ends the body. */
    private void trailers(ByteBuf in, List<Object> out) {
        while (true) {
            int start = in.readerIndex();
            int lf = in.forEachByte(start, in.readableBytes(), ByteProcessor.FIND_LF);
            if (lf < 0) {
                if (trailerBytes + in.readableBytes() > maxHeaderSize) {
                    throw broken("trailers too large");
                }
                return;
            }
            if (lf == start || in.getByte(lf - 1) != '\r') {
                throw broken("bare LF in trailers");
            }
            trailerBytes += lf + 1 - start;
            if (trailerBytes > maxHeaderSize) {
                throw broken("trailers too large");
            }
            if (lf == start + 1) {
                in.readerIndex(lf + 1);
                out.add(LastHttpContent.EMPTY_LAST_CONTENT);
                state = State.HEAD;
                return;
            }
            int i = start;
            while (i < lf - 1 && HttpChars.tchar(in.getByte(i) & 0xff)) {
                i++;
            }
            if (i == start || in.getByte(i) != ':') {
                throw broken("malformed trailer field");
            }
            for (int j = i + 1; j < lf - 1; j++) {
                if (!HttpChars.fieldValueByte(in.getByte(j) & 0xff)) {
                    throw broken("control character in a trailer field");
                }
            }
            in.readerIndex(lf + 1);
        }
    }

    private CorruptedFrameException broken(String why) {
        state = State.BROKEN;
        return new CorruptedFrameException("bad request body framing: " + why);
    }
}
