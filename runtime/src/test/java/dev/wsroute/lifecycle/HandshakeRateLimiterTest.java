package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.wsroute.model.RouteId;
import dev.wsroute.table.RuleKey;

/** Token buckets per rule and client, on a hand-driven clock. */
class HandshakeRateLimiterTest {
    private static final RuleKey RULE = new RuleKey(new RouteId("default", "chat"), "rule-0", 0);
    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final HandshakeRateLimiter limiter = new HandshakeRateLimiter(now::get);

    @Test
    void aBurstOfTheRateThenOnePerTokenRefilled() {
        for (int i = 0; i < 20; i++) {
            assertThat(limiter.acquire(RULE, "10.0.0.1", 20)).as("handshake %d", i).isZero();
        }
        assertThat(limiter.acquire(RULE, "10.0.0.1", 20)).isEqualTo(1);
        now.addAndGet(50_000_000L); // 1/20 s: one token
        assertThat(limiter.acquire(RULE, "10.0.0.1", 20)).isZero();
        assertThat(limiter.acquire(RULE, "10.0.0.1", 20)).isEqualTo(1);
    }

    @Test
    void clientsAndRulesHaveTheirOwnBuckets() {
        assertThat(limiter.acquire(RULE, "10.0.0.1", 1)).isZero();
        assertThat(limiter.acquire(RULE, "10.0.0.1", 1)).isEqualTo(1);
        assertThat(limiter.acquire(RULE, "10.0.0.2", 1)).isZero();
        assertThat(limiter.acquire(new RuleKey(RULE.route(), "rule-1", 1), "10.0.0.1", 1)).isZero();
    }

    @Test
    void aSlowRateAsksForALongerWait() {
        assertThat(limiter.acquire(RULE, "c", 1)).isZero();
        assertThat(limiter.acquire(RULE, "c", 1)).isEqualTo(1);
        now.addAndGet(999_000_000L);
        assertThat(limiter.acquire(RULE, "c", 1)).isEqualTo(1);
    }

    @Test
    void idleBucketsAreForgottenOnceTheMapIsLarge() {
        for (int i = 0; i < 5000; i++) {
            limiter.acquire(RULE, "10.1." + (i / 256) + "." + (i % 256), 10);
        }
        assertThat(limiter.size()).isEqualTo(5000);
        now.addAndGet(2_000_000_000L);
        limiter.acquire(RULE, "fresh", 10);
        assertThat(limiter.size()).isEqualTo(1);
    }

    @Test
    void aRefundGivesTheTokenBackUpToTheBurst() {
        java.net.InetSocketAddress client = new java.net.InetSocketAddress("10.0.0.1", 40000);
        java.util.OptionalInt two = java.util.OptionalInt.of(2);
        assertThat(limiter.acquire(RULE, two, client)).isZero();
        assertThat(limiter.acquire(RULE, two, client)).isZero();
        limiter.refund(RULE, two, client);
        assertThat(limiter.acquire(RULE, two, client)).as("the refunded token").isZero();
        assertThat(limiter.acquire(RULE, two, client)).isEqualTo(1);
        now.addAndGet(5_000_000_000L); // full again
        limiter.refund(RULE, two, client);
        assertThat(limiter.acquire(RULE, two, client)).isZero();
        assertThat(limiter.acquire(RULE, two, client)).isZero();
        assertThat(limiter.acquire(RULE, two, client)).as("never more than the burst").isEqualTo(1);
    }
}
