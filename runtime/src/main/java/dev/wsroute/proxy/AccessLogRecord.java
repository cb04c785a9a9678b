package dev.wsroute.proxy;

import java.time.Instant;
import java.util.logging.Level;

import org.jboss.logmanager.ExtLogRecord;

/**
 * The one record the access log's writer shows the console handler's level and filter for each batched line, its
 * message read from the batch only if someone asks for it. A new record per line cost more than the line itself: a
 * record takes the thread's name, the NDC, the host and process names and the process id through a privileged action,
 * a global sequence number and a clock read, and the message was a String of its own. What the handler and its filter
 * see per line is as before: the level INFO, the line's text, the time to the millisecond; the sequence number is the
 * record's (a formatter that prints it is not batched, see {@link AccessLogTemplate}). Used by the writer thread only.
 */
final class AccessLogRecord extends ExtLogRecord {
    private CharSequence text;
    private int from;
    private int to;
    /** The line's text is still only in {@link #text}: no String yet. */
    private boolean unread;
    private long millis = Long.MIN_VALUE;

    private final String loggerName;

    AccessLogRecord(String loggerName) {
        super(Level.INFO, null, FormatStyle.NO_FORMAT, AccessLogOutput.class.getName());
        this.loggerName = loggerName;
    }

    /**
     * Makes this the record of the line {@code text[from, to)} at {@code millis}. A filter may have changed the last
     * line's record: what it may set is set again.
     */
    void line(CharSequence text, int from, int to, long millis) {
        this.text = text;
        this.from = from;
        this.to = to;
        this.unread = true;
        setLevel(Level.INFO);
        setLoggerName(loggerName);
        setParameters(null);
        setThrown(null);
        if (millis != this.millis) {
            this.millis = millis;
            setInstant(Instant.ofEpochMilli(millis));
        }
    }

    @Override
    public String getMessage() {
        if (unread) {
            unread = false;
            super.setMessage(text.subSequence(from, to).toString(), FormatStyle.NO_FORMAT);
        }
        return super.getMessage();
    }

    @Override
    public void setMessage(String message, FormatStyle formatStyle) {
        unread = false; // a filter's own message wins
        super.setMessage(message, formatStyle);
    }
}
