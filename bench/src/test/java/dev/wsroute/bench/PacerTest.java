package dev.wsroute.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PacerTest {
    private final EventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void pacedOperationsAreDueOneIntervalApartHoweverLateTheyStart() throws InterruptedException {
        Pacer pacer = Pacer.of(4_000, 8); // 500 per second each: one every 2 ms
        CountDownLatch ran = new CountDownLatch(1);
        long before = System.nanoTime();
        pacer.schedule(loop, ran::countDown);
        long after = System.nanoTime(); // the schedule starts in between, plus a phase under one interval
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();

        long first = pacer.begin();
        long second = pacer.begin(); // called at once: still due a whole interval later (an open schedule)
        long third = pacer.begin();
        assertThat(first).isBetween(before, after + 2_000_000 - 1);
        assertThat(second - first).isEqualTo(2_000_000);
        assertThat(third - second).isEqualTo(2_000_000);
    }

    @Test
    void backToBackOperationsStartWhenTheyAreBegun() throws InterruptedException {
        Pacer pacer = Pacer.of(0, 8);
        CountDownLatch ran = new CountDownLatch(1);
        pacer.schedule(loop, ran::countDown);
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        long before = System.nanoTime();
        assertThat(pacer.begin()).isGreaterThanOrEqualTo(before);
    }

    @Test
    void aNegativeRateIsRefused() {
        assertThatThrownBy(() -> Pacer.of(-1, 8)).hasMessageContaining("--rate");
        assertThatThrownBy(() -> Pacer.of(Double.NaN, 8)).hasMessageContaining("--rate");
    }
}
