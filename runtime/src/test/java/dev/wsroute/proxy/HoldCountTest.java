package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The lock-free count of open WebSockets that keeps a series of metrics: never closed with a holder in it. */
class HoldCountTest {

    @Test
    void closesOnlyWhenNoneHoldsItAndCannotBeTakenAfter() {
        HoldCount c = new HoldCount();
        assertThat(c.take()).isTrue();
        assertThat(c.closeUnlessHeld()).as("held by one").isFalse();
        assertThat(c.giveBack()).isZero();
        assertThat(c.closeUnlessHeld()).isTrue();
        assertThat(c.take()).as("closed for good").isFalse();
        assertThat(c.count()).isZero();
        assertThat(c.closeUnlessHeld()).as("once").isFalse();
    }

    /** Takers and a closer race: whoever wins, a take that succeeded is never on a closed count. */
    @Test
    void aTakeRacingTheCloseEitherHoldsItOrFindsItClosed() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 2_000; round++) {
                HoldCount c = new HoldCount();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> takes = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    takes.add(threads.submit(() -> {
                        go.await();
                        return c.take();
                    }));
                }
                Future<Boolean> closed = threads.submit(() -> {
                    go.await();
                    return c.closeUnlessHeld();
                });
                go.countDown();
                int taken = 0;
                for (Future<Boolean> t : takes) {
                    taken += t.get(30, TimeUnit.SECONDS) ? 1 : 0;
                }
                if (closed.get(30, TimeUnit.SECONDS)) {
                    assertThat(c.count()).as("closed: no take counted after").isZero();
                    assertThat(c.take()).isFalse();
                } else {
                    assertThat(taken).as("not closed: someone held it").isPositive();
                    assertThat(c.count()).isEqualTo(taken);
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
