package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.netty.channel.ChannelException;

/** A storm at the open-files limit fails thousands of connects a second: one line at first, then one a minute with the count. */
class NoSocketLogTest {
    @Test
    void oneLineAtFirstThenOneAMinuteWithHowManyFailed() {
        AtomicLong now = new AtomicLong(123);
        NoSocketLog log = new NoSocketLog(now::get);
        ChannelException emfile = new ChannelException(new IOException("newSocketStream(..) failed: Too many open files"));
        assertThat(log.failed(emfile)).contains("Too many open files").contains("(1 upgrade(s)");
        for (int i = 0; i < 1000; i++) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(10));
            assertThat(log.failed(emfile)).isNull();
        }
        now.addAndGet(TimeUnit.SECONDS.toNanos(50));
        assertThat(log.failed(emfile)).contains("(1001 upgrade(s)");
        assertThat(log.failed(emfile)).isNull();
    }
}
