package dev.wsroute.model;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What a rule says about the life of its sockets and the health of its endpoints (CONTRACT "Lifecycle"). Every
 * part is optional: absent means no limit, no check, no rebalancing.
 */
public record Lifecycle(
        Optional<Duration> maxDuration,
        OptionalLong maxMessageSize,
        OptionalInt handshakesPerClient,
        Optional<ActiveCheck> activeCheck,
        Optional<PassiveCheck> passiveCheck,
        Optional<Rebalance> rebalance) {

    public static final Lifecycle NONE = new Lifecycle(Optional.empty(), OptionalLong.empty(), OptionalInt.empty(),
            Optional.empty(), Optional.empty(), Optional.empty());

    /** Whether endpoint health is tracked at all (and reported as {@code healthy} in status). */
    public boolean healthChecked() {
        return activeCheck.isPresent() || passiveCheck.isPresent();
    }

    /** Probes sent to every endpoint. */
    public record ActiveCheck(Type type, String path, Duration interval, Duration timeout, int healthyThreshold,
            int unhealthyThreshold) {
        public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
        public static final int DEFAULT_HEALTHY_THRESHOLD = 2;
        public static final int DEFAULT_UNHEALTHY_THRESHOLD = 3;

        public enum Type { WebSocket, HTTP, TCP }
    }

    /** Ejection after consecutive failures seen by real traffic. */
    public record PassiveCheck(int consecutiveFailures, Duration baseEjectionTime, int maxEjectionPercent) {
        public static final int DEFAULT_CONSECUTIVE_FAILURES = 5;
        public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
        public static final int DEFAULT_MAX_EJECTION_PERCENT = 50;
    }

    /** Shedding sockets from overloaded endpoints with Close 1012. */
    public record Rebalance(int tolerance, int maxClosesPerSecond) {
        public static final int DEFAULT_TOLERANCE = 20;
        public static final int DEFAULT_MAX_CLOSES_PER_SECOND = 20;
    }
}
