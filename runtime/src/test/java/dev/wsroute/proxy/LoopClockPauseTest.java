package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.netty.channel.DefaultEventLoop;

/**
 * A paused deadline ({@link LoopClock#pause}: the answer's on every request, a keep-alive wait's) never fires, is not
 * armed, runs no stop action, and arms again in place; the next sweep takes one still paused out of the loop's list,
 * so it keeps nothing reachable after that; a disarmed one is out at once. Sweeps are driven by hand on the clock's loop.
 */
class LoopClockPauseTest {
    @Test
    void aPausedDeadlineNeverFiresArmsAgainInPlaceAndLeavesTheListAtTheNextSweep() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            loop.submit(() -> {
                try {
                    Method sweep = LoopClock.class.getDeclaredMethod("sweep");
                    sweep.setAccessible(true);
                    Field next = LoopClock.Deadline.class.getDeclaredField("next");
                    next.setAccessible(true);
                    LoopClock clock = LoopClock.of(loop);
                    AtomicInteger fired = new AtomicInteger();
                    AtomicInteger stopped = new AtomicInteger();
                    LoopClock.Deadline d = new LoopClock.Deadline(fired::incrementAndGet, stopped::incrementAndGet);

                    clock.arm(d, 0);
                    clock.pause(d);
                    assertThat(d.armed()).isFalse();
                    LoopClock.listenersClosed();
                    assertThat(stopped).as("no stop action for a paused deadline").hasValue(0);
                    assertThat(next.get(d)).as("still linked until the sweep").isNotNull();
                    sweep.invoke(clock);
                    assertThat(fired).as("a paused deadline due long ago does not fire").hasValue(0);
                    assertThat(next.get(d)).as("the sweep took it out of the list").isNull();

                    clock.arm(d, TimeUnit.HOURS.toNanos(1));
                    clock.pause(d);
                    clock.arm(d, 0); // again before any sweep: in place
                    assertThat(d.armed()).isTrue();
                    sweep.invoke(clock);
                    assertThat(fired).as("armed again, it fires once").hasValue(1);
                    assertThat(d.armed()).isFalse();
                    sweep.invoke(clock);
                    assertThat(fired).hasValue(1);

                    clock.arm(d, 0);
                    clock.disarm(d);
                    assertThat(next.get(d)).as("disarmed: out at once").isNull();
                    sweep.invoke(clock);
                    assertThat(fired).hasValue(1);
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }).get(60, TimeUnit.SECONDS);
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
