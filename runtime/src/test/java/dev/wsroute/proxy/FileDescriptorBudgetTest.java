package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** max-connections against the open-files limit: two descriptors per proxied WebSocket, plus what is open and a spare. */
class FileDescriptorBudgetTest {
    @Test
    void aConfiguredLimitThatFitsIsKept() {
        assertThat(FileDescriptorBudget.effectiveMaxConnections(20_000, 60, 9000)).isEqualTo(9000);
        assertThat(FileDescriptorBudget.effectiveMaxConnections(1024, 60, 50)).isEqualTo(50);
    }

    @Test
    void aConfiguredLimitThatDoesNotFitIsLoweredToWhatFits() {
        // (1024 - 60 open - 256 spare) / 2
        assertThat(FileDescriptorBudget.effectiveMaxConnections(1024, 60, 9000)).isEqualTo(354);
        assertThat(FileDescriptorBudget.effectiveMaxConnections(512, 47, 9000)).isEqualTo(104);
        assertThat(FileDescriptorBudget.effectiveMaxConnections(20_000, 2_000, 9000)).isEqualTo(8872);
    }

    @Test
    void aLoweredLimitSaysWhyAndWhatToRaiseForTheStatusPage() {
        ConnectionLimit lowered = new ConnectionLimit(FileDescriptorBudget.effectiveMaxConnections(1024, 60, 9000), 9000, 1024, 60);
        assertThat(lowered.effective()).isEqualTo(354);
        assertThat(lowered.reason()).contains("wsroute.limits.max-connections=9000", "open-files limit of 1024", "60 open at start",
                "at least " + (2 * 9000 + 60 + 256));
        assertThat(new ConnectionLimit(50, 50, 1024, 60).reason()).as("the configured one in force").isNull();
    }

    @Test
    void neverBelowOneAndAnUnknownLimitKeepsTheConfiguredOne() {
        assertThat(FileDescriptorBudget.effectiveMaxConnections(256, 100, 9000)).isEqualTo(1);
        assertThat(FileDescriptorBudget.effectiveMaxConnections(-1, 0, 9000)).isEqualTo(9000);
        assertThat(FileDescriptorBudget.effectiveMaxConnections(Long.MAX_VALUE, 50, 9000)).isEqualTo(9000);
    }
}
