package dev.wsroute.http;

/**
 * Normalises the path of a request target before anything routes on it, so that the rule that matches is the
 * rule for the path the upstream will resolve (RFC 3986 §6.2.2):
 * <ul>
 * <li>percent-encoded unreserved characters are decoded ({@code %7E} → {@code ~}, {@code %2e} → {@code .}), other
 * escapes are kept with upper-case hex;</li>
 * <li>{@code %00}, a malformed escape ({@code %zz}, {@code %4}), an encoded {@code /} or {@code \} ({@code %2F},
 * {@code %5C}: Envoy's {@code REJECT_REQUEST}), and escapes that are not valid UTF-8 (overlong {@code %C0%AE},
 * surrogates) are refused;</li>
 * <li>characters that RFC 3986 does not allow in a path (space, controls, {@code \}, {@code "}, …) are refused;</li>
 * <li>runs of {@code /} are merged into one, then dot segments are removed (§5.2.4); a dot segment with path
 * parameters ({@code ..;}, {@code .;x}) is refused.</li>
 * </ul>
 * The same normalised path is matched and forwarded.
 */
public final class PathNormalizer {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PathNormalizer() {
    }

    /** @param raw the path part of an origin-form or absolute-form target, starting with '/' */
    public static String normalize(CharSequence raw) throws RefusedRequest {
        if (raw.length() == 0 || raw.charAt(0) != '/') {
            throw RefusedRequest.bad("path must start with '/'");
        }
        if (isNormal(raw)) {
            return raw.toString();
        }
        StringBuilder decoded = new StringBuilder(raw.length());
        Utf8 utf8 = new Utf8();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? HttpChars.hex(raw.charAt(i + 1)) : -1;
                int lo = hi >= 0 ? HttpChars.hex(raw.charAt(i + 2)) : -1;
                if (lo < 0) {
                    throw RefusedRequest.bad("malformed percent-encoding in path");
                }
                int b = hi << 4 | lo;
                i += 2;
                if (b == 0) {
                    throw RefusedRequest.bad("%00 in path");
                }
                if (b == '/' || b == '\\') {
                    throw RefusedRequest.bad("encoded '/' or '\\' in path");
                }
                utf8.accept(b);
                if (HttpChars.unreserved(b)) {
                    decoded.append((char) b);
                } else {
                    decoded.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
                }
            } else if (c == '/' || HttpChars.pchar(c)) {
                utf8.accept(c);
                decoded.append(c);
            } else {
                throw RefusedRequest.bad("character not allowed in path");
            }
        }
        utf8.end();
        return removeDotSegments(decoded);
    }

    /** The common case, checked without allocating: only path characters, no '%', no "//" and no dot segment. */
    private static boolean isNormal(CharSequence p) {
        char prev = 0;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '/') {
                if (prev == '/') {
                    return false;
                }
            } else if (c == '.') {
                if (prev == '/') {
                    return false; // a segment starting with '.': let the slow path look
                }
            } else if (!HttpChars.pchar(c)) {
                return false;
            }
            prev = c;
        }
        return true;
    }

    /**
     * Merges "//" and resolves "." and ".." segments; never climbs above the root. A dot segment with path parameters
     * ("..;x", ".;") is refused: RFC 3986 sees a name there, Tomcat, Spring and older Jetty drop the parameters and climb,
     * so the path routed would not be the path served (Jetty 10 refuses it as an ambiguous segment).
     */
    static String removeDotSegments(CharSequence path) throws RefusedRequest {
        int n = path.length();
        StringBuilder out = new StringBuilder(n);
        int[] starts = new int[n / 2 + 2]; // start of each output segment in out, for ".."
        int depth = 0;
        boolean trailingSlash = false;
        int i = 1;
        while (i <= n) {
            int end = i;
            while (end < n && path.charAt(end) != '/') {
                end++;
            }
            int len = end - i;
            boolean last = end >= n;
            if (len > 1 && path.charAt(i) == '.') {
                int dots = path.charAt(i + 1) == '.' ? 2 : 1;
                if (len > dots && path.charAt(i + dots) == ';') {
                    throw RefusedRequest.bad("dot segment with parameters ('..;' or '.;') in path");
                }
            }
            if (len == 0) {
                trailingSlash = last && depth > 0; // "//" merged; a final "/" kept
            } else if (len == 1 && path.charAt(i) == '.') {
                trailingSlash = last;
            } else if (len == 2 && path.charAt(i) == '.' && path.charAt(i + 1) == '.') {
                if (depth > 0) {
                    out.setLength(starts[--depth]);
                }
                trailingSlash = last;
            } else {
                starts[depth++] = out.length();
                out.append('/').append(path, i, end);
                trailingSlash = false;
            }
            i = end + 1;
        }
        if (out.length() == 0 || trailingSlash) {
            out.append('/');
        }
        return out.toString();
    }

    /** Checks that the decoded bytes of a path are well-formed UTF-8 (RFC 3629: no overlongs, no surrogates). */
    private static final class Utf8 {
        private int needed;
        private int min = 0x80;
        private int max = 0xBF;

        void accept(int b) throws RefusedRequest {
            if (needed == 0) {
                if (b < 0x80) {
                    return;
                }
                if (b >= 0xC2 && b <= 0xDF) {
                    needed = 1;
                } else if (b >= 0xE0 && b <= 0xEF) {
                    needed = 2;
                    min = b == 0xE0 ? 0xA0 : 0x80;
                    max = b == 0xED ? 0x9F : 0xBF;
                    return;
                } else if (b >= 0xF0 && b <= 0xF4) {
                    needed = 3;
                    min = b == 0xF0 ? 0x90 : 0x80;
                    max = b == 0xF4 ? 0x8F : 0xBF;
                    return;
                } else {
                    throw invalid();
                }
                min = 0x80;
                max = 0xBF;
                return;
            }
            if (b < min || b > max) {
                throw invalid();
            }
            needed--;
            min = 0x80;
            max = 0xBF;
        }

        void end() throws RefusedRequest {
            if (needed != 0) {
                throw invalid();
            }
        }

        private static RefusedRequest invalid() {
            return RefusedRequest.bad("percent-encoded path is not valid UTF-8 (overlong or truncated sequence)");
        }
    }
}
