package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * A paused deadline ({@link LoopClock#pause}: the answer's on every request, a keep-alive wait's) never fires, is not
 * armed, runs no stop action, and arms again in place; the next sweep takes one still paused out of the loop's list,
 * so it keeps nothing reachable after that; a disarmed one is out at once. Sweeps are driven by hand on the clock's loop.
 */
class LoopClockPauseTest {
    @Test
    void aPausedDeadlineNeverFiresArmsAgainInPlaceAndLeavesTheListAtTheNextSweep() throws Exception {
        LoopClockOnItsLoop.run((clock, sweep) -> {
            Field next = LoopClock.Deadline.class.getDeclaredField("next");
            next.setAccessible(true);
            AtomicInteger fired = new AtomicInteger();
            AtomicInteger stopped = new AtomicInteger();
            LoopClock.Deadline d = new LoopClock.Deadline(fired::incrementAndGet, stopped::incrementAndGet);

            clock.arm(d, 0);
            clock.pause(d);
            assertThat(d.armed()).isFalse();
            LoopClock.listenersClosed();
            assertThat(stopped).as("no stop action for a paused deadline").hasValue(0);
            assertThat(next.get(d)).as("still linked until the sweep").isNotNull();
            sweep.run();
            assertThat(fired).as("a paused deadline due long ago does not fire").hasValue(0);
            assertThat(next.get(d)).as("the sweep took it out of the list").isNull();

            clock.arm(d, TimeUnit.HOURS.toNanos(1));
            clock.pause(d);
            clock.arm(d, 0); // again before any sweep: in place
            assertThat(d.armed()).isTrue();
            sweep.run();
            assertThat(fired).as("armed again, it fires once").hasValue(1);
            assertThat(d.armed()).isFalse();
            sweep.run();
            assertThat(fired).hasValue(1);

            clock.arm(d, 0);
            clock.disarm(d);
            assertThat(next.get(d)).as("disarmed: out at once").isNull();
            sweep.run();
            assertThat(fired).hasValue(1);
        });
    }
}
