package dev.wsroute.model;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import dev.wsroute.api.ActiveHealthCheckSpec;
import dev.wsroute.api.PassiveHealthCheckSpec;
import dev.wsroute.api.RebalanceSpec;
import dev.wsroute.api.RuleSpec;
import dev.wsroute.model.Lifecycle.ActiveCheck;
import dev.wsroute.model.Lifecycle.PassiveCheck;
import dev.wsroute.model.Lifecycle.Rebalance;

/** The lifecycle part of {@link RouteValidator}: limits, health checks and rebalancing of one rule, errors named by field. */
final class LifecycleValidator {
    private static final Duration MIN_MAX_DURATION = Duration.ofSeconds(1);
    private static final Duration MIN_INTERVAL = Duration.ofMillis(100);

    private final String at;
    private final List<FieldError> errors;

    private LifecycleValidator(String at, List<FieldError> errors) {
        this.at = at;
        this.errors = errors;
    }

    /** The rule's lifecycle; problems are added to {@code errors} under {@code at} (the rule's path). */
    static Lifecycle validate(RuleSpec spec, String at, List<FieldError> errors) {
        return new LifecycleValidator(at, errors).lifecycle(spec);
    }

    private Lifecycle lifecycle(RuleSpec spec) {
        Optional<Duration> maxDuration = Optional.empty();
        if (spec.timeouts != null && spec.timeouts.maxDuration != null) {
            maxDuration = Optional.ofNullable(duration(spec.timeouts.maxDuration, null, ".timeouts.maxDuration"));
            maxDuration.filter(d -> d.compareTo(MIN_MAX_DURATION) < 0).ifPresent(d -> error(".timeouts.maxDuration", "must be at least 1s"));
        }
        OptionalLong maxMessageSize = OptionalLong.empty();
        if (spec.maxMessageSize != null) {
            try {
                long bytes = ByteSizes.parse(spec.maxMessageSize.text());
                if (bytes < 1) {
                    error(".maxMessageSize", "must be at least 1 byte");
                }
                maxMessageSize = OptionalLong.of(bytes);
            } catch (IllegalArgumentException e) {
                error(".maxMessageSize", e.getMessage());
            }
        }
        OptionalInt handshakes = OptionalInt.empty();
        if (spec.rateLimit != null) {
            Integer n = spec.rateLimit.handshakesPerClient;
            if (n == null) {
                error(".rateLimit.handshakesPerClient", "is required");
            } else {
                handshakes = OptionalInt.of(range(n, n, 1, 1_000_000, ".rateLimit.handshakesPerClient"));
            }
        }
        Optional<ActiveCheck> active = Optional.empty();
        Optional<PassiveCheck> passive = Optional.empty();
        if (spec.healthCheck != null) {
            if (spec.healthCheck.active == null && spec.healthCheck.passive == null) {
                error(".healthCheck", "needs active or passive");
            }
            active = Optional.ofNullable(spec.healthCheck.active).map(this::active);
            passive = Optional.ofNullable(spec.healthCheck.passive).map(this::passive);
        }
        Optional<Rebalance> rebalance = Optional.ofNullable(spec.rebalance).map(this::rebalance);
        return new Lifecycle(maxDuration, maxMessageSize, handshakes, active, passive, rebalance);
    }

    private ActiveCheck active(ActiveHealthCheckSpec s) {
        String here = ".healthCheck.active";
        ActiveCheck.Type type = null;
        if (s.type == null) {
            error(here + ".type", "is required (WebSocket, HTTP or TCP)");
        } else {
            type = ActiveCheck.Type.valueOf(s.type.name());
        }
        if (s.path != null && !s.path.startsWith("/")) {
            error(here + ".path", "must start with '/'");
        } else if (s.path == null && type != null && type != ActiveCheck.Type.TCP) {
            error(here + ".path", "is required for " + type + " probes");
        }
        Duration interval = duration(s.interval, ActiveCheck.DEFAULT_INTERVAL, here + ".interval");
        Duration timeout = duration(s.timeout, ActiveCheck.DEFAULT_TIMEOUT, here + ".timeout");
        if (interval != null && interval.compareTo(MIN_INTERVAL) < 0) {
            error(here + ".interval", "must be at least 100ms");
        }
        if (interval != null && timeout != null && timeout.compareTo(interval) > 0) {
            error(here + ".timeout", "must not be longer than the interval (" + s.interval + ")");
        }
        int healthy = range(s.healthyThreshold, ActiveCheck.DEFAULT_HEALTHY_THRESHOLD, 1, 100, here + ".healthyThreshold");
        int unhealthy = range(s.unhealthyThreshold, ActiveCheck.DEFAULT_UNHEALTHY_THRESHOLD, 1, 100, here + ".unhealthyThreshold");
        return new ActiveCheck(type, s.path, interval, timeout, healthy, unhealthy);
    }

    private PassiveCheck passive(PassiveHealthCheckSpec s) {
        String here = ".healthCheck.passive";
        int failures = range(s.consecutiveFailures, PassiveCheck.DEFAULT_CONSECUTIVE_FAILURES, 1, 1000, here + ".consecutiveFailures");
        Duration base = duration(s.baseEjectionTime, PassiveCheck.DEFAULT_BASE_EJECTION_TIME, here + ".baseEjectionTime");
        int percent = range(s.maxEjectionPercent, PassiveCheck.DEFAULT_MAX_EJECTION_PERCENT, 0, 100, here + ".maxEjectionPercent");
        return new PassiveCheck(failures, base, percent);
    }

    private Rebalance rebalance(RebalanceSpec s) {
        int tolerance = range(s.tolerance, Rebalance.DEFAULT_TOLERANCE, 0, 1000, ".rebalance.tolerance");
        int rate = range(s.maxClosesPerSecond, Rebalance.DEFAULT_MAX_CLOSES_PER_SECOND, 1, 10_000, ".rebalance.maxClosesPerSecond");
        return new Rebalance(tolerance, rate);
    }

    private int range(Integer value, int fallback, int min, int max, String field) {
        if (value == null) {
            return fallback;
        }
        if (value < min || value > max) {
            error(field, "must be between " + min + " and " + max);
        }
        return value;
    }

    /** The parsed duration, the fallback when absent, or null (with an error) when invalid or zero. */
    private Duration duration(String text, Duration fallback, String field) {
        if (text == null) {
            return fallback;
        }
        try {
            Duration d = DurationParser.parse(text);
            if (d.isZero()) {
                error(field, "must be more than zero");
                return null;
            }
            return d;
        } catch (IllegalArgumentException e) {
            error(field, e.getMessage());
            return null;
        }
    }

    private void error(String field, String message) {
        errors.add(new FieldError(at + field, message));
    }
}
