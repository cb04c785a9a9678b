package dev.wsroute.operator.cluster;

import java.time.Duration;

/**
 * How fast statuses are written: one route's at most once per {@code interval}, and all of this process's together at
 * most {@code writesPerSecond}, after a first {@code burst} (client-go's QPS and burst, for status writes alone).
 */
record StatusPace(Duration interval, double writesPerSecond, int burst) {
    /** The defaults of wsroute.kubernetes.status-interval, status-writes-per-second and status-write-burst. */
    static final StatusPace DEFAULT = new StatusPace(Duration.ofSeconds(1), 10, 20);
}
