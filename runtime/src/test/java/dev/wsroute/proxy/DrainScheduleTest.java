package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * When in its drain period a draining socket gets its Close: the period's end without a spread; with one, a moment
 * drawn uniformly from the period's last part, never after its end. The random source is seeded: no run differs.
 */
class DrainScheduleTest {
    private static final Duration PERIOD = Duration.ofSeconds(10);

    private static DrainSchedule seeded(Duration period, Duration spread) {
        SplittableRandom random = new SplittableRandom(19);
        return new DrainSchedule(period, spread, b -> random.nextLong(b + 1));
    }

    private static List<Duration> delays(DrainSchedule s, int n) {
        List<Duration> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(s.closeDelay());
        }
        return out;
    }

    @Test
    void withoutASpreadEveryCloseIsAtThePeriodsEndExactly() {
        DrainSchedule s = new DrainSchedule(PERIOD, Duration.ZERO, b -> {
            throw new AssertionError("no random draw without a spread");
        });
        assertThat(delays(s, 50)).containsOnly(PERIOD);
        assertThat(s.closeDelay(Duration.ofSeconds(3).toNanos())).as("a tunnel joining a shutdown's drain late")
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(s.closeDelay(-5)).as("after the period's end: at once").isZero();
        assertThat(s.clamped()).isFalse();
    }

    @Test
    void aSpreadAsLongAsThePeriodSpreadsTheClosesOverAllOfIt() {
        List<Duration> delays = delays(seeded(PERIOD, PERIOD), 50);
        assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(Duration.ZERO, PERIOD));
        assertThat(delays.stream().distinct().count()).as("not all at one moment").isGreaterThan(1);
        assertThat(delays).as("some in the first half").anySatisfy(d -> assertThat(d).isLessThan(PERIOD.dividedBy(2)));
        assertThat(delays).as("some in the second half").anySatisfy(d -> assertThat(d).isGreaterThan(PERIOD.dividedBy(2)));
    }

    @Test
    void aShorterSpreadUsesOnlyThePeriodsLastPart() {
        List<Duration> delays = delays(seeded(PERIOD, Duration.ofSeconds(4)), 50);
        assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(Duration.ofSeconds(6), PERIOD));
        assertThat(delays).anySatisfy(d -> assertThat(d).isLessThan(Duration.ofSeconds(8)));
        assertThat(delays).anySatisfy(d -> assertThat(d).isGreaterThan(Duration.ofSeconds(8)));
    }

    @Test
    void aSpreadLongerThanThePeriodIsThePeriod() {
        DrainSchedule s = seeded(PERIOD, Duration.ofSeconds(30));
        assertThat(s.clamped()).isTrue();
        assertThat(s.spread()).isEqualTo(PERIOD);
        assertThat(delays(s, 50)).allSatisfy(d -> assertThat(d).isBetween(Duration.ZERO, PERIOD));
        assertThat(s.describe()).contains("longer than wsroute.drain.period", "over the whole period");
    }

    @Test
    void aTunnelJoiningTheShutdownsDrainLateGetsAMomentOfWhatIsLeftOfTheWindow() {
        DrainSchedule s = seeded(PERIOD, Duration.ofSeconds(4));
        // 3 s of the period left: inside the spread window, so anywhere from now to its end
        List<Duration> inside = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            inside.add(s.closeDelay(Duration.ofSeconds(3).toNanos()));
        }
        assertThat(inside).allSatisfy(d -> assertThat(d).isBetween(Duration.ZERO, Duration.ofSeconds(3)));
        assertThat(inside.stream().distinct().count()).isGreaterThan(1);
        // 8 s left: the window is still the last 4 s of the period
        for (int i = 0; i < 50; i++) {
            assertThat(s.closeDelay(Duration.ofSeconds(8).toNanos())).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
        }
    }

    @Test
    void theRandomDrawsBoundsAreTheSpreadsEnds() {
        DrainSchedule earliest = new DrainSchedule(PERIOD, Duration.ofSeconds(4), b -> b);
        DrainSchedule latest = new DrainSchedule(PERIOD, Duration.ofSeconds(4), b -> 0);
        assertThat(earliest.closeDelay()).isEqualTo(Duration.ofSeconds(6));
        assertThat(latest.closeDelay()).isEqualTo(PERIOD);
    }
}
