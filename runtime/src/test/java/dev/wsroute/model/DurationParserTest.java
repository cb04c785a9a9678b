package dev.wsroute.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationParserTest {

    @ParameterizedTest
    @CsvSource({
            "10s, PT10S",
            "500ms, PT0.5S",
            "1ms, PT0.001S", // ms is milliseconds, not minutes followed by seconds
            "1m, PT1M",
            "1h, PT1H",
            "1h30m, PT1H30M",
            "2h15m30s250ms, PT2H15M30.25S",
            "90s, PT1M30S",
            "0s, PT0S",
    })
    void parsesKubernetesStyleDurations(String text, Duration expected) {
        assertThat(DurationParser.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10", "s", "1d", "-1s", "1.5s", "10 s", " 10s", "10S", "1h 30m", "PT10S", "10sec"})
    void rejectsWhatIsNotADuration(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> DurationParser.parse(text))
                .withMessageContaining("'" + text + "' is not a duration");
    }

    @Test
    void rejectsNull() {
        assertThatIllegalArgumentException().isThrownBy(() -> DurationParser.parse(null))
                .withMessageContaining("is not a duration");
    }

    @ParameterizedTest
    @ValueSource(strings = {"9000000000000000000h", "99999999999999999999s", "9223372036854775807s9223372036854775807s"})
    void rejectsOverflowAsNotADurationInsteadOfThrowingSomethingElse(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> DurationParser.parse(text))
                .withMessageContaining("'" + text + "'");
    }
}
