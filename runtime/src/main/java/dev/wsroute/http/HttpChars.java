package dev.wsroute.http;

/**
 * Character classes of RFC 9110 §5.6 and RFC 3986 §2, as lookup tables: one place that says which bytes may
 * appear where, for the request-head parser and for the validation of what route authors write.
 */
public final class HttpChars {
    private static final boolean[] TCHAR = new boolean[256];
    private static final boolean[] PCHAR = new boolean[256];
    private static final boolean[] UNRESERVED = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = PCHAR[c] = UNRESERVED[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = PCHAR[c] = UNRESERVED[c] = true;
            TCHAR[c - 32] = PCHAR[c - 32] = UNRESERVED[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (char c : "-._~".toCharArray()) {
            UNRESERVED[c] = true;
        }
        for (char c : "-._~!$&'()*+,;=:@".toCharArray()) { // pchar without pct-encoded, which the parser handles
            PCHAR[c] = true;
        }
    }

    private HttpChars() {
    }

    /** A token character (RFC 9110 §5.6.2): method, header name, transfer coding. */
    public static boolean tchar(int b) {
        return b >= 0 && b < 256 && TCHAR[b];
    }

    /** A path character other than '%' and '/' (RFC 3986 §3.3). */
    public static boolean pchar(int b) {
        return b >= 0 && b < 256 && PCHAR[b];
    }

    /** An unreserved character (RFC 3986 §2.3): its percent-encoding means the same as the character itself. */
    public static boolean unreserved(int b) {
        return b >= 0 && b < 256 && UNRESERVED[b];
    }

    /** A byte of a field value on the wire (RFC 9110 §5.5): HTAB, SP, VCHAR and obs-text; never CR, LF, NUL or DEL. */
    public static boolean fieldValueByte(int b) {
        return b == '\t' || (b >= 0x20 && b != 0x7f && b < 256);
    }

    public static boolean isToken(CharSequence s) {
        if (s == null || s.length() == 0) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!tchar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * A header value a route author may configure: HTAB, SP and visible ASCII, plus printable Latin-1. Controls of
     * every kind are refused, C1 (U+0085 NEL among them) and U+2028/U+2029 included, as is anything a header
     * cannot carry as one byte per character.
     */
    public static boolean isSafeFieldValue(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c == '\t' || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff))) {
                return false;
            }
        }
        return true;
    }

    /**
     * An absolute path as it may go upstream (RFC 3986 {@code path-absolute} with valid percent-encodings):
     * starts with '/', holds no control character, space, '?' or '#', and no "." or ".." segment.
     */
    public static boolean isAbsolutePath(CharSequence s) {
        if (s == null || s.length() == 0 || s.charAt(0) != '/') {
            return false;
        }
        int segmentStart = 1;
        for (int i = 1; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '/') {
                int len = i - segmentStart;
                if ((len == 1 && s.charAt(segmentStart) == '.') || (len == 2 && s.charAt(segmentStart) == '.' && s.charAt(segmentStart + 1) == '.')) {
                    return false;
                }
                segmentStart = i + 1;
                continue;
            }
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length() || hex(s.charAt(i + 1)) < 0 || hex(s.charAt(i + 2)) < 0) {
                    return false;
                }
                i += 2;
            } else if (!pchar(c)) {
                return false;
            }
        }
        return true;
    }

    /** Content-Length, Transfer-Encoding and Host: headers that a Connection header may name but never remove. */
    public static boolean isEndToEndFraming(String name) {
        return name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding") || name.equalsIgnoreCase("host");
    }

    /**
     * A {@code Sec-WebSocket-Key}: 16 bytes in canonical base64 (RFC 6455 §4.1), i.e. exactly 22 base64 characters,
     * the last carrying no stray bits, and {@code ==}. Unpadded or otherwise lenient spellings are refused.
     */
    public static boolean isWebSocketKey(String key) {
        if (key == null || key.length() != 24 || key.charAt(22) != '=' || key.charAt(23) != '=') {
            return false;
        }
        for (int i = 0; i < 22; i++) {
            char c = key.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/')) {
                return false;
            }
        }
        return "AQgw".indexOf(key.charAt(21)) >= 0;
    }

    /** The value of a hex digit, or -1. */
    public static int hex(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
