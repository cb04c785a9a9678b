package dev.wsroute.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;

/**
 * The lines one logger category writes while this is open, as formatted messages (what an operator reads after the
 * log format's prefix). Close it to stop capturing.
 */
public final class LogLines implements AutoCloseable {
    private final Logger logger;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            lines.add(r instanceof ExtLogRecord e ? e.getFormattedMessage() : r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogLines(String category) {
        logger = Logger.getLogger(category);
        logger.addHandler(handler);
    }

    /** Starts capturing what {@code category} logs. */
    public static LogLines of(String category) {
        return new LogLines(category);
    }

    /** The lines so far (a live, thread-safe view). */
    public List<String> lines() {
        return lines;
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
