package dev.wsroute.operator.config;

import java.util.Optional;

import dev.wsroute.config.SettingProblems;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The {@code wsroute.kubernetes.*} values that convert but cannot work: start-up stops on them with one line naming
 * each property (as the extension's own settings check does), instead of a status writer that never writes.
 */
public final class KubernetesSettingsCheck {
    private KubernetesSettingsCheck() {
    }

    /** One line naming every property whose value cannot work, or empty. */
    public static Optional<ConfigurationException> check(WsRouteAppConfig.Kubernetes config) {
        SettingProblems c = new SettingProblems();
        double rate = config.statusWritesPerSecond();
        if (!(rate > 0) || Double.isInfinite(rate)) {
            c.problem("wsroute.kubernetes.status-writes-per-second", rate, "must be a number above 0");
        }
        c.atLeast("wsroute.kubernetes.status-write-burst", config.statusWriteBurst(), 1);
        return c.result();
    }
}
