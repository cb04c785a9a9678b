package dev.wsroute.proxy;

import java.time.Instant;
import java.util.function.Function;
import java.util.logging.Formatter;

import org.jboss.logmanager.ExtLogRecord;

/**
 * What a console formatter puts around an access-log line, so that it need not run once per line: the formatter
 * formats one record whose message is a marker once per millisecond, and a line is the text before the marker, the
 * line, and the text after it. Used only where that gives exactly what the formatter would give: once per formatter it
 * is checked that the formatter puts the message in verbatim and once (no padding, truncation or escaping of the
 * characters a line may then hold), and that nothing else differs between records of one millisecond (no sequence
 * number, no finer time). Otherwise, and for lines with other characters, each line is formatted as a record. Used by
 * the access log's writer thread only.
 */
final class AccessLogTemplate {
    /** Printable ASCII but the two characters JSON escapes: what a line may hold to be put in verbatim. */
    private static final String VERBATIM;
    /** The longest line put in verbatim: the check's long marker is as long, so no truncation below it goes unseen. */
    static final int MAX_LINE = 2048;
    private static final String SHORT_MARK = "wsroute-access-log-marker";
    private static final String LONG_MARK;

    static {
        StringBuilder sb = new StringBuilder();
        for (char c = 0x20; c < 0x7f; c++) {
            if (c != '"' && c != '\\') {
                sb.append(c);
            }
        }
        VERBATIM = sb.toString();
        LONG_MARK = (SHORT_MARK + VERBATIM).repeat(MAX_LINE / (SHORT_MARK.length() + VERBATIM.length()) + 1).substring(0, MAX_LINE);
    }

    private final Function<String, ExtLogRecord> records;
    private Formatter formatter; // the one the template is for
    private boolean usable; // the formatter passed the check
    private long millis = Long.MIN_VALUE;
    private String before;
    private String after;

    /** @param records a record of the access log's category with the given message, made now */
    AccessLogTemplate(Function<String, ExtLogRecord> records) {
        this.records = records;
    }

    /**
     * Appends what {@code formatter} puts before a line formatted now; returns false, appending nothing, when lines
     * must be formatted as records. The line then goes right after it, and {@link #end} finishes it.
     */
    boolean begin(Formatter formatter, StringBuilder out) {
        if (formatter != this.formatter) {
            this.formatter = formatter;
            this.usable = check(formatter);
            this.millis = Long.MIN_VALUE;
        }
        if (!usable) {
            return false;
        }
        long now = System.currentTimeMillis();
        if (now != millis && !split(formatter.format(record(SHORT_MARK, Instant.ofEpochMilli(now))), SHORT_MARK)) {
            usable = false; // it passed the check and now doesn't: format records from here on
            return false;
        }
        millis = now;
        out.append(before);
        return true;
    }

    /** The time, to the millisecond, of what the last {@link #begin} that returned true framed. */
    long millis() {
        return millis;
    }

    /**
     * After {@link #begin} and the line (from {@code lineStart} of {@code out}): appends what goes after it and returns
     * true if the formatter would put the line in verbatim; false, appending nothing, when it must format it as a record.
     */
    boolean end(StringBuilder out, int lineStart) {
        if (!verbatim(out, lineStart)) {
            return false;
        }
        out.append(after);
        return true;
    }

    /** Whether the formatter gives the same text around a short and a long marker, at the start and end of a millisecond. */
    private boolean check(Formatter f) {
        try {
            Instant start = Instant.ofEpochMilli(System.currentTimeMillis());
            if (!split(f.format(record(LONG_MARK, start.plusNanos(999_000))), LONG_MARK)) {
                return false;
            }
            String b = before;
            String a = after;
            return split(f.format(record(SHORT_MARK, start)), SHORT_MARK) && before.equals(b) && after.equals(a);
        } catch (RuntimeException e) {
            return false; // a formatter that fails here fails per record too, where its handler reports it
        }
    }

    /** Splits formatted text around the one occurrence of {@code mark}; false when it does not occur exactly once. */
    private boolean split(String text, String mark) {
        int at = text.indexOf(mark);
        if (at < 0 || text.indexOf(mark, at + 1) >= 0) {
            return false;
        }
        before = text.substring(0, at);
        after = text.substring(at + mark.length());
        return true;
    }

    private ExtLogRecord record(String message, Instant at) {
        ExtLogRecord r = records.apply(message);
        r.setInstant(at);
        return r;
    }

    private static boolean verbatim(CharSequence text, int from) {
        int n = text.length();
        if (n - from > MAX_LINE) {
            return false;
        }
        for (int i = from; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }
}
