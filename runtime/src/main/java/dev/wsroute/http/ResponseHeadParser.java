package dev.wsroute.http;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;

/**
 * A strict parser of an upstream's response head (RFC 9112 §4–6), straight from the bytes, with no header map:
 * it reads the status and what framing and connection handling need, and refuses what the client and the proxy
 * could read differently.
 * <ul>
 * <li>status line {@code HTTP/1.1} or {@code HTTP/1.0}, SP, three digits (100–599), then SP and a reason or
 * nothing;</li>
 * <li>fields {@code token ":" OWS value OWS}; whitespace before the colon, obs-fold (RFC 9112 §5.2 allows a proxy
 * to answer 502), NUL, a bare CR or any control character but HTAB: refused. A line may end with a bare LF (RFC 9112
 * §2.2); such a head is rewritten with CRLFs before it is relayed;</li>
 * <li>framing: Content-Length digits only, repeated only with the same value; Transfer-Encoding never with
 * Content-Length nor in HTTP/1.0, {@code chunked} at most once and only last;</li>
 * <li>at most {@value #MAX_HEAD} bytes.</li>
 * </ul>
 */
public final class ResponseHeadParser {
    public static final int MAX_HEAD = 64 * 1024;
    /** Line ends are found with {@link ByteBuf#indexOf}, which compares eight bytes at a time. */
    static final byte LF = '\n';
    private static final String[] HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "upgrade", "proxy-authenticate"};

    private ResponseHeadParser() {
    }

    /**
     * @return the head starting at the reader index, or null when its end has not arrived yet; the buffer is not
     *         changed
     */
    public static ResponseHead parse(ByteBuf in) throws BadResponse {
        int start = in.readerIndex();
        int limit = start + Math.min(in.readableBytes(), MAX_HEAD);
        int lf = in.indexOf(start, limit, LF);
        if (lf < 0) {
            return incomplete(in);
        }
        boolean bareLf = lf == start || in.getByte(lf - 1) != '\r';
        int lineEnd = bareLf ? lf : lf - 1;
        // status-line = HTTP-version SP status-code SP [ reason-phrase ]
        if (lineEnd - start < 12 || !isVersion(in, start) || in.getByte(start + 8) != ' ') {
            throw new BadResponse("malformed status line");
        }
        boolean http10 = in.getByte(start + 7) == '0';
        int status = 0;
        for (int i = start + 9; i < start + 12; i++) {
            byte d = in.getByte(i);
            if (d < '0' || d > '9') {
                throw new BadResponse("malformed status code");
            }
            status = status * 10 + d - '0';
        }
        if (status < 100 || status > 599) {
            throw new BadResponse("status code " + status + " out of range");
        }
        if (lineEnd > start + 12 && (in.getByte(start + 12) != ' ' || !values(in, start + 13, lineEnd))) {
            throw new BadResponse("malformed reason phrase");
        }
        long contentLength = -1;
        boolean te = false;
        boolean chunked = false;
        boolean otherCodings = false;
        boolean close = false;
        boolean keepAlive = false;
        boolean drop = false;
        List<String> named = null;
        int lines = 1;
        int pos = lf + 1;
        while (true) {
            lf = pos < limit ? in.indexOf(pos, limit, LF) : -1;
            if (lf < 0) {
                return incomplete(in);
            }
            lines++;
            boolean bare = lf == pos || in.getByte(lf - 1) != '\r';
            bareLf |= bare;
            lineEnd = bare ? lf : lf - 1;
            if (lineEnd == pos) {
                break; // the empty line ends the head
            }
            int name = pos;
            while (pos < lineEnd && HttpChars.tchar(in.getByte(pos) & 0xff)) {
                pos++;
            }
            if (pos == name || pos == lineEnd || in.getByte(pos) != ':') {
                throw new BadResponse(pos == name && (in.getByte(pos) == ' ' || in.getByte(pos) == '\t')
                        ? "folded header line" : "malformed header line");
            }
            int nameLength = pos - name;
            if (!values(in, pos + 1, lineEnd)) {
                throw new BadResponse("control character in a header value");
            }
            int v = skipOws(in, pos + 1, lineEnd);
            int vEnd = trimOws(in, v, lineEnd);
            if (nameIs(in, name, nameLength, "content-length")) {
                contentLength = contentLength(in, v, vEnd, contentLength);
            } else if (nameIs(in, name, nameLength, "transfer-encoding")) {
                if (chunked) {
                    throw new BadResponse("chunked applied twice");
                }
                te = true;
                chunked = lastCodingIsChunked(in, v, vEnd);
                otherCodings |= !nameIs(in, v, vEnd - v, "chunked");
            } else if (hopByHop(in, name, nameLength)) {
                drop = true;
                if (nameIs(in, name, nameLength, "connection")) {
                    for (String token : in.toString(v, vEnd - v, java.nio.charset.StandardCharsets.ISO_8859_1).split(",")) {
                        String t = token.strip();
                        if (t.equalsIgnoreCase("close")) {
                            close = true;
                        } else if (t.equalsIgnoreCase("keep-alive")) {
                            keepAlive = true;
                        } else if (!t.isEmpty() && !HttpChars.isEndToEndFraming(t)) {
                            named = named == null ? new ArrayList<>(2) : named;
                            named.add(t.toLowerCase(java.util.Locale.ROOT));
                        }
                    }
                }
            }
            pos = lf + 1;
        }
        if (te && contentLength >= 0) {
            throw new BadResponse("both Content-Length and Transfer-Encoding");
        }
        if (te && http10) {
            throw new BadResponse("Transfer-Encoding in an HTTP/1.0 response");
        }
        boolean clean = !http10 && !bareLf && !drop && named == null;
        return new ResponseHead(start, lf + 1 - start, lines, status, http10, contentLength, te, chunked, otherCodings, close, keepAlive,
                clean, named);
    }

    private static ResponseHead incomplete(ByteBuf in) throws BadResponse {
        if (in.readableBytes() >= MAX_HEAD) {
            throw new BadResponse("response head larger than " + MAX_HEAD / 1024 + " KiB");
        }
        return null;
    }

    private static boolean isVersion(ByteBuf in, int i) {
        return in.getByte(i) == 'H' && in.getByte(i + 1) == 'T' && in.getByte(i + 2) == 'T' && in.getByte(i + 3) == 'P'
                && in.getByte(i + 4) == '/' && in.getByte(i + 5) == '1' && in.getByte(i + 6) == '.'
                && (in.getByte(i + 7) == '1' || in.getByte(i + 7) == '0');
    }

    private static boolean values(ByteBuf in, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!HttpChars.fieldValueByte(in.getByte(i) & 0xff)) {
                return false;
            }
        }
        return true;
    }

    private static int skipOws(ByteBuf in, int i, int end) {
        while (i < end && (in.getByte(i) == ' ' || in.getByte(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static int trimOws(ByteBuf in, int start, int end) {
        while (end > start && (in.getByte(end - 1) == ' ' || in.getByte(end - 1) == '\t')) {
            end--;
        }
        return end;
    }

    /** 1*DIGIT, or a list of equal ones (RFC 9110 §8.6); equal to {@code seen} when that is not -1. */
    private static long contentLength(ByteBuf in, int v, int end, long seen) throws BadResponse {
        int i = v;
        while (true) {
            long n = 0;
            int digits = i;
            while (i < end && in.getByte(i) >= '0' && in.getByte(i) <= '9') {
                if (i - digits == 18) {
                    throw new BadResponse("Content-Length too large");
                }
                n = n * 10 + in.getByte(i) - '0';
                i++;
            }
            if (i == digits) {
                throw new BadResponse("Content-Length is not a number");
            }
            if (seen >= 0 && n != seen) {
                throw new BadResponse("two different Content-Length values");
            }
            seen = n;
            i = skipOws(in, i, end);
            if (i == end) {
                return seen;
            }
            if (in.getByte(i) != ',') {
                throw new BadResponse("Content-Length is not a number");
            }
            i = skipOws(in, i + 1, end);
        }
    }

    /** Whether {@code chunked} is the last coding of a Transfer-Encoding list; refused anywhere else. */
    private static boolean lastCodingIsChunked(ByteBuf in, int v, int end) throws BadResponse {
        boolean last = false;
        int i = v;
        while (i < end) {
            int t = i;
            while (i < end && in.getByte(i) != ',') {
                i++;
            }
            int tEnd = trimOws(in, t, i);
            if (last) {
                throw new BadResponse("chunked is not the last transfer coding");
            }
            last = nameIs(in, t, tEnd - t, "chunked");
            i = skipOws(in, i + 1, end);
        }
        return last;
    }

    static boolean hopByHop(ByteBuf in, int name, int length) {
        for (String h : HOP_BY_HOP) {
            if (nameIs(in, name, length, h)) {
                return true;
            }
        }
        return false;
    }

    /** ASCII case-insensitive comparison of a name in the buffer with a lower-case one. */
    static boolean nameIs(ByteBuf in, int name, int length, String lower) {
        if (length != lower.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            int c = in.getByte(name + i);
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
