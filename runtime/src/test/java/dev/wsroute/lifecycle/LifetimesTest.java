package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

class LifetimesTest {
    @Test
    void deadlinesSpreadOverPlusMinusTenPercent() {
        SplittableRandom random = new SplittableRandom(42);
        long base = Duration.ofHours(24).toNanos();
        long[] deadlines = LongStream.range(0, 10_000).map(i -> Lifetimes.jittered(Duration.ofHours(24), random)).toArray();
        assertThat(LongStream.of(deadlines).allMatch(d -> d >= base * 0.9 && d <= base * 1.1)).isTrue();
        // spread, not bunched: each fifth of the window holds a fair share
        int[] buckets = new int[5];
        for (long d : deadlines) {
            buckets[(int) Math.min(4, (d - base * 0.9) / (base * 0.2 / 5))]++;
        }
        assertThat(java.util.stream.IntStream.of(buckets).boxed().toList()).allMatch(n -> n > 1500 && n < 2500);
    }
}
