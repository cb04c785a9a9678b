package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link LoopClock.Activity} past the ring of sweep times: a connection quiet for more sweeps than the ring keeps
 * (a tunnel with an idle timeout of hours, looked at every {@link LoopClock#LOOK_NANOS}) is never counted quieter than
 * it is, and activity after such a quiet starts the count over (the looked-up bound is not kept from before). The
 * sweeps are driven by hand on the clock's loop, hundreds in a moment.
 */
class LoopClockActivityTest {
    @Test
    void aQuietLongerThanTheRingIsNeverOvercountedAndActivityAfterItStartsOver() throws Exception {
        LoopClockOnItsLoop.run((clock, sweep) -> {
            LoopClock.Activity a = new LoopClock.Activity(clock);
            sweep.run();
            long before = System.nanoTime();
            a.note();
            assertThat(a.quiet()).as("active since the last sweep").isZero();
            for (int i = 0; i < 600; i++) { // more than twice the ring
                sweep.run();
                assertThat(a.quiet()).as("never more than the real quiet, sweep " + i).isBetween(0L, System.nanoTime() - before);
            }
            for (int i = 0; i < 600; i++) { // not looked at meanwhile: the stamp fell out of the ring
                sweep.run();
            }
            assertThat(a.quiet()).isBetween(0L, System.nanoTime() - before);
            long active = System.nanoTime();
            a.note(); // activity after the long quiet
            sweep.run();
            sweep.run();
            assertThat(a.quiet()).as("counted from the new activity").isBetween(0L, System.nanoTime() - active);
        });
    }
}
