package dev.wsroute.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The settings whose values convert but cannot work, gathered so that start-up stops with one line naming each
 * property rather than at the first, or not at all.
 */
public final class SettingProblems {
    private final List<String> problems = new ArrayList<>();
    private final Set<String> properties = new LinkedHashSet<>();

    public void problem(String property, Object value, String rule) {
        problems.add(property + " is " + value + ", " + rule);
        properties.add(property);
    }

    public void port(String property, int port) {
        if (port < 0 || port > 65535) {
            problem(property, port, "must be a port from 0 to 65535 (0: any free port)");
        }
    }

    public void positive(String property, Duration value) {
        if (value.isNegative() || value.isZero()) {
            problem(property, text(value), "must be longer than 0");
        }
    }

    public void atLeast(String property, long value, long min) {
        if (value < min) {
            problem(property, value, "must be at least " + min);
        }
    }

    /** One line naming every property whose value cannot work, or empty. */
    public Optional<ConfigurationException> result() {
        return problems.isEmpty() ? Optional.empty()
                : Optional.of(new ConfigurationException("wsroute: invalid settings: " + String.join("; ", problems), properties));
    }

    /** As it is written in application.properties: {@code -1s}, not {@code PT-1S}. */
    public static String text(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
