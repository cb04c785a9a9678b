package dev.wsroute.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * A strict HTTP/1.1 request-head parser (RFC 9112 §2–3, §5–6; RFC 9110 §5, §7.2). It refuses rather than repairs:
 * what two parsers could read differently is an error, so the proxy and the upstream never disagree about which
 * requests a connection carries or where they go.
 * <ul>
 * <li>request line: {@code token SP origin-or-absolute-form SP HTTP/1.1} (or {@code HTTP/1.0}); another
 * well-formed version → 505, anything else → 400;</li>
 * <li>fields: {@code token ":" OWS value OWS}; whitespace before the colon, obs-fold, a bare CR, NUL or any
 * control character but HTAB → 400; more than {@value #MAX_FIELDS} fields → 431;</li>
 * <li>Host: exactly one for HTTP/1.1 (one at most for 1.0), a valid {@code host[:port]} without userinfo, list
 * or space; an absolute-form target must name the same authority as the Host header;</li>
 * <li>framing: Content-Length once, digits only; Transfer-Encoding once and exactly {@code chunked}, never
 * with Content-Length nor in HTTP/1.0; {@code Expect} only {@code 100-continue} (else 417).</li>
 * </ul>
 * The caller has found the end of the head and checked that every LF in it follows a CR.
 */
public final class RequestHeadParser {
    public static final int MAX_FIELDS = 100;
    private static final int MAX_METHOD = 32;

    /**
     * Each thread's parser: the fields as they are read are reused from head to head (the strings are copied out of
     * the bytes, the fields into arrays of the exact size), so a parse makes no parser object and no scratch array.
     */
    private static final FastThreadLocal<RequestHeadParser> PARSERS = new FastThreadLocal<>() {
        @Override
        protected RequestHeadParser initialValue() {
            return new RequestHeadParser();
        }
    };

    private byte[] bytes; // the head, copied once into the thread's scratch array; held only while it is read
    private String[] names = new String[16];
    private String[] values = new String[16];
    private int pos;
    private int end;
    /**
     * The Host value of the thread's last head that had one: the next head (the same client's next keep-alive request,
     * most often) that names the same host gets the same string instead of a new one; a string, so nothing is copied
     * when the host differs.
     */
    private String lastHost;

    private RequestHeadParser() {
    }

    /**
     * @param start the first byte of the request line
     * @param end just past the CRLF CRLF that ends the head
     */
    public static RequestHead parse(ByteBuf buf, int start, int end) throws RefusedRequest {
        return PARSERS.get().read(buf, start, end - start);
    }

    private RequestHead read(ByteBuf buf, int start, int length) throws RefusedRequest {
        bytes = ScratchBytes.atLeast(length);
        buf.getBytes(start, bytes, 0, length);
        pos = 0;
        end = length;
        try {
            return head();
        } finally {
            bytes = null;
        }
    }

    private RequestHead head() throws RefusedRequest {
        // request-line = method SP request-target SP HTTP-version CRLF
        int m = pos;
        while (pos < end && HttpChars.tchar(b(pos))) {
            pos++;
        }
        if (pos == m || pos - m > MAX_METHOD || b(pos) != ' ') {
            throw RefusedRequest.bad("malformed method");
        }
        String method = KnownStrings.METHODS.of(bytes, m, pos);
        int t = ++pos;
        while (pos < end && b(pos) > 0x20 && b(pos) < 0x7f) {
            pos++;
        }
        if (pos == t || b(pos) != ' ') {
            throw RefusedRequest.bad("malformed request target");
        }
        String target = ascii(t, pos);
        boolean http10 = version(++pos);
        pos += 10; // "HTTP/1.1" CRLF

        String[] names = this.names;
        String[] values = this.values;
        int n = 0;
        try {
            while (b(pos) != '\r') { // until the empty line
                if (n == MAX_FIELDS) {
                    throw new RefusedRequest(431, "more than " + MAX_FIELDS + " header fields");
                }
                if (n == names.length) {
                    names = this.names = Arrays.copyOf(names, n * 2);
                    values = this.values = Arrays.copyOf(values, n * 2);
                }
                int nameStart = pos;
                int c = b(pos);
                if (c == ' ' || c == '\t') {
                    throw RefusedRequest.bad("obsolete line folding");
                }
                while (HttpChars.tchar(b(pos))) {
                    pos++;
                }
                if (pos == nameStart) {
                    throw RefusedRequest.bad("malformed header name");
                }
                if (b(pos) != ':') {
                    throw RefusedRequest.bad(b(pos) == ' ' || b(pos) == '\t' ? "whitespace before a header colon" : "malformed header line");
                }
                names[n] = KnownStrings.FIELD_NAMES.of(bytes, nameStart, pos);
                pos++;
                while (b(pos) == ' ' || b(pos) == '\t') {
                    pos++;
                }
                int valueStart = pos;
                int valueEnd = pos;
                while (b(pos) != '\r') {
                    int v = b(pos);
                    if (!HttpChars.fieldValueByte(v)) {
                        throw RefusedRequest.bad("control character in a header value");
                    }
                    pos++;
                    if (v != ' ' && v != '\t') {
                        valueEnd = pos;
                    }
                }
                if (b(pos + 1) != '\n') {
                    throw RefusedRequest.bad("bare CR in a header");
                }
                values[n] = isHost(names[n]) ? hostValue(valueStart, valueEnd) : KnownStrings.FIELD_VALUES.of(bytes, valueStart, valueEnd);
                n++;
                pos += 2;
            }
            if (pos + 2 != end || b(pos + 1) != '\n') {
                throw RefusedRequest.bad("bare CR in the request head");
            }
            return semantics(method, target, http10, Arrays.copyOf(names, n), Arrays.copyOf(values, n), n);
        } finally {
            int used = Math.min(n + 1, names.length); // and a field refused half-read
            Arrays.fill(names, 0, used, null);
            Arrays.fill(values, 0, used, null);
        }
    }

    /** The known spellings are shared strings (identity); any other is compared. */
    private static boolean isHost(String name) {
        return name == "host" || name == "Host" || name.length() == 4 && name.equalsIgnoreCase("host"); // identity: KnownStrings' shared strings
    }

    /** The value {@code bytes[from, to)} of a Host field: the last one's string when the bytes are the same. */
    private String hostValue(int from, int to) {
        String last = lastHost;
        int len = to - from;
        if (last != null && last.length() == len) {
            int i = 0;
            while (i < len && last.charAt(i) == (bytes[from + i] & 0xff)) {
                i++;
            }
            if (i == len) {
                return last;
            }
        }
        return lastHost = ascii(from, to);
    }

    /** Reads "HTTP/x.y" CRLF at {@code p}; true for 1.0. */
    private boolean version(int p) throws RefusedRequest {
        if (p + 10 > end || b(p) != 'H' || b(p + 1) != 'T' || b(p + 2) != 'T' || b(p + 3) != 'P' || b(p + 4) != '/'
                || !digit(b(p + 5)) || b(p + 6) != '.' || !digit(b(p + 7)) || b(p + 8) != '\r' || b(p + 9) != '\n') {
            throw RefusedRequest.bad("malformed request line (expected token SP target SP HTTP/1.1)");
        }
        if (b(p + 5) == '1' && b(p + 7) == '1') {
            return false;
        }
        if (b(p + 5) == '1' && b(p + 7) == '0') {
            return true;
        }
        throw new RefusedRequest(505, "HTTP version not supported");
    }

    private static RequestHead semantics(String method, String target, boolean http10, String[] names, String[] values, int n)
            throws RefusedRequest {
        String host = null;
        String contentLength = null;
        String transferEncoding = null;
        boolean expectContinue = false;
        for (int i = 0; i < n; i++) {
            String name = names[i];
            switch (name.length()) {
                case 4 -> {
                    if (name.equalsIgnoreCase("host")) {
                        if (host != null) {
                            throw RefusedRequest.bad("more than one Host header");
                        }
                        host = values[i];
                    }
                }
                case 14 -> {
                    if (name.equalsIgnoreCase("content_length")) {
                        throw RefusedRequest.bad("Content_Length (with '_') could be read as Content-Length upstream");
                    }
                    if (name.equalsIgnoreCase("content-length")) {
                        if (contentLength != null) {
                            throw RefusedRequest.bad("more than one Content-Length header");
                        }
                        contentLength = values[i];
                    }
                }
                case 17 -> {
                    if (name.equalsIgnoreCase("transfer_encoding")) {
                        throw RefusedRequest.bad("Transfer_Encoding (with '_') could be read as Transfer-Encoding upstream");
                    }
                    if (name.equalsIgnoreCase("transfer-encoding")) {
                        if (transferEncoding != null) {
                            throw RefusedRequest.bad("more than one Transfer-Encoding header");
                        }
                        transferEncoding = values[i];
                    } else if (name.equalsIgnoreCase("sec-websocket-key")) {
                        single(names, i, n, "Sec-WebSocket-Key");
                    }
                }
                case 6 -> {
                    if (name.equalsIgnoreCase("expect")) {
                        if (!values[i].equalsIgnoreCase("100-continue")) {
                            throw new RefusedRequest(417, "only Expect: 100-continue is supported");
                        }
                        expectContinue = !http10;
                    }
                }
                case 21 -> {
                    if (name.equalsIgnoreCase("sec-websocket-version")) {
                        single(names, i, n, "Sec-WebSocket-Version");
                    }
                }
                case 7 -> {
                    if (name.equalsIgnoreCase("upgrade")) {
                        single(names, i, n, "Upgrade");
                    }
                }
                default -> {
                }
            }
        }
        Framing framing = Framing.NONE;
        if (transferEncoding != null) {
            if (contentLength != null) {
                throw RefusedRequest.bad("both Content-Length and Transfer-Encoding");
            }
            if (http10) {
                throw RefusedRequest.bad("Transfer-Encoding in an HTTP/1.0 request");
            }
            if (!transferEncoding.equalsIgnoreCase("chunked")) {
                throw RefusedRequest.bad("unsupported Transfer-Encoding (only a single 'chunked' is accepted)");
            }
            framing = Framing.CHUNKED;
        } else if (contentLength != null) {
            framing = Framing.length(contentLength(contentLength));
        }

        String path;
        String query = null;
        String authority = host;
        String rest;
        if (target.charAt(0) == '/') {
            rest = target;
        } else {
            int schemeEnd = target.regionMatches(true, 0, "http://", 0, 7) ? 7 : target.regionMatches(true, 0, "https://", 0, 8) ? 8 : -1;
            if (schemeEnd < 0) {
                throw RefusedRequest.bad("request target is neither origin-form nor an http(s) absolute-form");
            }
            int slash = schemeEnd;
            while (slash < target.length() && target.charAt(slash) != '/' && target.charAt(slash) != '?') {
                slash++;
            }
            String targetAuthority = target.substring(schemeEnd, slash);
            if (host != null && !host.equalsIgnoreCase(targetAuthority)) {
                throw RefusedRequest.bad("absolute-form target and Host name different authorities");
            }
            authority = targetAuthority; // RFC 9112 §3.2.2: the target's authority is the one that counts
            rest = slash == target.length() ? "/" : target.charAt(slash) == '?' ? "/" + target.substring(slash) : target.substring(slash);
        }
        if (authority == null) {
            if (!http10) {
                throw RefusedRequest.bad("HTTP/1.1 request without Host");
            }
        } else {
            checkAuthority(authority);
        }
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            checkQuery(query);
            path = PathNormalizer.normalize(rest.substring(0, q));
        } else {
            path = PathNormalizer.normalize(rest);
        }
        return new RequestHead(method, path, query, authority, http10, names, values, n, framing, expectContinue);
    }

    private static void single(String[] names, int i, int n, String what) throws RefusedRequest {
        for (int j = i + 1; j < n; j++) {
            if (names[j].equalsIgnoreCase(names[i])) {
                throw RefusedRequest.bad("more than one " + what + " header");
            }
        }
    }

    private static long contentLength(String v) throws RefusedRequest {
        if (v.isEmpty() || v.length() > 18) {
            throw RefusedRequest.bad("invalid Content-Length");
        }
        long len = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (!digit(c)) {
                throw RefusedRequest.bad("invalid Content-Length");
            }
            len = len * 10 + (c - '0');
        }
        return len;
    }

    /** {@code host [":" port]}: a DNS name or address, or a bracketed IPv6 literal; port 1–65535. */
    static void checkAuthority(String a) throws RefusedRequest {
        int i = 0;
        int len = a.length();
        if (len == 0 || len > 261) {
            throw RefusedRequest.bad(len == 0 ? "empty Host" : "Host too long");
        }
        if (a.charAt(0) == '[') {
            int close = a.indexOf(']');
            if (close < 3) {
                throw RefusedRequest.bad("malformed IPv6 Host");
            }
            for (int j = 1; j < close; j++) {
                char c = a.charAt(j);
                if (!(HttpChars.hex(c) >= 0 || c == ':' || c == '.')) {
                    throw RefusedRequest.bad("malformed IPv6 Host");
                }
            }
            i = close + 1;
        } else {
            while (i < len && a.charAt(i) != ':') {
                char c = a.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || digit(c) || c == '-' || c == '.' || c == '_')) {
                    throw RefusedRequest.bad("malformed Host (only a name or address and a port)");
                }
                i++;
            }
            if (i == 0) {
                throw RefusedRequest.bad("empty Host name");
            }
        }
        if (i == len) {
            return;
        }
        if (a.charAt(i) != ':' || len - i - 1 < 1 || len - i - 1 > 5) {
            throw RefusedRequest.bad("malformed Host port");
        }
        int port = 0;
        for (int j = i + 1; j < len; j++) {
            char c = a.charAt(j);
            if (!digit(c)) {
                throw RefusedRequest.bad("malformed Host port");
            }
            port = port * 10 + (c - '0');
        }
        if (port < 1 || port > 65535) {
            throw RefusedRequest.bad("Host port out of range");
        }
    }

    /** A query may hold any visible ASCII but '#'; every '%' must start a valid escape. */
    private static void checkQuery(String q) throws RefusedRequest {
        for (int i = 0; i < q.length(); i++) {
            char c = q.charAt(i);
            if (c == '#') {
                throw RefusedRequest.bad("fragment in request target");
            }
            if (c == '%' && (i + 2 >= q.length() || HttpChars.hex(q.charAt(i + 1)) < 0 || HttpChars.hex(q.charAt(i + 2)) < 0)) {
                throw RefusedRequest.bad("malformed percent-encoding in query");
            }
        }
    }

    private int b(int i) {
        return i < end ? bytes[i] & 0xff : -1;
    }

    private String ascii(int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1); // checked to be ASCII already
    }

    private static boolean digit(int c) {
        return c >= '0' && c <= '9';
    }
}
