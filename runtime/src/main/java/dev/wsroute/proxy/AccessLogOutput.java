package dev.wsroute.proxy;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;
import org.jboss.logmanager.handlers.ConsoleHandler;

/**
 * Where the access log's writer puts its lines: log records of the category {@code wsroute.access}, formatted by the
 * app's log configuration. In the usual case, where the console handler is the only place logs go (a container's
 * standard output), each line is formatted with the console's own formatter (pattern or JSON) and a batch is written
 * to the console's stream with one write, as nginx's {@code buffer=} does; a log handler would write and flush each
 * line on its own, a system call per line. The formatter need not run per line: {@link AccessLogTemplate} reuses what it
 * puts around a line within a millisecond (the console's level and filter still see each line's record). Where the
 * category has handlers or a filter of its own, or logs also go elsewhere (a file), each line is logged through the
 * category as any other record. The category's level applies as it is at each line. Used by the writer thread only.
 */
final class AccessLogOutput {
    static final String CATEGORY = "wsroute.access";
    /** A batch is written when it holds this many characters, or when the queue is empty. */
    private static final int BATCH_CHARS = 64 * 1024;

    private final Logger logger = LogContext.getLogContext().getLogger(CATEGORY);
    /** Kept: {@code getLogger} makes a new Logger object per call. */
    private final Logger root = LogContext.getLogContext().getLogger("");
    private final PrintStream console;
    /**
     * Lines are formatted as for the console and then dropped: a private data plane's (the warm-up's), whose lines
     * would read as the real one's, but whose writer should compile the code that formats them.
     */
    private final boolean discard;
    private final AccessLogTemplate template = new AccessLogTemplate(AccessLogOutput::record);
    /** Made by the writer with its first batched line: a record is of the thread that makes it (name, id, NDC). */
    private AccessLogRecord lineRecord;
    private StringBuilder batch; // made with the first batched line: none while the log is off
    /** As {@code String.getBytes(UTF_8)}: a lone surrogate becomes '?'. */
    private final CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer bytes; // the batch's UTF-8, reused; made with the first flush
    private CharBuffer window; // the part of the batch being encoded
    private Handler batchedConsole; // of the batch being written, or null: through the logger

    /** To the stream Quarkus's console handler writes to ({@code quarkus.log.console.stderr}). */
    static AccessLogOutput toConsole() {
        boolean stderr = ConfigProvider.getConfig().getOptionalValue("quarkus.log.console.stderr", Boolean.class).orElse(false);
        return new AccessLogOutput(stderr ? System.err : System.out);
    }

    /** @param console the console handler's stream ({@code System.out}, or {@code System.err} when logs go there) */
    AccessLogOutput(PrintStream console) {
        this(console, false);
    }

    private AccessLogOutput(PrintStream console, boolean discard) {
        this.console = console;
        this.discard = discard;
    }

    /** Formats every line as the console's would be, and writes none. */
    static AccessLogOutput discarding() {
        return new AccessLogOutput(System.out, true);
    }

    boolean enabled() {
        return logger.isLoggable(Level.INFO);
    }

    /** Looks at the log configuration as it is now: how the lines up to the next {@link #flush} are written. */
    void startBatch() {
        batchedConsole = logger.getHandlers().length == 0 && logger.getUseParentHandlers() && logger.getFilter() == null
                ? onlyConsoleHandler()
                : null;
    }

    /** A line's text, appended where it goes: straight into the batch, with no text of its own in between. */
    interface Text {
        void appendTo(StringBuilder sb);
    }

    void line(Text text) {
        if (!enabled()) {
            return; // the category was turned off since the line was queued
        }
        if (batchedConsole == null) {
            if (discard) {
                textOf(text);
            } else {
                logger.log(record(textOf(text)));
            }
            return;
        }
        if (batch == null) {
            batch = new StringBuilder(BATCH_CHARS + 1024);
        }
        int start = batch.length();
        Formatter formatter = batchedConsole.getFormatter();
        boolean framed = template.begin(formatter, batch);
        int lineStart = batch.length();
        text.appendTo(batch);
        ExtLogRecord record;
        if (framed) { // the formatter ignores what differs between records of a millisecond: one record serves
            if (lineRecord == null) {
                lineRecord = new AccessLogRecord(CATEGORY);
            }
            lineRecord.line(batch, lineStart, batch.length(), template.millis());
            record = lineRecord;
        } else {
            record = record(batch.substring(lineStart));
        }
        if (!batchedConsole.isLoggable(record)) { // its level and filter (Quarkus's log clean-up filter, say)
            batch.setLength(start);
            return;
        }
        // a filter may change the level; a line the template can't frame is formatted as a record
        if (!framed || record.getLevel() != Level.INFO || !template.end(batch, lineStart)) {
            record.getMessage(); // the text, before the batch forgets it
            batch.setLength(start);
            try {
                batch.append(formatter.format(record));
            } catch (RuntimeException e) { // as a handler does: the line is lost, the writer goes on
                batchedConsole.getErrorManager().error("access log line not formatted", e, ErrorManager.FORMAT_FAILURE);
            }
        }
        if (batch.length() >= BATCH_CHARS) {
            flush();
        }
    }

    private static String textOf(Text text) {
        StringBuilder sb = new StringBuilder(256);
        text.appendTo(sb);
        return sb.toString();
    }

    private static ExtLogRecord record(String message) {
        ExtLogRecord record = new ExtLogRecord(Level.INFO, message, ExtLogRecord.FormatStyle.NO_FORMAT, AccessLogOutput.class.getName());
        record.setLoggerName(CATEGORY);
        return record;
    }

    /**
     * Writes the batch, if any, with one write (more only if its UTF-8 outgrows the byte buffer). The characters are
     * encoded straight into a reused byte buffer through a small reused window: no String and no byte array per batch.
     */
    void flush() {
        if (batch == null || batch.length() == 0) {
            return;
        }
        if (discard) {
            batch.setLength(0);
            return;
        }
        if (bytes == null) {
            bytes = ByteBuffer.allocate(BATCH_CHARS + 16 * 1024); // ASCII lines: the batch and its last line
            window = CharBuffer.allocate(4096);
        }
        utf8.reset();
        int n = batch.length();
        for (int from = 0, to; from < n; from = to) {
            to = Math.min(n, from + window.capacity());
            if (to < n && Character.isHighSurrogate(batch.charAt(to - 1))) {
                to--; // a surrogate pair stays in one window
            }
            batch.getChars(from, to, window.array(), 0);
            window.clear().limit(to - from);
            while (utf8.encode(window, bytes, to == n).isOverflow()) {
                writeBytes();
            }
        }
        while (utf8.flush(bytes).isOverflow()) {
            writeBytes();
        }
        writeBytes();
        console.flush();
        batch.setLength(0);
    }

    private void writeBytes() {
        console.write(bytes.array(), 0, bytes.position());
        bytes.clear();
    }

    /** The console handler if it is the only handler that root records reach (behind delaying or async wrappers). */
    private Handler onlyConsoleHandler() {
        List<Handler> leaves = new ArrayList<>(2);
        for (Handler h : root.getHandlers()) {
            addLeaves(h, leaves);
        }
        return leaves.size() == 1 && leaves.get(0) instanceof ConsoleHandler console && console.isEnabled() ? console : null;
    }

    private static void addLeaves(Handler h, List<Handler> leaves) {
        Handler[] nested = h instanceof ExtHandler ext ? ext.getHandlers() : new Handler[0];
        if (nested.length == 0) {
            leaves.add(h);
        } else {
            for (Handler n : nested) {
                addLeaves(n, leaves);
            }
        }
    }
}
