package dev.wsroute.model;

import java.util.List;
import com.google.re2j.Pattern;

/** What a request must look like for a rule to apply. A null path matches any path. */
public record Match(PathMatch path, List<ValueMatch> headers, List<ValueMatch> queryParams, List<String> subprotocols) {

    public static final Match ANY = new Match(null, List.of(), List.of(), List.of());

    public Match {
        headers = List.copyOf(headers);
        queryParams = List.copyOf(queryParams);
        subprotocols = List.copyOf(subprotocols);
    }

    public enum PathKind { Exact, Prefix, RegularExpression }

    /** A path match; {@code regex} (RE2 syntax, linear time) is set for RegularExpression only. */
    public record PathMatch(PathKind kind, String value, Pattern regex) {

        public boolean matches(String path) {
            return switch (kind) {
                case Exact -> path.equals(value);
                case Prefix -> prefixMatches(path);
                case RegularExpression -> regex.matcher(path).matches();
            };
        }

        /** Prefix by path segment: /echo matches /echo and /echo/x, not /echoes. A trailing '/' in the value is ignored. */
        private boolean prefixMatches(String path) {
            String prefix = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
            if (prefix.isEmpty()) {
                return true;
            }
            return path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
        }
    }

    /** A header or query parameter match; {@code regex} (RE2 syntax, linear time) is set for RegularExpression only. */
    public record ValueMatch(String name, String value, Pattern regex) {
        public boolean matches(String actual) {
            if (actual == null) {
                return false;
            }
            return regex != null ? regex.matcher(actual).matches() : value.equals(actual);
        }
    }
}
