package dev.wsroute.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

import io.netty.util.concurrent.ImmediateEventExecutor;

/** A handshake that has no certificate to offer is logged, once per SNI name, with what to do about it. */
class MissingCertificateLogTest {

    @Test
    void eachNameIsLoggedOnce() {
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
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
        Logger log = Logger.getLogger(MissingCertificateLog.class.getName());
        log.addHandler(capture);
        try {
            SniMapping none = new SniMapping(() -> ServerCertificates.NONE);
            for (int i = 0; i < 3; i++) {
                assertThat(none.map("once.missing-cert.test", ImmediateEventExecutor.INSTANCE.newPromise()).isSuccess()).isFalse();
            }
            none.map("twice.missing-cert.test", ImmediateEventExecutor.INSTANCE.newPromise());
            assertThat(lines).hasSize(2);
            assertThat(lines.get(0)).contains("SNI once.missing-cert.test", "tls.secretName", "wsroute.tls.default-secret");
            assertThat(lines.get(1)).contains("SNI twice.missing-cert.test");
        } finally {
            log.removeHandler(capture);
        }
    }

    /**
     * The SNI is whatever a client wrote: a name with a line break or a terminal escape must not forge log lines or
     * reach an operator's terminal, and a 60 KiB name is neither logged nor remembered whole (1,024 of them would be
     * kept for the life of the process).
     */
    @Test
    void aHostileNameIsLoggedEscapedAndCut() {
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
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
        Logger log = Logger.getLogger(MissingCertificateLog.class.getName());
        log.addHandler(capture);
        try {
            SniMapping none = new SniMapping(() -> ServerCertificates.NONE);
            none.map("forged.test\n2026-01-01 ERROR [root] fake\u001b[2J\u0000", ImmediateEventExecutor.INSTANCE.newPromise());
            none.map("long.test." + "x".repeat(60_000), ImmediateEventExecutor.INSTANCE.newPromise());
            assertThat(lines).hasSize(2);
            assertThat(lines.get(0)).contains("SNI forged.test\\x0a2026-01-01 ERROR [root] fake\\x1b[2J\\x00 ")
                    .doesNotContain("\n", "\u001b", "\u0000");
            assertThat(lines.get(1)).contains("SNI long.test.xxx").hasSizeLessThan(600);
        } finally {
            log.removeHandler(capture);
        }
    }
}

