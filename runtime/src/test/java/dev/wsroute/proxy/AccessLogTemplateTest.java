package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.junit.jupiter.api.Test;

/**
 * The access log's template gives exactly what the console's formatter gives for a line, and steps aside (the line is
 * formatted as a record) wherever it could not: padding, truncation, escaping, per-record fields, sub-millisecond time.
 */
class AccessLogTemplateTest {
    static final String LINE = "http client=127.0.0.1:40000 method=GET host=web.example.com uri=/page?a=1&b=%20 "
            + "route=default/web endpoint=10.0.0.1:8080 status=200 duration_ms=0.3";

    final AccessLogTemplate template = new AccessLogTemplate(AccessLogTemplateTest::record);

    static ExtLogRecord record(String message) {
        ExtLogRecord r = new ExtLogRecord(Level.INFO, message, ExtLogRecord.FormatStyle.NO_FORMAT, AccessLogTemplateTest.class.getName());
        r.setLoggerName(AccessLogOutput.CATEGORY);
        return r;
    }

    /** What the template puts around {@code line}, or null when it leaves the line to the formatter. */
    String templated(Formatter f, String line) {
        StringBuilder out = new StringBuilder("before|");
        if (!template.begin(f, out)) {
            assertThat(out.toString()).as("nothing appended when the formatter must format the line").isEqualTo("before|");
            return null;
        }
        int lineStart = out.length();
        out.append(line);
        if (!template.end(out, lineStart)) {
            assertThat(out.substring(lineStart)).as("nothing appended after a line the formatter must format").isEqualTo(line);
            return null;
        }
        return out.substring("before|".length());
    }

    @Test
    void quarkusDefaultConsolePatternGivesWhatTheFormatterGives() {
        PatternFormatter f = new PatternFormatter("%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c{3.}] (%t) %s%e%n");
        for (int i = 0; i < 3; i++) { // the first line makes the template, the next ones reuse it
            String line = LINE + " n=" + i;
            String expected = f.format(record(line));
            String got = templated(f, line);
            assertThat(got).isNotNull();
            // the same text but for the time, which may have moved on by a millisecond or more between the two ({@code %c{3.}}
            // abbreviates the category)
            String time = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3}";
            assertThat(got.replaceFirst(time, "T")).isEqualTo(expected.replaceFirst(time, "T"));
            assertThat(got).matches(time + " INFO  \\[wsr\\.access\\] \\(" + Thread.currentThread().getName() + "\\) "
                    + java.util.regex.Pattern.quote(line) + "\\R");
        }
    }

    @Test
    void withoutTimeTheTextIsTheFormattersToTheCharacter() {
        PatternFormatter f = new PatternFormatter("%-5p [%c] %s%n");
        assertThat(templated(f, LINE)).isEqualTo(f.format(record(LINE)));
        assertThat(templated(f, "ws " + LINE)).isEqualTo(f.format(record("ws " + LINE)));
    }

    @Test
    void paddingOrTruncationOfTheMessageIsLeftToTheFormatter() {
        assertThat(templated(new PatternFormatter("%-300s|%n"), LINE)).isNull();
        assertThat(templated(new PatternFormatter("%.40s%n"), LINE)).isNull();
        assertThat(templated(new PatternFormatter("%.1000s%n"), LINE)).as("truncation beyond the line's length").isNull();
        assertThat(templated(new PatternFormatter("%s %s%n"), LINE)).as("the message twice").isNull();
    }

    @Test
    void finerTimeThanMillisecondsIsLeftToTheFormatter() {
        assertThat(templated(new PatternFormatter("%d{HH:mm:ss.SSSSSS} %s%n"), LINE)).isNull();
    }

    @Test
    void aFieldThatDiffersPerRecordIsLeftToTheFormatter() {
        Formatter sequence = new Formatter() {
            @Override
            public String format(LogRecord r) {
                return r.getSequenceNumber() + " " + r.getMessage() + "\n";
            }
        };
        assertThat(templated(sequence, LINE)).isNull();
    }

    @Test
    void escapingFormattersGetTheLinesTheyWouldEscape() {
        Formatter json = new Formatter() { // escapes as JSON does, and has no per-record field
            @Override
            public String format(LogRecord r) {
                return "{\"level\":\"INFO\",\"message\":\"" + r.getMessage().replace("\\", "\\\\").replace("\"", "\\\"") + "\"}\n";
            }
        };
        assertThat(templated(json, LINE)).isEqualTo(json.format(record(LINE)));
        assertThat(templated(json, LINE + " reason=\"no route\"")).as("a quote").isNull();
        assertThat(templated(json, LINE + " host=caf\u00e9")).as("not ASCII").isNull();
        assertThat(templated(json, LINE + "\tx")).as("a control character").isNull();
        assertThat(templated(json, "x".repeat(AccessLogTemplate.MAX_LINE + 1))).as("longer than checked").isNull();
        Formatter xml = new Formatter() {
            @Override
            public String format(LogRecord r) {
                return "<m>" + r.getMessage().replace("&", "&amp;").replace("<", "&lt;") + "</m>\n";
            }
        };
        assertThat(templated(xml, "plain")).as("a formatter that escapes what a line may hold").isNull();
    }

    @Test
    void aNewFormatterIsCheckedAgain() {
        PatternFormatter plain = new PatternFormatter("%s%n");
        assertThat(templated(plain, LINE)).isEqualTo(LINE + System.lineSeparator());
        assertThat(templated(new PatternFormatter("%-300s%n"), LINE)).isNull();
        assertThat(templated(new PatternFormatter("> %s%n"), LINE)).isEqualTo("> " + LINE + System.lineSeparator());
    }
}
