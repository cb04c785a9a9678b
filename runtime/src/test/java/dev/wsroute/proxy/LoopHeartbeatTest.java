package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

/**
 * /q/health/live answered UP while an I/O thread was wedged (a blocking call, an endless loop) and every connection
 * on it was stuck: only a restart helps, and Kubernetes was never told. The heartbeat shows a wedged thread's silence
 * growing, while a running one's stays at its period.
 */
class LoopHeartbeatTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    final DefaultEventLoopGroup group = new DefaultEventLoopGroup(2);
    final AtomicLong clock = new AtomicLong(); // nanoseconds, moved by the test
    final CountDownLatch unwedge = new CountDownLatch(1);

    @AfterEach
    void stop() {
        unwedge.countDown();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aWedgedIoThreadsSilenceGrowsAndARunningOnesDoesNot() throws Exception {
        LoopHeartbeat heartbeat = new LoopHeartbeat(group, Duration.ofMillis(10), clock::get);
        EventExecutor[] loops = new EventExecutor[2];
        int n = 0;
        for (EventExecutor e : group) {
            loops[n++] = e;
        }
        clock.set(TimeUnit.SECONDS.toNanos(61));
        await().atMost(WAIT).until(() -> heartbeat.longestSilence().isZero()); // both threads stamped the new time

        CountDownLatch wedged = new CountDownLatch(1);
        loops[0].execute(() -> { // as a blocking call on an I/O thread does
            wedged.countDown();
            try {
                unwedge.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(wedged.await(30, TimeUnit.SECONDS)).isTrue();
        clock.addAndGet(TimeUnit.SECONDS.toNanos(61));
        CountDownLatch stamped = new CountDownLatch(1);
        loops[1].execute(stamped::countDown);
        assertThat(stamped.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(heartbeat.longestSilence()).as("the wedged thread has not stamped since").isEqualTo(Duration.ofSeconds(61));

        unwedge.countDown(); // the thread runs again: its next stamp makes it alive again
        await().atMost(WAIT).until(() -> heartbeat.longestSilence().isZero());
        heartbeat.stop();
        clock.addAndGet(TimeUnit.SECONDS.toNanos(600));
        assertThat(heartbeat.longestSilence()).as("once stopped (shutdown)").isZero();
    }
}
