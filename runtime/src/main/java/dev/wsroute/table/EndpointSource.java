package dev.wsroute.table;

import java.util.List;

import dev.wsroute.model.Backend;
import dev.wsroute.model.RouteId;

/** Resolves a backend of a route to the addresses of its ready endpoints (static in standalone mode, from EndpointSlices in a cluster). */
@FunctionalInterface
public interface EndpointSource {

    /** Ready endpoints of the backend, as (host, port); an empty list when none is ready or the Service is unknown. */
    List<Backend.HostPort> resolve(RouteId route, Backend backend);

    /** Standalone mode: a backend's static endpoints. */
    EndpointSource STATIC = (route, backend) -> backend.endpoints();
}
