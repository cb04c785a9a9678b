package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The cap on status writes across routes: a burst at first, then the rate, never more than a burst saved up. */
class TokenBucketTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aBurstAtOnceThenOneTokenPerTenthOfASecondAtTenASecond() {
        TokenBucket b = new TokenBucket(10, 20, 0);
        for (int i = 0; i < 20; i++) {
            assertThat(b.tryTake(0)).as("token %d of the burst", i).isTrue();
        }
        assertThat(b.tryTake(0)).isFalse();
        assertThat(b.nanosUntilToken(0)).isEqualTo(SECOND / 10);
        assertThat(b.tryTake(SECOND / 10 - 1)).isFalse();
        assertThat(b.tryTake(SECOND / 10)).isTrue();
        assertThat(b.tryTake(SECOND / 10)).isFalse();
    }

    @Test
    void aLongQuietSpellSavesUpNoMoreThanTheBurst() {
        TokenBucket b = new TokenBucket(10, 20, 0);
        long later = 3600 * SECOND;
        int taken = 0;
        while (b.tryTake(later)) {
            taken++;
        }
        assertThat(taken).isEqualTo(20);
        assertThat(b.nanosUntilToken(later)).isPositive();
    }

    @Test
    void withinAnySecondNoMoreThanTheBurstAndTheRate() {
        TokenBucket b = new TokenBucket(4, 5, 0);
        int taken = 0;
        for (long t = 0; t <= SECOND; t += SECOND / 1000) { // asked every millisecond for a second
            while (b.tryTake(t)) {
                taken++;
            }
        }
        assertThat(taken).isEqualTo(5 + 4);
    }

    @Test
    void aTokenTooFarAwayToCountInNanosecondsPutsTheNextLookOffByAnHourAtMost() {
        TokenBucket b = new TokenBucket(1e-12, 1, 0); // below what the settings check lets through
        assertThat(b.tryTake(0)).isTrue();
        assertThat(b.nanosUntilToken(0)).as("1e21 ns, saturated").isEqualTo(Long.MAX_VALUE);
        assertThat(StatusWriter.lookDelayMillis(Long.MAX_VALUE)).isEqualTo(StatusWriter.MAX_LOOK_DELAY_MILLIS);
        assertThat(StatusWriter.lookDelayMillis(TimeUnit.SECONDS.toNanos(1000))).isEqualTo(1_000_000);
        assertThat(StatusWriter.lookDelayMillis(1)).as("rounded up").isEqualTo(1);
        assertThat(StatusWriter.lookDelayMillis(0)).isZero();
    }

    @Test
    void aRateOfZeroOrABurstOfZeroIsRefused() {
        assertThatThrownBy(() -> new TokenBucket(0, 20, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBucket(10, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
