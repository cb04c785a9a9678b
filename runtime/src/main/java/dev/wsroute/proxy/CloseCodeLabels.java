package dev.wsroute.proxy;

import java.util.HashSet;
import java.util.Set;

/**
 * The {@code code} label of one route's {@code wsroute_websocket_closes_total}, bounded: a peer chooses its close code
 * and must not be able to add a metric series for every code it invents. The codes RFC 6455 defines (1000–1015) are
 * counted as they are; application codes (3000–4999) as they are for the first {@value #APPLICATION_CODES} the route
 * sees, as {@code other} after that; any other value, which no endpoint may send, as {@code invalid}. The access log
 * keeps the exact code.
 */
final class CloseCodeLabels {
    static final int APPLICATION_CODES = 64;
    /** What codes are counted as when they have no label of their own: above any close code (0–65535). */
    static final int INVALID = 0x10000;
    static final int OTHER = 0x10001;

    /** Application codes counted as themselves; guarded by this. */
    private final Set<Integer> applicationCodes = new HashSet<>();

    /** The code a close is counted under: the code itself, {@link #OTHER} or {@link #INVALID}. */
    synchronized int countedAs(int code) {
        if (code >= 1000 && code <= 1015) {
            return code;
        }
        if (code < 3000 || code > 4999) {
            return INVALID;
        }
        if (applicationCodes.contains(code) || applicationCodes.size() < APPLICATION_CODES) {
            applicationCodes.add(code);
            return code;
        }
        return OTHER;
    }

    static String label(int countedAs) {
        return countedAs == INVALID ? "invalid" : countedAs == OTHER ? "other" : Integer.toString(countedAs);
    }
}
