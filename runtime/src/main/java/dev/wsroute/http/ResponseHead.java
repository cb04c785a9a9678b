package dev.wsroute.http;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ByteProcessor;

/**
 * An upstream's response head as {@link ResponseHeadParser} accepted it: the status, the framing it declares and
 * whether the connection may carry another request. The bytes stay in the buffer they arrived in: a clean head
 * (HTTP/1.1, CRLF line ends, no hop-by-hop field) goes to the client as the upstream wrote it, any other is
 * {@linkplain #write rewritten} without its hop-by-hop fields.
 */
public final class ResponseHead {
    /** How the body after this head ends (RFC 9112 §6.3). */
    public enum Body { NONE, LENGTH, CHUNKED, UNTIL_CLOSE }

    private static final byte[] VERSION = "HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION = "Connection: ".getBytes(StandardCharsets.US_ASCII);
    private static final int CRLF = ('\r' << 8) | '\n';

    // not final: a ResponseReader refills its one head for each answer (see ResponseHeadParser#parse(ByteBuf, ResponseHead))
    int start;
    int length;
    /** Lines in the head, the empty one included: a rewrite adds at most one CR to each. */
    int lines;
    int status;
    boolean http10;
    long contentLength;
    boolean transferEncoding;
    boolean chunked;
    /** A transfer coding other than chunked (gzip, …) was applied. */
    boolean otherCodings;
    boolean closeToken;
    boolean keepAliveToken;
    /** HTTP/1.1, every line ended by CRLF, no field the proxy must drop: the bytes can go on as they are. */
    boolean clean;
    /** Fields the Connection header names (other than close and keep-alive), or null. */
    List<String> connectionNamed;

    /** An empty head, to be {@link #set} by the parser. */
    ResponseHead() {
    }

    ResponseHead(int start, int length, int lines, int status, boolean http10, long contentLength, boolean transferEncoding,
            boolean chunked, boolean otherCodings, boolean closeToken, boolean keepAliveToken, boolean clean, List<String> connectionNamed) {
        set(start, length, lines, status, http10, contentLength, transferEncoding, chunked, otherCodings, closeToken, keepAliveToken,
                clean, connectionNamed);
    }

    ResponseHead set(int start, int length, int lines, int status, boolean http10, long contentLength, boolean transferEncoding,
            boolean chunked, boolean otherCodings, boolean closeToken, boolean keepAliveToken, boolean clean, List<String> connectionNamed) {
        this.start = start;
        this.length = length;
        this.lines = lines;
        this.status = status;
        this.http10 = http10;
        this.contentLength = contentLength;
        this.transferEncoding = transferEncoding;
        this.chunked = chunked;
        this.otherCodings = otherCodings;
        this.closeToken = closeToken;
        this.keepAliveToken = keepAliveToken;
        this.clean = clean;
        this.connectionNamed = connectionNamed;
        return this;
    }

    public int status() {
        return status;
    }

    /** The head's length in bytes, from the first byte of the status line to past the empty line. */
    public int length() {
        return length;
    }

    public boolean informational() {
        return status < 200;
    }

    public boolean clean() {
        return clean;
    }

    /** How the body ends; a response to HEAD, a 1xx, 204 and 304 have none, whatever their fields say. */
    public Body body(boolean headRequest) {
        if (headRequest || status < 200 || status == 204 || status == 304) {
            return Body.NONE;
        }
        if (chunked) {
            return Body.CHUNKED;
        }
        if (transferEncoding || contentLength < 0) {
            return Body.UNTIL_CLOSE; // a coding other than chunked last, or no framing: the close ends it
        }
        return contentLength == 0 ? Body.NONE : Body.LENGTH;
    }

    /** Whether a transfer coding other than chunked was applied (which no HTTP/1.0 client can take). */
    public boolean otherCodings() {
        return otherCodings;
    }

    /** The Content-Length, or -1. */
    public long contentLength() {
        return contentLength;
    }

    /** Whether the upstream keeps the connection open after this answer (RFC 9112 §9.3). */
    public boolean keepAlive() {
        return !closeToken && (!http10 || keepAliveToken);
    }

    /**
     * The head for the client: null when the upstream's bytes can go as they are (clean, no Connection field to
     * add, the body not decoded), else {@linkplain #write rewritten}.
     *
     * @param decoded Transfer-Encoding is left out: the chunked body goes to the client decoded (or the client is
     *        HTTP/1.0, which gets no body in a transfer coding)
     */
    public ByteBuf rewriteFor(ByteBuf in, ByteBufAllocator alloc, String connection, boolean decoded) {
        return clean && connection == null && !decoded ? null : write(in, alloc, connection, decoded);
    }

    /** The head for the client, as it came or rewritten (see {@link #rewriteFor}). */
    public ByteBuf forClient(ByteBuf in, ByteBufAllocator alloc, String connection) {
        ByteBuf rewritten = rewriteFor(in, alloc, connection, false);
        return rewritten != null ? rewritten : in.retainedSlice(start, length);
    }

    /**
     * The head as the client gets it, in one pooled buffer: status line as HTTP/1.1, the hop-by-hop fields and those
     * the Connection header names left out, every line ended by CRLF, and {@code Connection: connection} added
     * when not null; without Transfer-Encoding when the body goes {@code decoded}. {@code in} holds the head at the
     * offsets it was parsed at.
     */
    public ByteBuf write(ByteBuf in, ByteBufAllocator alloc, String connection, boolean decoded) {
        int end = start + length;
        ByteBuf out = alloc.buffer(length + lines + CONNECTION.length + 2 + (connection == null ? 0 : connection.length()));
        int lf = in.indexOf(start, end, ResponseHeadParser.LF);
        out.writeBytes(VERSION);
        int sp = start + VERSION.length;
        out.writeBytes(in, sp, lineEnd(in, start, lf) - sp);
        out.writeShort(CRLF);
        int pos = lf + 1;
        while (pos < end) {
            lf = in.indexOf(pos, end, ResponseHeadParser.LF);
            int contentEnd = lineEnd(in, pos, lf);
            if (contentEnd == pos) {
                break; // the empty line
            }
            if (!dropped(in, pos, contentEnd, decoded)) {
                out.writeBytes(in, pos, contentEnd - pos);
                out.writeShort(CRLF);
            }
            pos = lf + 1;
        }
        if (connection != null) {
            out.writeBytes(CONNECTION);
            out.writeCharSequence(connection, StandardCharsets.US_ASCII);
            out.writeShort(CRLF);
        }
        out.writeShort(CRLF);
        return out;
    }

    private static int lineEnd(ByteBuf in, int lineStart, int lf) {
        return lf > lineStart && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
    }

    /** Whether the field line at {@code pos} is hop-by-hop, named by Connection, or the framing of a decoded body. */
    private boolean dropped(ByteBuf in, int pos, int lineEnd, boolean decoded) {
        int colon = in.forEachByte(pos, lineEnd - pos, b -> b != ':');
        int nameLength = colon - pos;
        if (ResponseHeadParser.hopByHop(in, pos, nameLength)
                || decoded && ResponseHeadParser.nameIs(in, pos, nameLength, "transfer-encoding")) {
            return true;
        }
        if (connectionNamed != null) {
            for (String name : connectionNamed) {
                if (ResponseHeadParser.nameIs(in, pos, nameLength, name)) {
                    return true;
                }
            }
        }
        return false;
    }
}
