package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.logging.Handler;

import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.ConsoleHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A batch's bytes on the console are exactly the UTF-8 of its formatted lines, whatever the characters: multi-byte
 * ones, a surrogate pair where the encoder's window ends, batches whose UTF-8 outgrows the reused byte buffer.
 */
class AccessLogOutputTest {
    private static final String PREFIX = "INFO  [wsroute.access] ";

    private final org.jboss.logmanager.Logger root = LogContext.getLogContext().getLogger("");
    private Handler[] rootHandlers;

    @BeforeEach
    void consoleOnly() {
        rootHandlers = root.getHandlers();
        root.setHandlers(new Handler[] { new ConsoleHandler(new PatternFormatter("%-5p [%c] %s%n")) });
    }

    @AfterEach
    void restore() {
        root.setHandlers(rootHandlers);
    }

    @Test
    void theConsoleGetsTheUtf8OfEveryLineAsFormatted() {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        AccessLogOutput output = new AccessLogOutput(new PrintStream(console, false, StandardCharsets.UTF_8));
        StringBuilder expected = new StringBuilder();
        output.startBatch();

        // the first window of the encoder is 4,096 characters: this line's emoji (a surrogate pair) straddles its end
        String straddling = "a".repeat(4096 - PREFIX.length() - 1) + "\uD83D\uDE00 ok";
        line(output, straddling, expected);
        line(output, "GET /caf\u00e9/\u65e5\u672c uri=\"quoted\" \\ back", expected);
        for (int i = 0; i < 40; i++) { // 80,000 euro signs, 3 bytes each: more bytes per batch than the buffer holds
            line(output, i + " " + "\u20ac".repeat(2000), expected);
        }
        line(output, "last", expected);
        output.flush();

        assertThat(console.toString(StandardCharsets.UTF_8)).isEqualTo(expected.toString());
        assertThat(console.toByteArray()).isEqualTo(expected.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * With Quarkus's console set-up (its default pattern, a filter that looks at the level and category as its log
     * clean-up filter does), a batched line costs the writer no objects of its own: no log record and no String per
     * line (a record took the thread's name, the NDC, host and process names, a sequence number and a clock read), only
     * what the formatter makes once per millisecond. Before, each line made a record and a String: ~370 B per line.
     */
    @Test
    void aBatchedLineMakesNoRecordOrStringOfItsOwn() {
        ConsoleHandler console = new ConsoleHandler(new PatternFormatter("%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c{3.}] (%t) %s%e%n"));
        console.setFilter(r -> !r.getLoggerName().equals("some.noisy.category") || !r.getMessage().startsWith("noise"));
        root.setHandlers(new Handler[] { console });
        AccessLogOutput output = new AccessLogOutput(new PrintStream(OutputStream.nullOutputStream()));
        String text = "http client=127.0.0.1:40000 method=GET host=web.example.com uri=/index.html route=default/web "
                + "endpoint=127.0.0.1:7001 status=200 duration_ms=0.3";
        AccessLogOutput.Text line = sb -> sb.append(text);
        writeLines(output, line, 50_000); // the JIT settles, the buffers are made
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        writeLines(output, line, 20_000);
        long perLine = (threads.getCurrentThreadAllocatedBytes() - before) / 20_000;
        assertThat(perLine).as("bytes allocated per batched line").isLessThan(48);
    }

    private static void writeLines(AccessLogOutput output, AccessLogOutput.Text line, int n) {
        output.startBatch();
        for (int i = 0; i < n; i++) {
            output.line(line);
        }
        output.flush();
    }

    private static void line(AccessLogOutput output, String text, StringBuilder expected) {
        output.line(sb -> sb.append(text));
        expected.append(PREFIX).append(text).append(System.lineSeparator());
    }

    /**
     * The warm-up's private data plane: its writer formats every line as it would for the console (so that code gets
     * compiled) and writes none, neither to the console nor, where the category has a handler of its own, through it.
     */
    @Test
    void aDiscardingOutputWritesNothingWhereverLinesWouldGo() {
        PrintStream stdout = System.out;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        java.util.List<String> handled = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.jboss.logmanager.Logger category = LogContext.getLogContext().getLogger(AccessLogOutput.CATEGORY);
        Handler own = new Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                handled.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
        try {
            AccessLogOutput output = AccessLogOutput.discarding();
            writeLines(output, sb -> sb.append("to the console"), 1_000); // batched, as for the console alone
            category.addHandler(own);
            writeLines(output, sb -> sb.append("through the category"), 1_000); // through the logger, as with a handler of its own
        } finally {
            category.removeHandler(own);
            System.setOut(stdout);
        }
        assertThat(console.size()).as("console bytes").isZero();
        assertThat(handled).isEmpty();
    }
}
