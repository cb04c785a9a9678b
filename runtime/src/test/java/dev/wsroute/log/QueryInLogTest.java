package dev.wsroute.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A query as a log line shows it: names kept, values never; any query, well-formed or not, without an exception. */
class QueryInLogTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "token=secret123&room=a             | ?token=<redacted>&room=<redacted>",
            "X-Amz-Signature=abc;X-Amz-Date=1   | ?X-Amz-Signature=<redacted>;X-Amz-Date=<redacted>",
            "&&=x                               | ?&&=<redacted>",
            "a                                  | ?a",
            "''                                 | ?",
            "=                                  | ?=<redacted>",
            "a=1=2&&b=                          | ?a=<redacted>&&b=<redacted>",
            "%zz=%zz                            | ?%zz=<redacted>",
            "eyJhbGciOiJIUzI1NiJ9eyJzdWIiOiIxMjM0NTY3ODkwIn0=x | ?<redacted>=<redacted>",
            "eyJhbGciOiJIUzI1NiJ9eyJzdWIiOiIxMjM0NTY3ODkwIn0   | ?<redacted>",
            "a&                                 | ?a&",
    })
    void redactedKeepsNamesAndSeparatorsAndNoValue(String query, String shown) {
        assertThat(show(QueryInLog.REDACTED, query)).isEqualTo(shown);
    }

    @org.junit.jupiter.api.Test
    void aVeryLongQueryIsShownWithoutItsValues() {
        String q = ("k=" + "v".repeat(1000) + "&").repeat(100);
        assertThat(show(QueryInLog.REDACTED, q)).isEqualTo("?" + "k=<redacted>&".repeat(100)).doesNotContain("v");
    }

    @org.junit.jupiter.api.Test
    void fullShowsTheQueryNoneNothingAndNoQueryIsNothing() {
        assertThat(show(QueryInLog.FULL, "token=secret123")).isEqualTo("?token=secret123");
        assertThat(show(QueryInLog.NONE, "token=secret123")).isEmpty();
        assertThat(show(QueryInLog.REDACTED, null)).isEmpty();
        assertThat(show(QueryInLog.FULL, null)).isEmpty();
        assertThat(QueryInLog.parse(" Full ")).contains(QueryInLog.FULL);
        assertThat(QueryInLog.parse("all")).isEmpty();
    }

    private static String show(QueryInLog q, String query) {
        StringBuilder sb = new StringBuilder();
        q.appendTo(sb, query);
        return sb.toString();
    }
}
