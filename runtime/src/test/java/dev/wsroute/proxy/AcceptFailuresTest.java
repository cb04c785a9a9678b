package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.wsroute.testing.LogLines;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.unix.Errors;

/**
 * What counts in wsroute_client_accept_failures_total: a listener's failures for want of a descriptor (or socket
 * memory), not any exception that reaches the listener's pipeline. (The real EMFILE, end to end in a JVM under a
 * low open-files limit, is OpenFilesLimitTest's.)
 */
class AcceptFailuresTest {

    @Test
    void onlyAShortageOfDescriptorsCountsAsAnAcceptFailure() {
        io.netty.channel.epoll.Epoll.ensureAvailability(); // loads the native library that errno values come from
        AtomicInteger counted = new AtomicInteger();
        try (LogLines log = LogLines.of(AcceptFailures.class.getName())) {
            EmbeddedChannel listener = new EmbeddedChannel(new AcceptFailures(counted::incrementAndGet));
            listener.pipeline().fireExceptionCaught(new Errors.NativeIoException("accept", -24)); // EMFILE
            listener.pipeline().fireExceptionCaught(new Errors.NativeIoException("accept", -23)); // ENFILE
            listener.pipeline().fireExceptionCaught(new IOException("Too many open files")); // NIO's
            assertThat(counted).hasValue(3);

            listener.pipeline().fireExceptionCaught(new IllegalStateException("a handler's bug"));
            listener.pipeline().fireExceptionCaught(new Errors.NativeIoException("accept", -22)); // EINVAL
            assertThat(counted).as("other failures are no accept failure").hasValue(3);
            assertThat(log.lines()).hasSize(2);
            assertThat(log.lines().get(0)).contains("the open-files limit is reached");
            assertThat(log.lines().get(1)).contains("unexpected failure on the listener").doesNotContain("open-files");
            listener.finishAndReleaseAll();
        }
    }

    /** ENOBUFS and ENOMEM count too, but their line blames the kernel's socket memory, not the open-files limit. */
    @Test
    void aShortageOfSocketMemoryIsNotBlamedOnTheOpenFilesLimit() {
        io.netty.channel.epoll.Epoll.ensureAvailability();
        AtomicInteger counted = new AtomicInteger();
        try (LogLines log = LogLines.of(AcceptFailures.class.getName())) {
            EmbeddedChannel listener = new EmbeddedChannel(new AcceptFailures(counted::incrementAndGet));
            listener.pipeline().fireExceptionCaught(new Errors.NativeIoException("accept", -105)); // ENOBUFS
            listener.pipeline().fireExceptionCaught(new Errors.NativeIoException("accept", -12)); // ENOMEM
            listener.pipeline().fireExceptionCaught(new IOException("No buffer space available")); // NIO's
            assertThat(counted).hasValue(3);
            assertThat(log.lines()).as("one line, then at most one a minute").hasSize(1);
            assertThat(log.lines().get(0)).contains("the kernel is out of memory for sockets").doesNotContain("open-files", "ulimit");

            // a shortage of descriptors after it still gets its own line at once, naming the open-files limit
            listener.pipeline().fireExceptionCaught(new Errors.NativeIoException("accept", -24)); // EMFILE
            assertThat(counted).hasValue(4);
            assertThat(log.lines()).hasSize(2);
            assertThat(log.lines().get(1)).contains("the open-files limit is reached");
            listener.finishAndReleaseAll();
        }
    }
}
