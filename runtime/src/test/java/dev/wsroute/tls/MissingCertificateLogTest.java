package dev.wsroute.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.LogLines;
import io.netty.util.concurrent.ImmediateEventExecutor;

/** A handshake that has no certificate to offer is logged with what to do about it, but not once per handshake. */
class MissingCertificateLogTest {
    private LogLines log;
    private List<String> lines;

    @BeforeEach
    void capture() {
        log = LogLines.of(MissingCertificateLog.class.getName());
        lines = log.lines();
    }

    @AfterEach
    void release() {
        log.close();
    }

    /**
     * A scanner sends a new SNI with every ClientHello: 2,000 of them must not write 2,000 (nor 1,024) WARN lines. The
     * mapping every connection gets shares one throttle, which another test may have used already: at most one line.
     */
    @Test
    void aScanOfNewNamesWritesAtMostOneLine() {
        for (int i = 0; i < 2_000; i++) {
            SniMapping perConnection = new SniMapping(() -> ServerCertificates.NONE);
            assertThat(perConnection.map("h" + i + ".scan.test", ImmediateEventExecutor.INSTANCE.newPromise()).isSuccess()).isFalse();
        }
        assertThat(lines).hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void oneLineAtFirstThenOneAMinuteWithHowManyWereRefused() {
        AtomicLong now = new AtomicLong(77);
        SniMapping none = new SniMapping(() -> ServerCertificates.NONE, new MissingCertificateLog(now::get));
        none.map("first.missing-cert.test", ImmediateEventExecutor.INSTANCE.newPromise());
        for (int i = 0; i < 500; i++) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
            none.map("n" + i + ".missing-cert.test", ImmediateEventExecutor.INSTANCE.newPromise());
        }
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("SNI first.missing-cert.test", "tls.secretName", "wsroute.tls.default-secret",
                "1 handshake(s) refused");
        now.addAndGet(TimeUnit.SECONDS.toNanos(10));
        none.map(null, ImmediateEventExecutor.INSTANCE.newPromise());
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).contains("a client without SNI", "501 handshake(s) refused");
    }

    /**
     * The SNI is whatever a client wrote: a name with a line break or a terminal escape must not forge log lines or
     * reach an operator's terminal, and a 60 KiB name is not logged whole.
     */
    @Test
    void aHostileNameIsLoggedEscapedAndCut() {
        AtomicLong now = new AtomicLong();
        SniMapping none = new SniMapping(() -> ServerCertificates.NONE, new MissingCertificateLog(now::get));
        none.map("forged.test\n2026-01-01 ERROR [root] fake\u001b[2J\u0000", ImmediateEventExecutor.INSTANCE.newPromise());
        now.addAndGet(TimeUnit.MINUTES.toNanos(1));
        none.map("long.test." + "x".repeat(60_000), ImmediateEventExecutor.INSTANCE.newPromise());
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("SNI forged.test\\x0a2026-01-01 ERROR [root] fake\\x1b[2J\\x00 ")
                .doesNotContain("\n", "\u001b", "\u0000");
        assertThat(lines.get(1)).contains("SNI long.test.xxx").hasSizeLessThan(700);
    }
}
