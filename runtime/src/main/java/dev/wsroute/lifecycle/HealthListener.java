package dev.wsroute.lifecycle;

import java.time.Duration;

import dev.wsroute.table.RuleKey;

/** What becomes of health changes: metrics, log lines, Kubernetes Events. Called under the pool's lock: be quick. */
public interface HealthListener {
    HealthListener NONE = new HealthListener() {
    };

    /** Active probes made an endpoint healthy or unhealthy. */
    default void healthChanged(RuleKey rule, String endpoint, boolean healthy, String why) {
    }

    /** Passive health ejected an endpoint for {@code period}. */
    default void ejected(RuleKey rule, String endpoint, Duration period, String why) {
    }

    /** An ejection ended: the endpoint takes connections again (unless its probes fail). */
    default void returned(RuleKey rule, String endpoint) {
    }

    /**
     * An ejection was ended before its time, for {@code why} (the rule no longer has passive health checks): the
     * endpoint takes connections again (unless its probes fail). By default as {@link #returned(RuleKey, String)}.
     */
    default void returned(RuleKey rule, String endpoint, String why) {
        returned(rule, endpoint);
    }

    /** A new table changed the set of health-checked endpoints (called outside any pool's lock). */
    default void endpointsChanged(HealthRegistry registry) {
    }
}
