package dev.wsroute.operator.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The {@code wsroute.kubernetes.*} values that convert but cannot work: start-up stops on them with one line naming
 * each property (as the extension's own settings check does), instead of a status writer that never writes.
 */
public final class KubernetesSettingsCheck {
    private final List<String> problems = new ArrayList<>();
    private final Set<String> properties = new LinkedHashSet<>();

    private KubernetesSettingsCheck() {
    }

    /** One line naming every property whose value cannot work, or empty. */
    public static Optional<ConfigurationException> check(WsRouteAppConfig.Kubernetes config) {
        KubernetesSettingsCheck c = new KubernetesSettingsCheck();
        double rate = config.statusWritesPerSecond();
        if (!(rate > 0) || Double.isInfinite(rate)) {
            c.problem("wsroute.kubernetes.status-writes-per-second", rate, "must be a number above 0");
        }
        if (config.statusWriteBurst() < 1) {
            c.problem("wsroute.kubernetes.status-write-burst", config.statusWriteBurst(), "must be at least 1");
        }
        if (c.problems.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ConfigurationException("wsroute: invalid settings: " + String.join("; ", c.problems),
                c.properties));
    }

    private void problem(String property, Object value, String rule) {
        problems.add(property + " is " + value + ", " + rule);
        properties.add(property);
    }
}
