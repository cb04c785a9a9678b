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
}
