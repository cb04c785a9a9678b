package dev.wsroute.operator.config;

import java.time.Duration;
import java.util.Optional;

import dev.wsroute.config.SettingProblems;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The {@code wsroute.kubernetes.*} values that convert but cannot work: start-up stops on them with one line naming
 * each property (as the extension's own settings check does), instead of a status writer that never writes or a
 * Lease that two replicas hold at once.
 */
public final class KubernetesSettingsCheck {
    /**
     * The least {@code status-writes-per-second}: one write every 10,000 s (under three hours). Far below it the wait
     * for a token no longer fits the writer's arithmetic (below about 1e-10 it overflowed into a look at once, again
     * and again), and a status hours old is no status.
     */
    public static final double MIN_STATUS_WRITES_PER_SECOND = 0.0001;
    /** The least {@code lease-duration}: the Lease records its duration in whole seconds. */
    public static final Duration MIN_LEASE_DURATION = Duration.ofSeconds(1);

    private KubernetesSettingsCheck() {
    }

    /** One line naming every property whose value cannot work, or empty. */
    public static Optional<ConfigurationException> check(WsRouteAppConfig.Kubernetes config) {
        SettingProblems c = new SettingProblems();
        double rate = config.statusWritesPerSecond();
        if (!(rate >= MIN_STATUS_WRITES_PER_SECOND) || Double.isInfinite(rate)) {
            c.problem("wsroute.kubernetes.status-writes-per-second", rate,
                    "must be a number of at least 0.0001 (a write every 10000 s)");
        }
        c.atLeast("wsroute.kubernetes.status-write-burst", config.statusWriteBurst(), 1);
        lease(c, config.leaseDuration(), config.leaseRenewDeadline(), config.leaseRetryPeriod());
        return c.result();
    }

    /**
     * client-go's rule for a Lease: its holder gives up (stops writing) by the renew deadline, before the Lease is
     * another replica's to take, and tries to renew more than once within that deadline.
     */
    private static void lease(SettingProblems c, Duration lease, Duration renewDeadline, Duration retryPeriod) {
        String leaseKey = "wsroute.kubernetes.lease-duration";
        String renewKey = "wsroute.kubernetes.lease-renew-deadline";
        String retryKey = "wsroute.kubernetes.lease-retry-period";
        if (lease.compareTo(MIN_LEASE_DURATION) < 0) {
            c.problem(leaseKey, SettingProblems.text(lease), "must be at least 1s (the Lease records whole seconds)");
        }
        c.positive(renewKey, renewDeadline);
        c.positive(retryKey, retryPeriod);
        if (positive(renewDeadline) && renewDeadline.compareTo(lease) >= 0) {
            c.problem(renewKey, SettingProblems.text(renewDeadline), "must be shorter than " + leaseKey + " ("
                    + SettingProblems.text(lease) + "): the holder stops writing by it, before another replica may take"
                    + " the Lease");
        }
        if (positive(retryPeriod) && positive(renewDeadline) && retryPeriod.compareTo(renewDeadline) >= 0) {
            c.problem(retryKey, SettingProblems.text(retryPeriod), "must be shorter than " + renewKey + " ("
                    + SettingProblems.text(renewDeadline) + "): the holder tries to renew every retry period");
        }
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }
}
