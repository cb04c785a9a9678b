package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * max-connections against the open-files limit: two descriptors per proxied WebSocket, plus what is open, the idle
 * upstream connections the pool may keep and a spare.
 */
class FileDescriptorBudgetTest {
    /** What the defaults keep: the spare, and 256 idle upstream connections. */
    private static final long KEPT = FileDescriptorBudget.kept(256);

    @Test
    void aConfiguredLimitThatFitsIsKept() {
        assertThat(FileDescriptorBudget.effectiveMaxConnections(20_000, 60, KEPT, 9000)).isEqualTo(9000);
        assertThat(FileDescriptorBudget.effectiveMaxConnections(1024, 60, KEPT, 50)).isEqualTo(50);
    }

    @Test
    void aConfiguredLimitThatDoesNotFitIsLoweredToWhatFits() {
        // (1024 - 60 open - 256 spare - 256 idle upstream connections) / 2
        assertThat(FileDescriptorBudget.effectiveMaxConnections(1024, 60, KEPT, 9000)).isEqualTo(226);
        assertThat(FileDescriptorBudget.effectiveMaxConnections(20_000, 2_000, KEPT, 9000)).isEqualTo(8744);
        assertThat(FileDescriptorBudget.effectiveMaxConnections(1024, 60, FileDescriptorBudget.kept(0), 9000))
                .as("no idle upstream connections kept: only the spare").isEqualTo(354);
    }

    @Test
    void aLoweredLimitSaysWhyAndWhatToRaiseForTheStatusPage() {
        ConnectionLimit lowered = new ConnectionLimit(FileDescriptorBudget.effectiveMaxConnections(1024, 60, KEPT, 9000), 9000, 1024, 60,
                KEPT);
        assertThat(lowered.effective()).isEqualTo(226);
        assertThat(lowered.reason()).contains("wsroute.limits.max-connections=9000", "open-files limit of 1024", "60 open at start",
                "at least " + (2 * 9000 + 60 + 512));
        assertThat(new ConnectionLimit(50, 50, 1024, 60, KEPT).reason()).as("the configured one in force").isNull();
    }

    @Test
    void neverBelowOneAndAnUnknownLimitKeepsTheConfiguredOne() {
        assertThat(FileDescriptorBudget.effectiveMaxConnections(512, 100, KEPT, 9000)).isEqualTo(1);
        assertThat(FileDescriptorBudget.effectiveMaxConnections(-1, 0, KEPT, 9000)).isEqualTo(9000);
        assertThat(FileDescriptorBudget.effectiveMaxConnections(Long.MAX_VALUE, 50, KEPT, 9000)).isEqualTo(9000);
    }
}
