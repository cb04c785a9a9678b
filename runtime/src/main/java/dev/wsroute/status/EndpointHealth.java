package dev.wsroute.status;

import dev.wsroute.metrics.Meters;

/**
 * An endpoint's health as the health checks report it through the {@code wsroute.endpoint.healthy{route,endpoint}}
 * gauge (1 healthy, 0 unhealthy); "not checked" where no check reports on it.
 */
final class EndpointHealth {
    static final String NOT_CHECKED = "not checked";

    private final Meters meters;

    EndpointHealth(Meters meters) {
        this.meters = meters;
    }

    String of(String route, String endpoint) {
        for (Meters.Reading g : meters.read("wsroute.endpoint.healthy")) {
            if (route.equals(g.tag("route")) && endpoint.equals(g.tag("endpoint")) && !Double.isNaN(g.value())) {
                return g.value() > 0 ? "healthy" : "unhealthy";
            }
        }
        return NOT_CHECKED;
    }
}
