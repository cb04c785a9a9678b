package dev.wsroute.status;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * An endpoint's health as the health checks report it through the {@code wsroute.endpoint.healthy{route,endpoint}}
 * gauge (1 healthy, 0 unhealthy); "not checked" where no check reports on it.
 */
final class EndpointHealth {
    static final String NOT_CHECKED = "not checked";

    private final MeterRegistry registry;

    EndpointHealth(MeterRegistry registry) {
        this.registry = registry;
    }

    String of(String route, String endpoint) {
        Gauge g = registry.find("wsroute.endpoint.healthy").tag("route", route).tag("endpoint", endpoint).gauge();
        if (g == null || Double.isNaN(g.value())) {
            return NOT_CHECKED;
        }
        return g.value() > 0 ? "healthy" : "unhealthy";
    }
}
