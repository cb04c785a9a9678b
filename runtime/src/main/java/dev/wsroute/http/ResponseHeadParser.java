package dev.wsroute.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
    static final byte LF = '\n';
    private static final int FIRST_COPY = 1024;
    private static final String[] HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "upgrade", "proxy-authenticate"};

    private ResponseHeadParser() {
    }

    /**
     * @return the head starting at the reader index, or null when its end has not arrived yet; the buffer is not
     *         changed
     */
    public static ResponseHead parse(ByteBuf in) throws BadResponse {
        return parse(in, null);
    }

    /**
     * As {@link #parse(ByteBuf)}, into {@code into} when it is not null (a reader's one head, refilled for each
     * answer: no head object per response); {@code into} is changed only when a whole head was read.
     */
    static ResponseHead parse(ByteBuf in, ResponseHead into) throws BadResponse {
        int start = in.readerIndex();
        int available = Math.min(in.readableBytes(), MAX_HEAD);
        // most heads end within their first KiB: copy that much, and more only for a larger head (never the whole
        // read of a large body, even once the array has grown for a large head)
        int n = Math.min(available, FIRST_COPY);
        while (true) {
            byte[] b = ScratchBytes.atLeast(n);
            in.getBytes(start, b, 0, n);
            ResponseHead head = parse(b, n, start, into);
            if (head != null) {
                return head;
            }
            if (n == available) {
                return incomplete(in);
            }
            n = Math.min(available, n * 4);
        }
    }

    /** Parses the copy {@code b[0, n)} of the bytes at {@code start}; null when the head does not end within them. */
    private static ResponseHead parse(byte[] b, int n, int start, ResponseHead into) throws BadResponse {
        int lf = indexOfLf(b, 0, n);
        if (lf < 0) {
            return null;
        }
        boolean bareLf = lf == 0 || b[lf - 1] != '\r';
        int lineEnd = bareLf ? lf : lf - 1;
        // status-line = HTTP-version SP status-code SP [ reason-phrase ]
        if (lineEnd < 12 || !isVersion(b) || b[8] != ' ') {
            throw new BadResponse("malformed status line");
        }
        boolean http10 = b[7] == '0';
        int status = 0;
        for (int i = 9; i < 12; i++) {
            byte d = b[i];
            if (d < '0' || d > '9') {
                throw new BadResponse("malformed status code");
            }
            status = status * 10 + d - '0';
        }
        if (status < 100 || status > 599) {
            throw new BadResponse("status code " + status + " out of range");
        }
        if (lineEnd > 12 && (b[12] != ' ' || !values(b, 13, lineEnd))) {
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
            lf = indexOfLf(b, pos, n);
            if (lf < 0) {
                return null;
            }
            lines++;
            boolean bare = lf == pos || b[lf - 1] != '\r';
            bareLf |= bare;
            lineEnd = bare ? lf : lf - 1;
            if (lineEnd == pos) {
                break; // the empty line ends the head
            }
            int name = pos;
            while (pos < lineEnd && HttpChars.tchar(b[pos] & 0xff)) {
                pos++;
            }
            if (pos == name || pos == lineEnd || b[pos] != ':') {
                throw new BadResponse(pos == name && (b[pos] == ' ' || b[pos] == '\t') ? "folded header line" : "malformed header line");
            }
            int nameLength = pos - name;
            if (!values(b, pos + 1, lineEnd)) {
                throw new BadResponse("control character in a header value");
            }
            int v = skipOws(b, pos + 1, lineEnd);
            int vEnd = trimOws(b, v, lineEnd);
            if (nameIs(b, name, nameLength, "content-length")) {
                contentLength = contentLength(b, v, vEnd, contentLength);
            } else if (nameIs(b, name, nameLength, "transfer-encoding")) {
                if (chunked) {
                    throw new BadResponse("chunked applied twice");
                }
                te = true;
                chunked = lastCodingIsChunked(b, v, vEnd);
                otherCodings |= !nameIs(b, v, vEnd - v, "chunked");
            } else if (hopByHop(b, name, nameLength)) {
                drop = true;
                if (nameIs(b, name, nameLength, "connection")) {
                    for (String token : new String(b, v, vEnd - v, StandardCharsets.ISO_8859_1).split(",")) {
                        String t = token.strip();
                        if (t.equalsIgnoreCase("close")) {
                            close = true;
                        } else if (t.equalsIgnoreCase("keep-alive")) {
                            keepAlive = true;
                        } else if (!t.isEmpty() && !HttpChars.isEndToEndFraming(t)) {
                            named = named == null ? new ArrayList<>(2) : named;
                            named.add(t.toLowerCase(Locale.ROOT));
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
        ResponseHead head = into != null ? into : new ResponseHead();
        return head.set(start, lf + 1, lines, status, http10, contentLength, te, chunked, otherCodings, close, keepAlive, clean, named);
    }

    private static ResponseHead incomplete(ByteBuf in) throws BadResponse {
        if (in.readableBytes() >= MAX_HEAD) {
            throw new BadResponse("response head larger than " + MAX_HEAD / 1024 + " KiB");
        }
        return null;
    }

    private static int indexOfLf(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == LF) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isVersion(byte[] b) {
        return b[0] == 'H' && b[1] == 'T' && b[2] == 'T' && b[3] == 'P' && b[4] == '/' && b[5] == '1' && b[6] == '.'
                && (b[7] == '1' || b[7] == '0');
    }

    private static boolean values(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!HttpChars.fieldValueByte(b[i] & 0xff)) {
                return false;
            }
        }
        return true;
    }

    private static int skipOws(byte[] b, int i, int end) {
        while (i < end && (b[i] == ' ' || b[i] == '\t')) {
            i++;
        }
        return i;
    }

    private static int trimOws(byte[] b, int start, int end) {
        while (end > start && (b[end - 1] == ' ' || b[end - 1] == '\t')) {
            end--;
        }
        return end;
    }

    /** 1*DIGIT, or a list of equal ones (RFC 9110 §8.6); equal to {@code seen} when that is not -1. */
    private static long contentLength(byte[] b, int v, int end, long seen) throws BadResponse {
        int i = v;
        while (true) {
            long n = 0;
            int digits = i;
            while (i < end && b[i] >= '0' && b[i] <= '9') {
                if (i - digits == 18) {
                    throw new BadResponse("Content-Length too large");
                }
                n = n * 10 + b[i] - '0';
                i++;
            }
            if (i == digits) {
                throw new BadResponse("Content-Length is not a number");
            }
            if (seen >= 0 && n != seen) {
                throw new BadResponse("two different Content-Length values");
            }
            seen = n;
            i = skipOws(b, i, end);
            if (i == end) {
                return seen;
            }
            if (b[i] != ',') {
                throw new BadResponse("Content-Length is not a number");
            }
            i = skipOws(b, i + 1, end);
        }
    }

    /** Whether {@code chunked} is the last coding of a Transfer-Encoding list; refused anywhere else. */
    private static boolean lastCodingIsChunked(byte[] b, int v, int end) throws BadResponse {
        boolean last = false;
        int i = v;
        while (i < end) {
            int t = i;
            while (i < end && b[i] != ',') {
                i++;
            }
            int tEnd = trimOws(b, t, i);
            if (last) {
                throw new BadResponse("chunked is not the last transfer coding");
            }
            last = nameIs(b, t, tEnd - t, "chunked");
            i = skipOws(b, i + 1, end);
        }
        return last;
    }

    private static boolean hopByHop(byte[] b, int name, int length) {
        for (String h : HOP_BY_HOP) {
            if (nameIs(b, name, length, h)) {
                return true;
            }
        }
        return false;
    }

    /** ASCII case-insensitive comparison of a name in the array with a lower-case one. */
    private static boolean nameIs(byte[] b, int name, int length, String lower) {
        if (length != lower.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            int c = b[name + i];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a field name in a buffer (a head being rewritten) is one of the fixed hop-by-hop ones. */
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
